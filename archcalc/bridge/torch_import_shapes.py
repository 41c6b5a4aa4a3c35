"""The torch functions and methods that move data without computing: chunks, channel slices,
reshapes (read from their shapes), the permutes around channels-last layers, ShuffleNet's
view–transpose–view, and the spatial mean (GAP). Handlers `f_<name>`, as in
torch_import_functions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from archcalc.bridge.torch_import_functions import bind, out_shape
from archcalc.bridge.torch_import_modules import refuse
from archcalc.bridge.torch_import_values import Event, Piece, Val

if TYPE_CHECKING:
    from archcalc.bridge.torch_import_ops import Converter


def f_chunk(conv: Converter, ev: Event) -> tuple[Piece, ...]:
    from archcalc.bridge.torch_import_ops import chunk_pieces

    a = bind(ev, "input chunks dim", dim=0)
    return chunk_pieces(conv.read(a["input"], ev), int(a["chunks"]), a["dim"], ev)


def f_split(conv: Converter, ev: Event) -> tuple[Piece, ...]:
    from archcalc.bridge.torch_import_ops import chunk_pieces

    a = bind(ev, "tensor split_size_or_sections dim", dim=0)
    x = conv.read(a["tensor"], ev)
    sizes = a["split_size_or_sections"]
    c = x.shape[a["dim"]]
    sizes = list(sizes) if isinstance(sizes, list | tuple) else [sizes] * -(-c // sizes)
    if len(set(sizes)) != 1 or sum(sizes) != c:
        raise refuse(ev, f"a split into {sizes}: archcalc's CHUNK takes equal channel groups")
    return chunk_pieces(x, len(sizes), a["dim"], ev)


def f_getitem(conv: Converter, ev: Event) -> Any:
    obj, index = ev.args
    if isinstance(obj, tuple | list):
        return obj[index]
    x = conv.read(obj, ev)
    keys = index if isinstance(index, tuple) else (index,)
    c = x.shape[x.channel_dim]
    full = [k == slice(None) for k in keys]
    if x.layout == "nchw" and len(keys) == 2 and full[0] and isinstance(keys[1], slice):
        start, stop, step = keys[1].indices(c)
        width = stop - start
        if step == 1 and width > 0 and c % width == 0 and start % width == 0:
            return Piece(x, start // width + 1, c // width, ev.name, ev.scope)
    raise refuse(ev, f"indexing with {index!r}: only an equal group of channels "
                     "(x[:, a:b]) is a CHUNK")


def f_flatten(conv: Converter, ev: Event) -> Val:
    return f_reshape(conv, ev)


def f_reshape(conv: Converter, ev: Event) -> Val:
    """Reshapes by their shapes: to N×F a FLATTEN; ShuffleNet's channel shuffle (a view as
    N×g×C/g×…, a transpose of those two axes, a view back)."""
    from archcalc.bridge.torch_import_ops import flatten_val

    x, y = conv.read(ev.args[0], ev), out_shape(ev)
    if x.layout in ("grouped", "shuffled"):
        if y[1] == x.shape[1] * x.shape[2] and y[2:] == x.shape[3:]:
            base = Val(x.ir, "nchw" if len(y) == 4 else "vec", y)
            if x.layout == "grouped":
                return base  # viewed back unshuffled: nothing happened
            return conv.emit("channelshuffle", {"g": x.groups}, [base], ev, y)
    elif y == x.shape:
        return x
    elif len(y) == 2 and y[1] == math.prod(x.shape[1:]):
        return flatten_val(conv, x, ev, y)
    elif (x.layout in ("nchw", "vec") and len(y) == len(x.shape) + 1
          and y[1] * y[2] == x.shape[1] and y[3:] == x.shape[2:]):
        return Val(x.ir, "grouped", y, y[1])  # N×g×C/g×…: the first step of a shuffle
    elif x.layout == "vec" and y == (1, x.shape[1], 1, 1):
        return Val(x.ir, "flat", y)  # a vector as N×C×1×1: still a vector to archcalc
    raise refuse(ev, f"a reshape {list(x.shape)} → {list(y)} has no .arch form")


f_view = f_squeeze = f_unsqueeze = f_unflatten = f_reshape


def f_permute(conv: Converter, ev: Event) -> Val:
    x, y = conv.read(ev.args[0], ev), out_shape(ev)
    rest = ev.args[1:] or (ev.kwargs.get("dims"),)
    dims = tuple(rest[0]) if isinstance(rest[0], tuple | list) else tuple(rest)
    if x.layout == "nchw" and dims == (0, 2, 3, 1):
        return Val(x.ir, "nhwc", y)
    if x.layout == "nhwc" and dims == (0, 3, 1, 2):
        return Val(x.ir, "nchw", y)
    raise refuse(ev, f"permute{dims} of a {x.layout} tensor: only (0, 2, 3, 1) to "
                     "channels-last and (0, 3, 1, 2) back have an .arch form")


def f_transpose(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input dim0 dim1")
    x = conv.read(a["input"], ev)
    rank = len(x.shape)
    if x.layout == "grouped" and {a["dim0"] % rank, a["dim1"] % rank} == {1, 2}:
        return Val(x.ir, "shuffled", out_shape(ev), x.groups)
    raise refuse(ev, f"transpose({a['dim0']}, {a['dim1']}) of a {x.layout} tensor has no "
                     ".arch form (a channel shuffle's is recognized)")


def f_mean(conv: Converter, ev: Event) -> Val:
    from archcalc.bridge.torch_import_ops import flatten_val

    a = bind(ev, "input dim keepdim dtype", dim=None, keepdim=False)
    x = conv.read(a["input"], ev)
    dims = a["dim"] if isinstance(a["dim"], tuple | list) else (a["dim"],)
    spatial_dims = {1, 2} if x.layout == "nhwc" else {2, 3}
    if x.layout == "vec" or {d % 4 for d in dims if d is not None} != spatial_dims:
        raise refuse(ev, f"a mean over {list(dims)}: archcalc's GAP averages H and W")
    kept = tuple(1 if i in spatial_dims else s for i, s in enumerate(x.shape))
    gap = conv.emit("gap", {}, [x], ev, kept)
    return gap if a["keepdim"] else flatten_val(conv, gap, ev, out_shape(ev))
