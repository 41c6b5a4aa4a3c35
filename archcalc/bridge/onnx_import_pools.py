"""ONNX's windowed operators as archcalc kinds: Conv, ConvTranspose, the pools, and the LOCAL
pattern. ONNX gives padding per side ([top, left, bottom, right]); archcalc's is per axis, or
`same` (TF's split, the odd pixel at the end, which is ONNX's SAME_UPPER). Unequal sides are
`same` when they are what `same` gives for the input size; a max pool's extra end padding is
ceil mode when it gives ceil mode's output (PyTorch's export writes a ceil-mode pool so);
otherwise a convolution's padding goes first as ZEROPAD."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archcalc.bridge import torch_import_shapes as shapes
from archcalc.bridge.onnx_import import Node, shape_of
from archcalc.bridge.torch_import_modules import refuse, spatial
from archcalc.bridge.torch_import_values import Val
from archcalc.values import Pair, Word

if TYPE_CHECKING:
    from archcalc.bridge.onnx_import_ops import OnnxConverter


def same_sides(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TF/Keras `same`: the total padding for ⌈size/s⌉ outputs, the odd pixel at the end."""
    total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def _window(n: Node, x: Val) -> tuple[Pair[int], Pair[int], Pair[int], list[int]]:
    kernel = n.attrs.get("kernel_shape") or []
    if len(kernel) != 2:
        raise refuse_node(n, "a window that is not 2-D (kernel_shape)")
    strides = n.attrs.get("strides", [1, 1])
    dilations = n.attrs.get("dilations", [1, 1])
    pads = [int(p) for p in n.attrs.get("pads", [0, 0, 0, 0])]
    auto = n.attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        sides = [same_sides(x.shape[2 + a], kernel[a], strides[a], dilations[a]) for a in (0, 1)]
        if auto == "SAME_LOWER":
            sides = [(b, a) for a, b in sides]
        pads = [sides[0][0], sides[1][0], sides[0][1], sides[1][1]]
    elif auto == "VALID":
        pads = [0, 0, 0, 0]
    return (Pair(int(kernel[0]), int(kernel[1])), Pair(int(strides[0]), int(strides[1])),
            Pair(int(dilations[0]), int(dilations[1])), pads)


def refuse_node(n: Node, message: str) -> Exception:
    from archcalc.bridge.ir import node_error

    return node_error(n.name, f"ONNX {n.op}", message, "archcalc's windows are H×W")


def padding(x: Val, f: Pair[int], s: Pair[int], d: Pair[int], pads: list[int]
            ) -> Pair[int] | Word | None:
    """archcalc's padding for ONNX's sides, or None when it has none."""
    top, left, bottom, right = pads
    if (top, left) == (bottom, right):
        return Pair(top, left)
    same = [same_sides(x.shape[2], f.h, s.h, d.h), same_sides(x.shape[3], f.w, s.w, d.w)]
    if [(top, bottom), (left, right)] == same:
        return Word("same")
    return None


def conv(c: OnnxConverter, n: Node) -> Val:
    ev = c.node_event(n)
    x, w = c.read(c.x(n), ev), c.const(n, 1)
    spatial(x, ev)
    if w is None:
        raise refuse(ev, "a convolution whose weights are computed has no archcalc kind")
    f, s, d, pads = _window(n, x)
    p = padding(x, f, s, d, pads)
    if p is None:  # unequal sides: the padding first, as its own layer
        top, left, bottom, right = pads
        x = c.emit("zeropad", {"top": top, "bottom": bottom, "left": left, "right": right}, [x],
                   ev, x.shape, known=False)
        p = Pair(0, 0)
    args = {"k": int(w.shape[0]), "f": f, "s": s, "p": p, "d": d,
            "groups": int(n.attrs.get("group", 1)), "bias": c.const(n, 2) is not None}
    return c.emit("conv", args, [x], ev, shape_of(c.g, n.outputs[0], n), c.size(n, 1, 2))


