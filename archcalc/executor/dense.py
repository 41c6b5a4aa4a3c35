"""FC, FLATTEN and IDENTITY kernels.

FC weights: w (D_in, D_out), b (D_out,). A volume input (N, H, W, C) is flattened implicitly
in (H, W, C) order (NumPy C order of the trailing axes, as Keras's Flatten on NHWC data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import init
from .base import Array, Grads, Weights, check_keys
from .gemm import MacCounter, gemm
from .init import Draw
from .registry import Kernel, register


@dataclass(frozen=True)
class FcCache:
    x: Array
    w: Array
    has_bias: bool


def fc_forward(x: Array, weights: Weights, *, counter: MacCounter) -> tuple[Array, FcCache]:
    """out = x.reshape(N, D_in) @ w + b: (N, ...) -> (N, D_out), N·D_in·D_out multiply-adds."""
    check_keys(weights, ["w"], ["b"])
    w = weights["w"]
    out = gemm(x.reshape(x.shape[0], -1), w, counter, "fc.forward")
    if "b" in weights:
        out += weights["b"]
    return out, FcCache(x, w, "b" in weights)


def fc_backward(
    dout: Array, cache: FcCache, counter: MacCounter, dw: bool = True
) -> tuple[Array, Grads]:
    """dx = dout·wᵀ; dw = xᵀ·dout (an outer product at batch 1); db = Σ_n dout."""
    x2 = cache.x.reshape(cache.x.shape[0], -1)
    dx = gemm(dout, cache.w.T, counter, "fc.dx").reshape(cache.x.shape)
    grads: Grads = {}
    if dw:
        grads["w"] = gemm(x2.T, dout, counter, "fc.dw")
        if cache.has_bias:
            grads["b"] = dout.sum(axis=0)
    return dx, grads


@dataclass(frozen=True)
class ShapeCache:
    x_shape: tuple[int, ...]


def flatten_forward(x: Array) -> tuple[Array, ShapeCache]:
    """(N, H, W, C) -> (N, H·W·C) in (H, W, C) order; a view."""
    return x.reshape(x.shape[0], -1), ShapeCache(x.shape)


def flatten_backward(dout: Array, cache: ShapeCache) -> Array:
    """Reshape the gradient back to the input's shape."""
    return dout.reshape(cache.x_shape)


def identity_forward(x: Array) -> tuple[Array, None]:
    """out = x (the same array)."""
    return x, None


def identity_backward(dout: Array, cache: None) -> Array:
    """dx = dout (the same array)."""
    return dout


# ---- registration ------------------------------------------------------------------------


def _fc_weights(layer: Any, x: tuple[int, ...], draw: Draw) -> dict[str, Array]:
    return init.fc_weights(math.prod(x), 1 if draw.thin else layer.n, draw, bias=layer.bias)


register(Kernel("fc", fc_forward, fc_backward, weights=_fc_weights, collapses=True, arrays=2))
register(Kernel("flatten", flatten_forward, flatten_backward, collapses=True))
register(Kernel("identity", identity_forward, identity_backward, pointwise=True))
