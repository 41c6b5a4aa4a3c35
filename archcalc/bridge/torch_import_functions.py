"""The torch functions and tensor methods the importer maps, one handler `f_<name>` each
(names normalized by torch_import_values.canonical: `__iadd__` is add, `relu_` is relu).
Arguments bind as torch's signatures do; shapes come from the recorded outputs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from archcalc.bridge.ir import exact
from archcalc.bridge.torch_import_modules import (
    adaptive_size,
    avgpool_spec,
    layernorm_spec,
    pad_spec,
    refuse,
    softmax_spec,
    spatial,
    upsample_spec,
)
from archcalc.bridge.torch_import_values import Event, Param, Piece, Val, tensor_shape
from archcalc.values import Pair

if TYPE_CHECKING:
    from archcalc.bridge.torch_import_ops import Converter


def bind(ev: Event, names: str, **defaults: Any) -> dict[str, Any]:
    """The call's arguments by name (`names`: the signature, space-separated)."""
    bound = dict(defaults)
    bound.update(zip(names.split(), ev.args, strict=False))
    bound.update(ev.kwargs)
    return bound


def out_shape(ev: Event) -> tuple[int, ...]:
    return tensor_shape(ev.out, ev)


def merge_values(conv: Converter, ev: Event, kind: str, tensors: list[Any]) -> Val:
    xs = [conv.read(t, ev) for t in tensors]
    layouts = {x.layout for x in xs} - {"flat"} or {"flat"}  # a flat vector broadcasts
    if len(layouts) > 1:
        raise refuse(ev, f"{kind} of tensors in different layouts "
                         f"({', '.join(x.layout for x in xs)})")
    return conv.emit(kind, {}, xs, ev, out_shape(ev), layout=layouts.pop())


