"""Activation kernels (RELU … SOFTMAX, MAXOUT) and the softmax cross-entropy loss.

PRELU's weights: alpha (C,), one slope per channel (the last axis), as PyTorch's
num_parameters=C. Channel-wise kinds (MAXOUT, SOFTMAX) act on the last axis, so on a volume
they work per position over channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Array, Grads, Weights, check_keys
from .gemm import MacCounter


@dataclass(frozen=True)
class MaskCache:
    mask: Array  # dout multiplier: 1 where x > 0, else 0 (RELU) or alpha (LEAKYRELU)


def relu_forward(x: Array, weights: Weights, *, counter: MacCounter) -> tuple[Array, MaskCache]:
    """out = max(0, x); the cache keeps only the mask (the in-place RELU of the memory tables)."""
    check_keys(weights, [])
    mask = (x > 0).astype(x.dtype)
    return x * mask, MaskCache(mask)


def relu_backward(dout: Array, cache: MaskCache, counter: MacCounter) -> tuple[Array, Grads]:
    """dx = dout · [x > 0]."""
    return dout * cache.mask, {}


def leakyrelu_forward(
    x: Array, weights: Weights, *, counter: MacCounter, alpha: float = 0.01
) -> tuple[Array, MaskCache]:
    """out = x if x > 0 else alpha·x (PyTorch's default negative_slope 0.01)."""
    check_keys(weights, [])
    mask = np.where(x > 0, 1.0, alpha).astype(x.dtype)
    return x * mask, MaskCache(mask)


def leakyrelu_backward(dout: Array, cache: MaskCache, counter: MacCounter) -> tuple[Array, Grads]:
    """dx = dout · (1 if x > 0 else alpha)."""
    return dout * cache.mask, {}


@dataclass(frozen=True)
class PreluCache:
    x: Array
    alpha: Array


def prelu_forward(x: Array, weights: Weights, *, counter: MacCounter) -> tuple[Array, PreluCache]:
    """out[..., c] = x if x > 0 else alpha[c]·x."""
    check_keys(weights, ["alpha"])
    alpha = weights["alpha"]
    return np.where(x > 0, x, alpha * x), PreluCache(x, alpha)


def prelu_backward(dout: Array, cache: PreluCache, counter: MacCounter) -> tuple[Array, Grads]:
    """dx = dout·(1 or alpha[c]); dalpha[c] = Σ dout·x over the non-positive x of channel c."""
    x, positive = cache.x, cache.x > 0
    dx = np.where(positive, dout, cache.alpha * dout)
    dalpha = np.where(positive, 0.0, dout * x).reshape(-1, x.shape[-1]).sum(axis=0)
    return dx, {"alpha": dalpha}


@dataclass(frozen=True)
class EluCache:
    x: Array
    out: Array
    alpha: float


def elu_forward(
    x: Array, weights: Weights, *, counter: MacCounter, alpha: float = 1.0
) -> tuple[Array, EluCache]:
    """out = x if x > 0 else alpha·(exp(x) − 1)."""
    check_keys(weights, [])
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return out, EluCache(x, out, alpha)


def elu_backward(dout: Array, cache: EluCache, counter: MacCounter) -> tuple[Array, Grads]:
    """dx = dout if x > 0 else dout·(out + alpha)."""
    return np.where(cache.x > 0, dout, dout * (cache.out + cache.alpha)), {}


@dataclass(frozen=True)
class OutputCache:
    out: Array


def sigmoid_forward(
    x: Array, weights: Weights, *, counter: MacCounter
) -> tuple[Array, OutputCache]:
    """out = 1 / (1 + exp(−x)), computed without overflow."""
    check_keys(weights, [])
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, OutputCache(out)


def sigmoid_backward(dout: Array, cache: OutputCache, counter: MacCounter) -> tuple[Array, Grads]:
    """dx = dout·out·(1 − out)."""
    return dout * cache.out * (1 - cache.out), {}


def tanh_forward(x: Array, weights: Weights, *, counter: MacCounter) -> tuple[Array, OutputCache]:
    """out = tanh(x)."""
    check_keys(weights, [])
    out = np.tanh(x)
    return out, OutputCache(out)


def tanh_backward(dout: Array, cache: OutputCache, counter: MacCounter) -> tuple[Array, Grads]:
    """dx = dout·(1 − out²)."""
    return dout * (1 - cache.out**2), {}


@dataclass(frozen=True)
class MaxoutCache:
    x_shape: tuple[int, ...]
    argmax: Array  # (..., C/k): winner within each group


def maxout_forward(
    x: Array, weights: Weights, *, counter: MacCounter, k: int = 2
) -> tuple[Array, MaxoutCache]:
    """out[..., c] = max_{0 ≤ t < k} x[..., c·k + t]: C -> C/k (consecutive channel groups)."""
    check_keys(weights, [])
    if x.shape[-1] % k:
        raise ValueError(f"maxout: {x.shape[-1]} channels do not split into groups of {k}")
    groups = x.reshape(*x.shape[:-1], x.shape[-1] // k, k)
    argmax = groups.argmax(axis=-1)
    out = np.take_along_axis(groups, argmax[..., None], axis=-1)[..., 0]
    return out, MaxoutCache(x.shape, argmax)


def maxout_backward(dout: Array, cache: MaxoutCache, counter: MacCounter) -> tuple[Array, Grads]:
    """Route each output gradient to the channel that won its group."""
    k = cache.x_shape[-1] // dout.shape[-1]
    dgroups = np.zeros((*dout.shape, k), dtype=dout.dtype)
    np.put_along_axis(dgroups, cache.argmax[..., None], dout[..., None], axis=-1)
    return dgroups.reshape(cache.x_shape), {}


def _log_softmax(scores: Array) -> Array:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs: Array = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return log_probs


def softmax_forward(
    x: Array, weights: Weights, *, counter: MacCounter
) -> tuple[Array, OutputCache]:
    """out = exp(x) / Σ_c exp(x) over the last axis (per position on a volume)."""
    check_keys(weights, [])
    out = np.exp(_log_softmax(x))
    return out, OutputCache(out)


def softmax_backward(dout: Array, cache: OutputCache, counter: MacCounter) -> tuple[Array, Grads]:
    """dx = out·(dout − Σ_c dout·out)."""
    y = cache.out
    return y * (dout - (dout * y).sum(axis=-1, keepdims=True)), {}


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