def local(c: OnnxConverter, n: Node) -> Val:
    """archcalc's export's LOCAL: patches by a one-hot Conv, one product per position."""
    ev = c.node_event(n)
    x, w = c.read(c.x(n), ev), c.const(n, 1)
    f, s, d, pads = _window(n, x)
    p = padding(x, f, s, d, pads)
    if p is None:
        raise refuse(ev, f"LOCAL with padding {pads}: archcalc's pads each axis evenly")
    args = {"k": int(w.shape[2]), "f": f, "s": s, "p": p, "bias": c.const(n, 2) is not None}
    return c.emit("local", args, [x], ev, shape_of(c.g, n.outputs[0], n), c.size(n, 1, 2))


def deconv(c: OnnxConverter, n: Node) -> Val:
    ev = c.node_event(n)
    x, w = c.read(c.x(n), ev), c.const(n, 1)
    spatial(x, ev)
    f, s, d, pads = _window(n, x)
    top, left, bottom, right = pads
    if w is None or n.attrs.get("group", 1) != 1 or (top, left) != (bottom, right):
        raise refuse(ev, "a ConvTranspose with groups, uneven padding or computed weights")
    out_p = n.attrs.get("output_padding", [0, 0])
    args = {"k": int(w.shape[1]), "f": f, "s": s, "p": Pair(top, left),
            "out_p": Pair(int(out_p[0]), int(out_p[1])), "d": d,
            "bias": c.const(n, 2) is not None}
    return c.emit("deconv", args, [x], ev, shape_of(c.g, n.outputs[0], n), c.size(n, 1, 2))


def _ceil_size(size: int, k: int, s: int, p: int) -> int:
    """PyTorch's ceil-mode output: a last window starting beyond the input and its leading
    padding is dropped."""
    out = -(-(size + 2 * p - k) // s) + 1
    return out - 1 if (out - 1) * s >= size + p else out


def maxpool(c: OnnxConverter, n: Node) -> Val:
    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    spatial(x, ev)
    f, s, d, pads = _window(n, x)
    if d != Pair.of(1):
        raise refuse(ev, "a dilated max pool has no archcalc kind")
    ceil = bool(n.attrs.get("ceil_mode", 0))
    p = padding(x, f, s, d, pads)
    top, left, bottom, right = pads
    if p is None and not ceil and bottom >= top and right >= left and all(
            (size + a + b - k) // st + 1 == _ceil_size(size, k, st, a) for size, k, st, a, b in
            ((x.shape[2], f.h, s.h, top, bottom), (x.shape[3], f.w, s.w, left, right))):
        p, ceil = Pair(top, left), True  # the end padding is a ceil-mode overhang
    if p is None:
        raise refuse(ev, f"a max pool with padding {pads}: archcalc's pads each axis evenly")
    return c.emit("maxpool", {"f": f, "s": s, "p": p, "ceil": ceil}, [x], ev,
                  shape_of(c.g, n.outputs[0], n))


def avgpool(c: OnnxConverter, n: Node) -> Val:
    """AveragePool: archcalc's counts padding in the divisor (count_include_pad=1), not a ceil
    overhang (AveragePoolCeil: the pattern archcalc's export writes for it)."""
    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    spatial(x, ev)
    f, s, d, pads = _window(n, x)
    p = padding(x, f, s, d, pads)
    counted = n.attrs.get("count_include_pad", 0) or not any(pads) or n.op == "AveragePoolCeil"
    if p is None or not counted:
        raise refuse(ev, f"an average pool with padding {pads} left out of the divisor: "
                         "archcalc's AVGPOOL counts it (count_include_pad=1)")
    ceil = bool(n.attrs.get("ceil_mode", 0))
    return c.emit("avgpool", {"f": f, "s": s, "p": p, "ceil": ceil}, [x], ev,
                  shape_of(c.g, n.outputs[0], n))


def global_pool(kind: str) -> Callable[[OnnxConverter, Node], Val]:
    def handler(c: OnnxConverter, n: Node) -> Val:
        args: dict[str, Any] = {"size": Pair.of(1)} if kind == "adaptivemaxpool" else {}
        return c.one(n, kind, **args)
    return handler


def reduce_mean(c: OnnxConverter, n: Node) -> Val:
    axes = c.const(n, 1)
    axes = [int(a) for a in (axes if axes is not None else n.attrs.get("axes", []))]
    return shapes.f_mean(c, c.node_event(n, c.x(n), tuple(axes), bool(n.attrs.get("keepdims", 1))))