def f_add(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input other alpha", alpha=1)
    if a["alpha"] != 1 or not all(isinstance(t, Val | Piece) for t in (a["input"], a["other"])):
        raise refuse(ev, "adding a constant or a parameter (a bias) has no archcalc kind",
                     "archcalc's ADD sums the outputs of paths")
    return merge_values(conv, ev, "add", [a["input"], a["other"]])


def f_mul(conv: Converter, ev: Event) -> Val:
    from archcalc.bridge.torch_import_ops import scale_of

    a, b = bind(ev, "input other")["input"], bind(ev, "input other")["other"]
    param, x = (a, b) if isinstance(a, Param) else (b, a)
    if isinstance(param, Param) and isinstance(x, Val | Piece):
        x = conv.read(x, ev)
        if scale_of(param, x):
            return conv.emit("scale", {}, [x], ev, out_shape(ev), params=math.prod(param.shape))
        raise refuse(ev, f"a product with the parameter {param.name!r} {list(param.shape)}: "
                         "archcalc's SCALE multiplies each channel by its own γ")
    if not all(isinstance(t, Val | Piece) for t in (a, b)):
        raise refuse(ev, "multiplying by a constant has no archcalc kind",
                     "archcalc's MUL multiplies the outputs of paths")
    return merge_values(conv, ev, "mul", [a, b])


def f_cat(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "tensors dim", dim=0)
    xs = [conv.read(t, ev) for t in a["tensors"]]
    if any(a["dim"] % len(x.shape) != x.channel_dim for x in xs):
        raise refuse(ev, f"a concatenation along axis {a['dim']}: archcalc's CONCAT joins "
                         "channels")
    return merge_values(conv, ev, "concat", xs)


def _adaptive(conv: Converter, ev: Event, kind: str) -> Val:
    a = bind(ev, "input output_size return_indices", return_indices=False)
    x = conv.read(a["input"], ev)
    spatial(x, ev)
    if a["return_indices"]:
        raise refuse(ev, "a pool returning indices has no archcalc kind")
    return conv.emit(kind, {"size": adaptive_size(a["output_size"], x)}, [x], ev, out_shape(ev))


def f_adaptive_avg_pool2d(conv: Converter, ev: Event) -> Val:
    return _adaptive(conv, ev, "adaptiveavgpool")


def f_adaptive_max_pool2d(conv: Converter, ev: Event) -> Val:
    return _adaptive(conv, ev, "adaptivemaxpool")


def f_avg_pool2d(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input kernel_size stride padding ceil_mode count_include_pad divisor_override",
             stride=None, padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None)
    x = conv.read(a["input"], ev)
    kind, args = avgpool_spec(a["kernel_size"], a["stride"], a["padding"], a["ceil_mode"],
                              a["count_include_pad"], a["divisor_override"], x, ev)
    return conv.emit(kind, args, [x], ev, out_shape(ev))


def f_max_pool2d(conv: Converter, ev: Event) -> Val:
    from archcalc.bridge.torch_import_ops import window

    a = bind(ev, "input kernel_size stride padding dilation ceil_mode return_indices",
             stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)
    x = conv.read(a["input"], ev)
    spatial(x, ev)
    if window(a["dilation"]) != Pair.of(1) or a["return_indices"]:
        raise refuse(ev, "a dilated max pool, or one returning indices, has no archcalc kind")
    args = {"f": window(a["kernel_size"]), "s": window(a["stride"] or a["kernel_size"]),
            "p": window(a["padding"]), "ceil": bool(a["ceil_mode"])}
    return conv.emit("maxpool", args, [x], ev, out_shape(ev))


def f_dropout(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input p training inplace", p=0.5)
    x = conv.read(a["input"], ev)
    return conv.emit("dropout", {"p": exact(a["p"])}, [x], ev, out_shape(ev))


f_dropout2d = f_feature_dropout = f_dropout


def _one(conv: Converter, ev: Event, kind: str, **args: Any) -> Val:
    return conv.emit(kind, args, [conv.read(ev.args[0], ev)], ev, out_shape(ev))


def f_gelu(conv: Converter, ev: Event) -> Val:
    return _one(conv, ev, "gelu", tanh=bind(ev, "input approximate",
                                            approximate="none")["approximate"] == "tanh")


def f_leaky_relu(conv: Converter, ev: Event) -> Val:
    slope = bind(ev, "input negative_slope", negative_slope=0.01)["negative_slope"]
    return _one(conv, ev, "leakyrelu", alpha=exact(slope))


def f_elu(conv: Converter, ev: Event) -> Val:
    return _one(conv, ev, "elu", alpha=exact(bind(ev, "input alpha", alpha=1.0)["alpha"]))


def f_hardtanh(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input min_val max_val", min_val=-1.0, max_val=1.0)
    if (a["min_val"], a["max_val"]) != (0.0, 6.0):
        raise refuse(ev, f"hardtanh({a['min_val']}, {a['max_val']}): only (0, 6), RELU6")
    return _one(conv, ev, "relu6")


def f_softmax(conv: Converter, ev: Event) -> Val:
    x = conv.read(ev.args[0], ev)
    dim = bind(ev, "input dim", dim=None)["dim"]
    kind, args = softmax_spec(1 if dim is None else dim, x, ev)
    return conv.emit(kind, args, [x], ev, out_shape(ev))


def _counted(*tensors: Any) -> int:
    return sum(math.prod(t.shape) for t in tensors if isinstance(t, Param))


def f_layer_norm(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input normalized_shape weight bias eps", weight=None, bias=None)
    x = conv.read(a["input"], ev)
    kind, args = layernorm_spec(tuple(a["normalized_shape"]), a["weight"] is not None,
                                a["bias"] is not None, x, ev)
    return conv.emit(kind, args, [x], ev, out_shape(ev), params=_counted(a["weight"], a["bias"]))


def f_group_norm(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input num_groups weight bias eps", weight=None, bias=None)
    x = conv.read(a["input"], ev)
    spatial(x, ev)
    return conv.emit("groupnorm", {"g": a["num_groups"], "affine": a["weight"] is not None},
                     [x], ev, out_shape(ev), params=_counted(a["weight"], a["bias"]))


def f_interpolate(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input size scale_factor mode", mode="nearest")
    x = conv.read(a["input"], ev)
    kind, args = upsample_spec(a["mode"], x, out_shape(ev), ev)
    return conv.emit(kind, args, [x], ev, out_shape(ev))


def f_pad(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input pad mode value", mode="constant", value=None)
    x = conv.read(a["input"], ev)
    sides = list(a["pad"]) + [0, 0] * (len(a["pad"]) == 2)
    if a["mode"] != "constant":
        raise refuse(ev, f"{a['mode']} padding: archcalc's ZEROPAD pads with zeros")
    kind, args = pad_spec(sides, float(a["value"] or 0), x, ev)
    return conv.emit(kind, args, [x], ev, out_shape(ev))


def f_channel_shuffle(conv: Converter, ev: Event) -> Val:
    return _one(conv, ev, "channelshuffle", g=int(bind(ev, "input groups")["groups"]))


f_native_channel_shuffle = f_channel_shuffle


def f_conv2d(conv: Converter, ev: Event) -> Val:
    from archcalc.bridge.torch_import_ops import window

    a = bind(ev, "input weight bias stride padding dilation groups", bias=None, stride=1,
             padding=0, dilation=1, groups=1)
    x, w = conv.read(a["input"], ev), a["weight"]
    spatial(x, ev)
    if not isinstance(w, Param):
        raise refuse(ev, "a convolution whose weights are computed has no archcalc kind")
    from archcalc.values import Word

    p = Word(a["padding"]) if isinstance(a["padding"], str) else window(a["padding"])
    args = {"k": w.shape[0], "f": Pair(w.shape[2], w.shape[3]), "s": window(a["stride"]),
            "p": p, "d": window(a["dilation"]), "groups": int(a["groups"]),
            "bias": a["bias"] is not None}
    return conv.emit("conv", args, [x], ev, out_shape(ev), params=_counted(w, a["bias"]))


def f_linear(conv: Converter, ev: Event) -> Val:
    a = bind(ev, "input weight bias", bias=None)
    x, w = conv.read(a["input"], ev), a["weight"]
    if not isinstance(w, Param) or x.layout == "nchw":
        raise refuse(ev, "a linear map on N×C×H×W data, or with computed weights")
    n, bias = w.shape[0], a["bias"] is not None
    kind, args = (("fc", {"n": n, "bias": bias}) if x.layout == "vec"
                  else ("conv", {"k": n, "f": Pair.of(1), "bias": bias}))
    return conv.emit(kind, args, [x], ev, out_shape(ev), params=_counted(w, a["bias"]))
