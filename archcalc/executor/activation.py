"""Activation kernels (RELU … SOFTMAX, MAXOUT, the clipped RELU6 and HARDSIGMOID) and the
softmax cross-entropy loss; the gated kinds (SILU, GELU, HARDSWISH) are in gated.py.

PRELU's weights: alpha (C,), one slope per channel (the last axis), as PyTorch's
num_parameters=C. Channel-wise kinds (MAXOUT, SOFTMAX) act on the last axis, so on a volume
they work per position over channels.

The element-wise kinds take `out=`, as NumPy's ufuncs do: the result is written into `out`,
which may be `x` itself (the in-place activations of the CS231n memory tables). Their caches
never keep `x` in that case, only what the backward pass needs (a mask, a copy, the output).
Weightless kernels take neither weights nor a counter, and their backward returns dx alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Array, Grads, MaskCache, Weights, check_keys, masked_backward
from .init import Draw
from .registry import Kernel, register


def relu_forward(
    x: Array, *, out: Array | None = None
) -> tuple[Array, MaskCache]:
    """out = max(0, x); the cache keeps only the mask (the in-place RELU of the memory tables)."""
    mask = x > 0
    return np.multiply(x, mask, out=out), MaskCache(mask)


def relu6_forward(
    x: Array, *, out: Array | None = None
) -> tuple[Array, MaskCache]:
    """out = min(max(0, x), 6) (PyTorch relu6 = hardtanh(x, 0, 6)); the cache keeps the
    mask 0 < x < 6, where hardtanh's backward passes the gradient."""
    mask = (x > 0) & (x < 6)
    return np.clip(x, 0, 6, out=out), MaskCache(mask)


def hardsigmoid_forward(
    x: Array, *, out: Array | None = None
) -> tuple[Array, MaskCache]:
    """out = relu6(x + 3)/6 (PyTorch hardsigmoid): 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2
    between; the cache keeps the mask −3 < x < 3."""
    mask = (x > -3) & (x < 3)
    return _into(np.clip(x + 3, 0, 6) / 6, out), MaskCache(mask)


def hardsigmoid_backward(dout: Array, cache: MaskCache) -> Array:
    """dx = dout/6 · [−3 < x < 3] (PyTorch's hardsigmoid_backward)."""
    dx: Array = dout * cache.mask / 6
    return dx


def leakyrelu_forward(
    x: Array, *, alpha: float = 0.01, out: Array | None = None
) -> tuple[Array, MaskCache]:
    """out = x if x > 0 else alpha·x (PyTorch's default negative_slope 0.01)."""
    mask = np.where(x > 0, 1.0, alpha).astype(x.dtype)
    return np.multiply(x, mask, out=out), MaskCache(mask)


@dataclass(frozen=True)
class PreluCache:
    x: Array
    alpha: Array


def prelu_forward(
    x: Array, weights: Weights, *, out: Array | None = None
) -> tuple[Array, PreluCache]:
    """out[..., c] = x if x > 0 else alpha[c]·x; in place, the cache keeps a copy of x."""
    check_keys(weights, ["alpha"])
    alpha = weights["alpha"]
    # A private copy even when not in place: holding x itself would block a later in-place
    # layer on it (`ADD(PRELU | RELU)`), which the memory convention allows.
    cache = PreluCache(x.copy(), alpha)
    scale = np.where(x > 0, np.ones_like(alpha), alpha)
    return np.multiply(x, scale, out=out), cache


def prelu_backward(dout: Array, cache: PreluCache) -> tuple[Array, Grads]:
    """dx = dout·(1 or alpha[c]); dalpha[c] = Σ dout·x over the non-positive x of channel c."""
    x, positive = cache.x, cache.x > 0
    dx = np.where(positive, dout, cache.alpha * dout)
    dalpha = np.where(positive, 0.0, dout * x).reshape(-1, x.shape[-1]).sum(axis=0)
    return dx, {"alpha": dalpha}


@dataclass(frozen=True)
class EluCache:
    positive: Array  # x > 0
    out: Array
    alpha: float


def elu_forward(
    x: Array, *, alpha: float = 1.0, out: Array | None = None
) -> tuple[Array, EluCache]:
    """out = x if x > 0 else alpha·(exp(x) − 1)."""
    positive = x > 0
    result = _into(np.where(positive, x, alpha * np.expm1(np.minimum(x, 0))), out)
    return result, EluCache(positive, result, alpha)


def elu_backward(dout: Array, cache: EluCache) -> Array:
    """dx = dout if x > 0 else dout·(out + alpha)."""
    return np.where(cache.positive, dout, dout * (cache.out + cache.alpha))


def _into(result: Array, out: Array | None) -> Array:
    """`result`, copied into `out` when one is given."""
    if out is None:
        return result
    np.copyto(out, result)
    return out


@dataclass(frozen=True)
class OutputCache:
    out: Array


def sigmoid_forward(
    x: Array, *, out: Array | None = None
) -> tuple[Array, OutputCache]:
    """out = 1 / (1 + exp(−x)), computed without overflow."""
    e = np.exp(-np.abs(x))
    result = _into(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), out)
    return result, OutputCache(result)


