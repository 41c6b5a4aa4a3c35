"""KERNELS: for every layer kind (the keys of archcalc.layers.REGISTRY), the adapter from the
layer's fields to its kernel pair, how to create its weights, and what the runner must know.

Adapters read a layer's fields (hyperparameters) and resolve them for the actual input with
`geometry`; they never call the layer's rule methods (design.md §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import activation, conv, dense, init, merge, norm, pool
from .base import Array, Grads, Weights, spatial
from .gemm import MacCounter
from .geometry import pair, windowed
from .init import Init

Shape = tuple[int, ...]
BN_MOMENTUM = 0.1  # running statistics, as PyTorch's BatchNorm2d


@dataclass
class Call:
    """What one kernel call needs besides inputs and weights."""

    counter: MacCounter
    rng: np.random.Generator  # DROPOUT's mask
    out: Array | None = None  # write the result here (an in-place run), for `inplace` kinds
    buffers: dict[str, Array] = field(default_factory=dict)  # BN's running statistics
    thin: bool = False  # the RF probe's network: one channel, groups ignored
    pad_value: float = 0.0  # what padding reads (the RF probe: NaN)


@dataclass(frozen=True)
class Draw:
    """How to draw weights: He/Xavier/normal; `thin` makes one-output-channel probe weights."""

    rng: np.random.Generator
    init: Init = Init.HE
    std: float = 0.01
    thin: bool = False
    dtype: str = "float64"


Forward = Callable[[list[Array], Weights, Any, Call], tuple[Array, Any]]
Backward = Callable[[Array, Any, MacCounter, bool], tuple[list[Array], Grads]]  # bool: dW
MakeWeights = Callable[[Any, Shape, Draw], dict[str, Array]]


def _no_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    return {}


@dataclass(frozen=True)
class Kernel:
    forward: Forward
    backward: Backward
    weights: MakeWeights = _no_weights
    buffers: Callable[[Any, Shape], dict[str, Array]] | None = None
    inplace: bool = False  # can write its result into its input's storage (`Call.out`)
    pointwise: bool = False  # each output position depends on that input position alone
    collapses: bool = False  # every output unit sees the whole input (FC, GAP, FLATTEN)
    probe: str = ""  # the kind that stands in for this one in the RF probe ("" = itself)
    thin: str = ""  # … in the thin probe, where every tensor has one channel
    workspace: float = 0.0  # cache arrays kept per output element (memory estimate)


def _single(backward: Callable[..., tuple[Array, Grads]], learns: bool = False) -> Backward:
    """A one-input backward as a list of input gradients; `learns`: it takes dw=."""
    def wrapped(dout: Array, cache: Any, counter: MacCounter, dw: bool) -> tuple[list[Array],
                                                                              Grads]:
        dx, grads = backward(dout, cache, counter, dw=dw) if learns else \
            backward(dout, cache, counter)
        return [dx], grads

    return wrapped


def _merged(backward: Callable[[Array, Any, MacCounter], tuple[list[Array], Grads]]
            ) -> Backward:
    return lambda dout, cache, counter, dw: backward(dout, cache, counter)


# ---- convolution-like ----------------------------------------------------------------------


def _conv(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    g = windowed(layer, spatial(xs[0].shape))
    return conv.conv_forward(xs[0], w, counter=call.counter, stride=g.stride,
                             padding=g.padding, dilation=g.dilation,
                             groups=1 if call.thin else layer.groups, pad_value=call.pad_value)


def _conv_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    k, groups = (1, 1) if draw.thin else (layer.k, layer.groups)
    return init.conv_weights(pair(layer.f), x[-1], k, draw.rng, groups=groups, bias=layer.bias,
                             init=draw.init, std=draw.std, dtype=draw.dtype)


def _local(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    g = windowed(layer, spatial(xs[0].shape))
    return conv.local_forward(xs[0], w, counter=call.counter, stride=g.stride,
                              padding=g.padding, pad_value=call.pad_value)


def _local_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    g = windowed(layer, (x[0], x[1]))
    (top, bottom), (left, right) = g.padding
    out_hw = ((x[0] + top + bottom - g.kernel[0]) // g.stride[0] + 1,
              (x[1] + left + right - g.kernel[1]) // g.stride[1] + 1)
    return init.local_weights(out_hw, g.kernel, x[-1], 1 if draw.thin else layer.k, draw.rng,
                              bias=layer.bias, init=draw.init, std=draw.std, dtype=draw.dtype)


def _deconv(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    return conv.deconv_forward(xs[0], w, counter=call.counter, stride=pair(layer.s),
                               padding=pair(layer.p), output_padding=pair(layer.out_p),
                               dilation=pair(layer.d))


def _deconv_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    return init.deconv_weights(pair(layer.f), x[-1], 1 if draw.thin else layer.k, draw.rng,
                               bias=layer.bias, init=draw.init, std=draw.std, dtype=draw.dtype)


def _fc(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    return dense.fc_forward(xs[0], w, counter=call.counter)


def _fc_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    fan_in = int(np.prod(x))
    return init.fc_weights(fan_in, 1 if draw.thin else layer.n, draw.rng, bias=layer.bias,
                           init=draw.init, std=draw.std, dtype=draw.dtype)


# ---- pooling and resampling ---------------------------------------------------------------


def _pool(forward: Callable[..., tuple[Array, Any]], fill: bool = False) -> Forward:
    def run(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
        g = windowed(layer, spatial(xs[0].shape))
        extra = {"pad_value": call.pad_value} if fill else {}
        return forward(xs[0], w, counter=call.counter, kernel=g.kernel, stride=g.stride,
                       padding=g.padding, overhang=g.overhang, **extra)

    return run


def _gap(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    out, cache = pool.gap_forward(xs[0], w, counter=call.counter)
    return out.reshape(out.shape[0], 1, 1, out.shape[1]), cache  # 1×1×C, as design.md


def _gap_backward(dout: Array, cache: Any, counter: MacCounter, dw: bool
                  ) -> tuple[list[Array], Grads]:
    dx, grads = pool.gap_backward(dout.reshape(dout.shape[0], -1), cache, counter)
    return [dx], grads


def _upsample(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    return merge.upsample_forward(xs[0], w, counter=call.counter, factor=pair(layer.s))


# ---- element-wise, normalization, shape -----------------------------------------------------


def _plain(forward: Callable[..., tuple[Array, Any]],
           options: Callable[[Any], dict[str, Any]] = lambda layer: {},
           inplace: bool = False) -> Forward:
    def run(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
        extra = {"out": call.out} if inplace else {}
        return forward(xs[0], w, counter=call.counter, **options(layer), **extra)

    return run


def _dropout(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    return norm.dropout_forward(xs[0], w, counter=call.counter, rng=call.rng,
                                p=float(layer.rate), out=call.out)


def _bn(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
    out, cache = norm.bn_forward(xs[0], w, counter=call.counter)
    if call.buffers:  # the running statistics a training step updates (PyTorch: unbiased var)
        axes = tuple(range(xs[0].ndim - 1))
        m = xs[0].size // xs[0].shape[-1]
        mean = xs[0].mean(axis=axes)
        var = cache.var * (m / (m - 1) if m > 1 else 1.0)
        call.buffers["running_mean"] *= 1 - BN_MOMENTUM
        call.buffers["running_mean"] += BN_MOMENTUM * mean
        call.buffers["running_var"] *= 1 - BN_MOMENTUM
        call.buffers["running_var"] += BN_MOMENTUM * var
    return out, cache


def _channel_weights(make: Callable[[int], dict[str, Array]]) -> MakeWeights:
    return lambda layer, x, draw: make(x[-1])


def _bn_buffers(layer: Any, x: Shape) -> dict[str, Array]:
    return {"running_mean": np.zeros(x[-1]), "running_var": np.ones(x[-1])}


def _merge(forward: Callable[..., tuple[Array, Any]]) -> Forward:
    def run(xs: list[Array], w: Weights, layer: Any, call: Call) -> tuple[Array, Any]:
        return forward(xs, w, counter=call.counter)

    return run


def _lrn_options(layer: Any) -> dict[str, Any]:
    return {"n": layer.n, "k": float(layer.k), "alpha": float(layer.alpha),
            "beta": float(layer.beta)}


def _activation(name: str, workspace: float = 0.0, weights: MakeWeights = _no_weights,
                options: Callable[[Any], dict[str, Any]] = lambda layer: {},
                probe: str = "") -> Kernel:
    return Kernel(_plain(getattr(activation, f"{name}_forward"), options, inplace=True),
                  _single(getattr(activation, f"{name}_backward")), weights, inplace=True,
                  pointwise=True, probe=probe, workspace=workspace)


KERNELS: dict[str, Kernel] = {
    "conv": Kernel(_conv, _single(conv.conv_backward, True), _conv_weights),
    "local": Kernel(_local, _single(conv.local_backward, True), _local_weights),
    "deconv": Kernel(_deconv, _single(conv.deconv_backward, True), _deconv_weights),
    "fc": Kernel(_fc, _single(dense.fc_backward, True), _fc_weights, collapses=True),
    "maxpool": Kernel(_pool(pool.maxpool_forward), _single(pool.maxpool_backward),
                      probe="avgpool", workspace=0.5),
    "avgpool": Kernel(_pool(pool.avgpool_forward, fill=True), _single(pool.avgpool_backward)),
    "gap": Kernel(_gap, _gap_backward, collapses=True),
    "upsample": Kernel(_upsample, _single(merge.upsample_backward)),
    "relu": _activation("relu", workspace=0.25),  # a bool mask
    "leakyrelu": _activation("leakyrelu", workspace=1,
                             options=lambda layer: {"alpha": float(layer.alpha)}),
    "prelu": _activation("prelu", workspace=1,
                         weights=_channel_weights(init.prelu_weights)),
    "elu": _activation("elu", workspace=1, options=lambda layer: {"alpha": float(layer.alpha)}),
    "sigmoid": _activation("sigmoid"),
    "tanh": _activation("tanh"),
    # Σ over channels of a softmax is 1: its probe gradient would vanish, so it stands aside.
    "softmax": _activation("softmax", probe="identity"),
    "maxout": Kernel(_plain(activation.maxout_forward, lambda layer: {"k": layer.k}),
                     _single(activation.maxout_backward), pointwise=True, probe="identity",
                     workspace=2),
    "bn": Kernel(_bn, _single(norm.bn_backward), _channel_weights(init.bn_weights),
                 _bn_buffers, pointwise=True, probe="identity", workspace=2),
    "lrn": Kernel(_plain(norm.lrn_forward, _lrn_options), _single(norm.lrn_backward),
                  pointwise=True, probe="identity", workspace=1),
    "dropout": Kernel(_dropout, _single(norm.dropout_backward), inplace=True, pointwise=True,
                      probe="identity", workspace=1),
    "flatten": Kernel(_plain(dense.flatten_forward), _single(dense.flatten_backward),
                      collapses=True),
    "identity": Kernel(_plain(dense.identity_forward), _single(dense.identity_backward),
                       pointwise=True),
    "add": Kernel(_merge(merge.add_forward), _merged(merge.add_backward)),
    # one channel per path in the thin probe: their sum has the union of their supports
    "concat": Kernel(_merge(merge.concat_forward), _merged(merge.concat_backward), thin="add"),
}
