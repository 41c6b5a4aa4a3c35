"""Kind → ONNX operators for the window and resampling kinds: CONV, LOCAL, DECONV, the pools,
UPSAMPLE and ZEROPAD. Where ONNX's rule differs from .arch's the lowering is exact anyway: a
ceil-mode pool's overhang is explicit padding (MaxPool) or padding left out of the divisor
after explicit zero padding (AveragePool); adaptive pools whose windows differ in size are
separable slices (docs/bridge.md, "Export")."""

from __future__ import annotations

from typing import Any

import numpy as np

from archcalc.bridge.export_geometry import window
from archcalc.bridge.onnx_export_emit import Emit, Shape, biased, pads_of


def conv(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    layer = e.layer
    w = window(layer, (xs[0][0], xs[0][1]))
    e.op("Conv", biased(e, [x[0], e.weight("weight")]), True, kernel_shape=list(w.kernel),
         strides=list(w.stride), dilations=list(w.dilation), pads=pads_of(w),
         group=layer.groups)


def local(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    """Patches by a grouped conv with one-hot filters (channel c·Fh·Fw + i·Fw + j is tap
    (i, j) of channel c, F.unfold's order), then one product per output position."""
    layer, (h, wd, c) = e.layer, xs[0]
    w = window(layer, (h, wd))
    fh, fw = w.kernel
    taps = np.zeros((c * fh * fw, 1, fh, fw), np.float32)
    for ch in range(c):
        for i in range(fh):
            for j in range(fw):
                taps[ch * fh * fw + i * fw + j, 0, i, j] = 1.0
    patches = e.op("Conv", [x[0], e.const("taps", taps)], kernel_shape=[fh, fw],
                   strides=list(w.stride), pads=pads_of(w), group=c)
    cols = e.op("Reshape", [patches, e.ints("cols", [0, c * fh * fw, y[0] * y[1]])])
    out = e.op("Einsum", [cols, e.weight("weight")], equation="nfl,lfk->nkl")
    shaped = e.op("Reshape", [out, e.ints("shape", [0, y[2], y[0], y[1]])],
                  last="bias" not in e.weights)
    if "bias" in e.weights:
        e.op("Add", [shaped, e.weight("bias")], True)


def deconv(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    layer = e.layer
    p, out_p = (int(layer.p.h), int(layer.p.w)), (int(layer.out_p.h), int(layer.out_p.w))
    e.op("ConvTranspose", biased(e, [x[0], e.weight("weight")]), True,
         kernel_shape=[int(layer.f.h), int(layer.f.w)], strides=[int(layer.s.h), int(layer.s.w)],
         dilations=[int(layer.d.h), int(layer.d.w)], pads=[p[0], p[1], p[0], p[1]],
         output_padding=list(out_p))


def pool(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    """Floor mode always: MaxPool reads the overhang as padding (never the max); AveragePool
    counts padding, so with an overhang the padding is explicit zeros and the overhang is
    padding left out of the divisor."""
    w = window(e.layer, (xs[0][0], xs[0][1]))
    attrs = {"kernel_shape": list(w.kernel), "strides": list(w.stride)}
    if e.layer.kind == "maxpool":
        e.op("MaxPool", x, True, pads=pads_of(w, overhang=True), **attrs)
    elif w.overhang == (0, 0):
        e.op("AveragePool", x, True, pads=pads_of(w), count_include_pad=1, **attrs)
    else:
        (top, bottom), (left, right) = w.pads
        padded = e.op("Pad", [x[0], e.ints("pads", [0, 0, top, left, 0, 0, bottom, right])])
        e.op("AveragePool", [padded], True, pads=[0, 0, *w.overhang], count_include_pad=0,
             **attrs)


def adaptive(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    """Global pools, plain pools where h divides H and w divides W, else PyTorch's windows
    (⌊i·H/h⌋ … ⌈(i + 1)·H/h⌉ − 1) as slices, rows then columns (both pools are separable)."""
    average = e.layer.kind == "adaptiveavgpool"
    (h, wd, _), (oh, ow) = xs[0], y[:2]
    if (oh, ow) == (1, 1):
        e.op("GlobalAveragePool" if average else "GlobalMaxPool", x, True)
    elif h % oh == 0 and wd % ow == 0:
        e.op("AveragePool" if average else "MaxPool", x, True,
             kernel_shape=[h // oh, wd // ow], strides=[h // oh, wd // ow])
    else:
        reduce = "ReduceMean" if average else "ReduceMax"
        rows = _windows(e, x[0], 2, h, oh, reduce, False)
        _windows(e, rows, 3, wd, ow, reduce, True)


def _windows(e: Emit, x: str, axis: int, size: int, count: int, reduce: str, last: bool
             ) -> str:
    parts = []
    for i in range(count):
        start, end = i * size // count, -(-(i + 1) * size // count)
        piece = e.op("Slice", [x, e.ints(f"start{axis}_{i}", [start]),
                               e.ints(f"end{axis}_{i}", [end]), e.ints(f"axis{axis}", [axis])])
        parts.append(e.op(reduce, [piece, e.ints(f"reduce{axis}", [axis])], keepdims=1))
    return e.op("Concat", parts, last, axis=axis)


def upsample(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    s = e.layer.s
    e.op("Resize", [x[0], "", e.const("scales", [1, 1, int(s.h), int(s.w)])], True,
         mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")


def zeropad(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    layer = e.layer
    top, bottom = _side(layer.top, layer.p.h), _side(layer.bottom, layer.p.h)
    left, right = _side(layer.left, layer.p.w), _side(layer.right, layer.p.w)
    e.op("Pad", [x[0], e.ints("pads", [0, 0, top, left, 0, 0, bottom, right])], True)


def _side(value: int | None, default: Any) -> int:
    return int(default) if value is None else value
