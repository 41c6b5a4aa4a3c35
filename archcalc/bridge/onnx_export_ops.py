"""Kind → ONNX operators for the dense, element-wise, normalization, channel and merge kinds
(the window kinds: onnx_export_windows.py): each node's lowering, whose last output is named
after the .arch layer. LRN is ONNX's for an odd window and PyTorch's own formula for an even
one (ONNX centres it the other way, and onnxruntime refuses it); a vector beside a volume in a
merge is N×C×1×1 (docs/bridge.md, "Export")."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from archcalc.bridge.export_geometry import refuse
from archcalc.bridge.onnx_export_emit import EPS, Emit, Lower, Shape, biased
from archcalc.bridge.onnx_export_windows import (
    adaptive,
    conv,
    deconv,
    local,
    pool,
    upsample,
    zeropad,
)


def fc(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    source = e.op("Flatten", x, axis=1) if len(xs[0]) == 3 else x[0]
    e.op("Gemm", biased(e, [source, e.weight("weight")]), True)


def lrn(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    """ONNX's LRN for an odd n (onnxruntime takes no other); for an even n, whose window
    ONNX would centre the other way, PyTorch's own form: x / (k + α·n·mean of the squares over
    channels c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋)^β, the mean a 3-D average pool over zero-padded
    channels. α is not divided by n in .arch; ONNX divides it."""
    layer = e.layer
    n, alpha = layer.n, Fraction(layer.alpha) * layer.n
    vector = len(xs[0]) == 1
    source = e.op("Unsqueeze", [x[0], e.ints("axes", [2, 3])]) if vector else x[0]
    if n % 2:
        out = e.op("LRN", [source], not vector, size=n, alpha=float(alpha),
                   beta=float(layer.beta), bias=float(layer.k))
    else:
        squares = e.op("Unsqueeze", [e.op("Mul", [source, source]), e.ints("depth", [1])])
        mean = e.op("AveragePool", [squares], kernel_shape=[n, 1, 1], count_include_pad=1,
                    pads=[n // 2, 0, 0, (n - 1) // 2, 0, 0])
        scale = e.op("Add", [e.const("k", float(layer.k)), e.op("Mul", [
            e.const("alpha", float(alpha)), e.op("Squeeze", [mean, e.ints("depth", [1])])])])
        power = e.op("Pow", [scale, e.const("beta", float(layer.beta))])
        out = e.op("Div", [source, power], not vector)
    if vector:
        e.op("Flatten", [out], True, axis=1)


def channelwise(e: Emit, key: str, xs: list[Shape]) -> str:
    """A per-channel initializer shaped to broadcast over NCHW (C, 1, 1), or over N×C."""
    name = e.weight(key)
    if len(xs[0]) == 3:
        e.inits[name] = e.inits[name].reshape(-1, 1, 1)
    return name


def prelu(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    e.op("PRelu", [x[0], channelwise(e, "weight", xs)], True)


def scale(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    e.op("Mul", [x[0], channelwise(e, "weight", xs)], True)


def bn(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    e.op("BatchNormalization", [x[0]] + [e.weight(k) for k in ("weight", "bias", "running_mean",
                                                                "running_var")], True,
         epsilon=EPS)


def _affine(e: Emit, c: int) -> list[str]:
    if "weight" in e.weights:
        return [e.weight("weight"), e.weight("bias")]
    return [e.const("ones", np.ones(c)), e.const("zeros", np.zeros(c))]


def layernorm(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    c = xs[0][-1]
    if len(xs[0]) == 1:
        e.op("LayerNormalization", [x[0], *_affine(e, c)], True, axis=-1, epsilon=EPS)
        return
    last = e.op("Transpose", x, perm=[0, 2, 3, 1])
    normed = e.op("LayerNormalization", [last, *_affine(e, c)], axis=-1, epsilon=EPS)
    e.op("Transpose", [normed], True, perm=[0, 3, 1, 2])


def groupnorm(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    e.op("GroupNormalization", [x[0], *_affine(e, xs[0][-1])], True,
         num_groups=e.layer.g, epsilon=EPS)


def maxout(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    k, spatial = e.layer.k, list(xs[0][:-1])
    shape = [0, xs[0][-1] // k, k, *spatial]
    grouped = e.op("Reshape", [x[0], e.ints("groups", shape)])
    e.op("ReduceMax", [grouped, e.ints("axes", [2])], True, keepdims=0)


def chunk(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    size = xs[0][-1] // e.layer.n
    first = (e.layer.i - 1) * size
    e.op("Slice", [x[0], e.ints("start", [first]), e.ints("end", [first + size]),
                   e.ints("axes", [1])], True)


def shuffle(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    g, c, spatial = e.layer.g, xs[0][-1], list(xs[0][:-1])
    grouped = e.op("Reshape", [x[0], e.ints("groups", [0, g, c // g, *spatial])])
    swapped = e.op("Transpose", [grouped], perm=[0, 2, 1, *range(3, 3 + len(spatial))])
    e.op("Reshape", [swapped, e.ints("shape", [0, c, *spatial])], True)


def merge(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    """ADD as Sum, MUL as a chain of Mul, CONCAT along channels; a vector beside a volume is
    N×C×1×1 (.arch's 1×1×N)."""
    kind = e.layer.kind
    if kind == "concat":
        e.op("Concat", x, True, axis=1)
        return
    names = [e.op("Unsqueeze", [n, e.ints("axes", [2, 3])]) if len(s) == 1 and len(y) == 3
             else n for n, s in zip(x, xs, strict=True)]
    if kind == "add":
        e.op("Sum", names, True)
        return
    out = names[0]
    for i, name in enumerate(names[1:], 2):
        out = e.op("Mul", [out, name], i == len(names))


def silu(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    e.op("Mul", [x[0], e.op("Sigmoid", x)], True)


def plain(op_type: str, **attrs: Any) -> Lower:
    """One operator with fixed attributes."""
    def lowered(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
        e.op(op_type, x, True, **attrs)

    return lowered


def _alpha(op_type: str) -> Lower:
    def lowered(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
        e.op(op_type, x, True, alpha=float(e.layer.alpha))

    return lowered


def _relu6(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    e.op("Clip", [x[0], e.const("min", 0.0), e.const("max", 6.0)], True)


def _gelu(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    e.op("Gelu", x, True, approximate="tanh" if e.layer.tanh else "none")


def _dropout(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    """ONNX's Dropout, its ratio kept: the identity at inference."""
    e.op("Dropout", [x[0], e.const("ratio", float(e.layer.rate))], True)


LOWER: dict[str, Lower] = {
    "conv": conv, "local": local, "deconv": deconv, "maxpool": pool, "avgpool": pool,
    "gap": plain("GlobalAveragePool"), "adaptiveavgpool": adaptive, "adaptivemaxpool": adaptive,
    "upsample": upsample, "zeropad": zeropad, "fc": fc, "flatten": plain("Flatten", axis=1),
    "identity": plain("Identity"), "relu": plain("Relu"), "relu6": _relu6,
    "leakyrelu": _alpha("LeakyRelu"), "prelu": prelu, "elu": _alpha("Elu"),
    "sigmoid": plain("Sigmoid"), "tanh": plain("Tanh"), "silu": silu,
    "hardswish": plain("HardSwish"), "hardsigmoid": plain("HardSigmoid", alpha=1 / 6, beta=0.5),
    "gelu": _gelu, "softmax": plain("Softmax", axis=1), "maxout": maxout, "bn": bn, "lrn": lrn,
    "dropout": _dropout,
    "layernorm": layernorm, "groupnorm": groupnorm, "scale": scale,
    "droppath": plain("Identity"), "chunk": chunk, "channelshuffle": shuffle,
    "add": merge, "mul": merge, "concat": merge,
}


def lower(e: Emit, x: list[str], xs: list[Shape], y: Shape) -> None:
    """The operators of one node; an unmapped kind is a located error."""
    kind = e.layer.kind
    if kind not in LOWER:
        raise refuse(e.node, f"ONNX has no operator for {kind.upper()}",
                     "the exporter maps every kind; this one is new")
    LOWER[kind](e, x, xs, y)