def sigmoid_backward(dout: Array, cache: OutputCache) -> Array:
    """dx = dout·out·(1 − out)."""
    dx: Array = dout * cache.out * (1 - cache.out)
    return dx


def tanh_forward(
    x: Array, *, out: Array | None = None
) -> tuple[Array, OutputCache]:
    """out = tanh(x)."""
    result = np.tanh(x, out=out)
    return result, OutputCache(result)


def tanh_backward(dout: Array, cache: OutputCache) -> Array:
    """dx = dout·(1 − out²)."""
    dx: Array = dout * (1 - cache.out**2)
    return dx


@dataclass(frozen=True)
class MaxoutCache:
    x_shape: tuple[int, ...]
    argmax: Array  # (..., C/k): winner within each group


def maxout_forward(x: Array, *, k: int = 2) -> tuple[Array, MaxoutCache]:
    """out[..., c] = max_{0 ≤ t < k} x[..., c·k + t]: C -> C/k (consecutive channel groups)."""
    if x.shape[-1] % k:
        raise ValueError(f"maxout: {x.shape[-1]} channels do not split into groups of {k}")
    groups = x.reshape(*x.shape[:-1], x.shape[-1] // k, k)
    argmax = groups.argmax(axis=-1)
    out = np.take_along_axis(groups, argmax[..., None], axis=-1)[..., 0]
    return out, MaxoutCache(x.shape, argmax)


def maxout_backward(dout: Array, cache: MaxoutCache) -> Array:
    """Route each output gradient to the channel that won its group."""
    k = cache.x_shape[-1] // dout.shape[-1]
    dgroups = np.zeros((*dout.shape, k), dtype=dout.dtype)
    np.put_along_axis(dgroups, cache.argmax[..., None], dout[..., None], axis=-1)
    return dgroups.reshape(cache.x_shape)


def _log_softmax(scores: Array) -> Array:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs: Array = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return log_probs


def softmax_forward(
    x: Array, *, out: Array | None = None
) -> tuple[Array, OutputCache]:
    """out = exp(x) / Σ_c exp(x) over the last axis (per position on a volume)."""
    result = _into(np.exp(_log_softmax(x)), out)
    return result, OutputCache(result)


def softmax_backward(dout: Array, cache: OutputCache) -> Array:
    """dx = out·(dout − Σ_c dout·out)."""
    y = cache.out
    dx: Array = y * (dout - (dout * y).sum(axis=-1, keepdims=True))
    return dx


def softmax_cross_entropy(scores: Array, labels: Array) -> tuple[float, Array]:
    """Return (loss, dscores): loss = −Σ log softmax(scores)[label] / N, over the last axis.

    scores (N, ..., C), integer labels (N, ...); summed over positions, averaged over the batch.
    """
    log_probs = _log_softmax(scores)
    picked = np.take_along_axis(log_probs, labels[..., None], axis=-1)
    loss = float(-picked.sum() / scores.shape[0])
    dscores = np.exp(log_probs)
    np.put_along_axis(dscores, labels[..., None], np.exp(picked) - 1, axis=-1)
    return loss, dscores / scores.shape[0]


# ---- registration ------------------------------------------------------------------------


def _alpha(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    return {"alpha": float(layer.alpha)}


def _prelu_weights(layer: Any, x: tuple[int, ...], draw: Draw) -> dict[str, Array]:
    return {"alpha": np.full(x[-1], 0.25)}  # He et al. 2015; PyTorch's default


def _maxout_hyper(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    return {"k": layer.k}


register(Kernel("relu", relu_forward, masked_backward, inplace=True, pointwise=True,
                workspace=0.25))  # a bool mask
# Above 6 its derivative is 0, and positive probe activations pass 6 (sums of residual
# branches double them), so it stands aside, as HARDSIGMOID, flat beyond ±3, does.
register(Kernel("relu6", relu6_forward, masked_backward, inplace=True, pointwise=True,
                probe="identity", workspace=0.25))  # a bool mask
register(Kernel("hardsigmoid", hardsigmoid_forward, hardsigmoid_backward, inplace=True,
                pointwise=True, probe="identity", workspace=0.25))
register(Kernel("leakyrelu", leakyrelu_forward, masked_backward, _alpha, inplace=True,
                pointwise=True, workspace=1))
register(Kernel("prelu", prelu_forward, prelu_backward, weights=_prelu_weights, inplace=True,
                pointwise=True, workspace=1, arrays=1))
register(Kernel("elu", elu_forward, elu_backward, _alpha, inplace=True, pointwise=True,
                workspace=1))
register(Kernel("sigmoid", sigmoid_forward, sigmoid_backward, inplace=True, pointwise=True))
register(Kernel("tanh", tanh_forward, tanh_backward, inplace=True, pointwise=True))
# Σ over channels of a softmax is 1: its probe gradient would vanish, so it stands aside.
register(Kernel("softmax", softmax_forward, softmax_backward, inplace=True, pointwise=True,
                probe="identity", loss=True))
register(Kernel("maxout", maxout_forward, maxout_backward, _maxout_hyper, pointwise=True,
                probe="identity", workspace=2))
