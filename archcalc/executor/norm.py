"""BN (training mode), LRN across channels (AlexNet), SCALE (a learned per-channel multiplier),
inverted DROPOUT and DROPPATH (stochastic depth) kernels.

BN weights: gamma (C,), beta (C,); statistics per channel (the last axis) over every other axis:
over N, H, W for a volume ("spatial" batch norm), over N for a vector. SCALE weights: gamma (C,).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Array, Grads, MaskCache, Weights, check_keys, masked_backward
from .init import Draw
from .registry import Kernel, copies, register

BN_MOMENTUM = 0.1  # running statistics, as PyTorch's BatchNorm2d


@dataclass(frozen=True)
class BnCache:
    x_mu: Array  # x − μ_B
    x_hat: Array
    var: Array  # σ²_B, biased (divides by m), as the paper
    gamma: Array
    eps: float


def _stat_axes(x: Array) -> tuple[int, ...]:
    return tuple(range(x.ndim - 1))


def bn_forward(
    x: Array, weights: Weights, *, eps: float = 1e-5, running: dict[str, Array] | None = None
) -> tuple[Array, BnCache]:
    """y = gamma·x̂ + beta, x̂ = (x − μ_B)/sqrt(σ²_B + eps), batch statistics (Ioffe & Szegedy).

    `running` (running_mean, running_var) is updated as a training step does: momentum 0.1 and
    the unbiased variance, as PyTorch's BatchNorm2d.
    """
    check_keys(weights, ["gamma", "beta"])
    axes = _stat_axes(x)
    mean = x.mean(axis=axes)
    x_mu = x - mean
    var = (x_mu**2).mean(axis=axes)
    x_hat = x_mu / np.sqrt(var + eps)
    out = weights["gamma"] * x_hat + weights["beta"]
    if running:
        m = x.size // x.shape[-1]
        for key, value in (("running_mean", mean), ("running_var", var * m / max(m - 1, 1))):
            running[key] *= 1 - BN_MOMENTUM
            running[key] += BN_MOMENTUM * value
    return out, BnCache(x_mu, x_hat, var, weights["gamma"], eps)


def bn_backward(dout: Array, cache: BnCache) -> tuple[Array, Grads]:
    """The gradients of the seed slide (CS182 lecture 6, after Ioffe & Szegedy), term by term."""
    axes = _stat_axes(dout)
    m = dout.size // dout.shape[-1]
    x_mu, inv_std = cache.x_mu, 1 / np.sqrt(cache.var + cache.eps)
    dx_hat = dout * cache.gamma
    dvar = np.sum(dx_hat * x_mu, axis=axes) * -0.5 * (cache.var + cache.eps) ** -1.5
    dmu = np.sum(dx_hat * -inv_std, axis=axes) + dvar * np.sum(-2 * x_mu, axis=axes) / m
    dx = dx_hat * inv_std + dvar * 2 * x_mu / m + dmu / m
    dgamma = np.sum(dout * cache.x_hat, axis=axes)
    dbeta = np.sum(dout, axis=axes)
    return dx, {"gamma": dgamma, "beta": dbeta}


@dataclass(frozen=True)
class LrnCache:
    x: Array
    scale: Array  # k + alpha·Σ_window a²
    n: int
    alpha: float
    beta: float


def _channel_window_sum(v: Array, before: int, after: int) -> Array:
    """s[..., c] = Σ v[..., c'] for c − before ≤ c' ≤ c + after, clipped to [0, C)."""
    c = v.shape[-1]
    padded = np.pad(v, [(0, 0)] * (v.ndim - 1) + [(before, after)])
    total = np.zeros(v.shape, dtype=v.dtype)
    for t in range(before + after + 1):
        total += padded[..., t : t + c]
    return total


def lrn_forward(
    x: Array,
    *,
    n: int = 5,
    k: float = 2.0,
    alpha: float = 1e-4,
    beta: float = 0.75,
) -> tuple[Array, LrnCache]:
    """b_c = a_c / (k + alpha·Σ_{c' = c − n//2 … c + (n−1)//2} a_{c'}²)^beta over the last axis.

    AlexNet's form and defaults: alpha multiplies the plain sum. PyTorch's LocalResponseNorm
    divides alpha by n (use alpha·n here to match it); its window for even n is the one above.
    """
    scale = k + alpha * _channel_window_sum(x**2, n // 2, (n - 1) // 2)
    return x * scale**-beta, LrnCache(x, scale, n, alpha, beta)


def lrn_backward(dout: Array, cache: LrnCache) -> Array:
    """dx_j = dout_j·scale_j^−β − 2αβ·a_j·Σ_{c: j ∈ window(c)} dout_c·a_c·scale_c^(−β−1)."""
    x, scale, n, beta = cache.x, cache.scale, cache.n, cache.beta
    through_scale = dout * x * scale ** (-beta - 1)
    # j is in window(c) iff c is in the mirrored window of j: swap before and after
    spread = _channel_window_sum(through_scale, (n - 1) // 2, n // 2)
    return dout * scale**-beta - 2 * cache.alpha * beta * x * spread


def dropout_forward(
    x: Array,
    *,
    rng: np.random.Generator,
    p: float = 0.5,
    out: Array | None = None,
) -> tuple[Array, MaskCache]:
    """Inverted dropout in training mode: out = x·mask, mask = [u ≥ p]/(1 − p), u ~ U[0, 1).

    p is the probability of dropping (PyTorch/Keras); the CS231n slide's p is the keep rate.
    `out` may be `x` (in place, as the memory tables count DROPOUT).
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p={p} is not a probability")
    keep = rng.random(x.shape) >= p
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)  # PyTorch: p=1 zeroes everything
    mask = mask.astype(x.dtype)
    return np.multiply(x, mask, out=out), MaskCache(mask)


@dataclass(frozen=True)
class ScaleCache:
    x: Array
    gamma: Array


def scale_forward(x: Array, weights: Weights) -> tuple[Array, ScaleCache]:
    """out[..., c] = gamma[c]·x[..., c]: ConvNeXt's layer scale (torchvision's
    `self.layer_scale * x`), a new tensor; the cache keeps x for dgamma."""
    check_keys(weights, ["gamma"])
    return weights["gamma"] * x, ScaleCache(x, weights["gamma"])


def scale_backward(dout: Array, cache: ScaleCache) -> tuple[Array, Grads]:
    """dx = dout·gamma; dgamma[c] = Σ dout·x over every axis but channels."""
    axes = tuple(range(dout.ndim - 1))
    return dout * cache.gamma, {"gamma": np.sum(dout * cache.x, axis=axes)}


def droppath_forward(
    x: Array,
    *,
    rng: np.random.Generator,
    p: float = 0.1,
    out: Array | None = None,
) -> tuple[Array, MaskCache]:
    """Stochastic depth in training mode, torchvision's stochastic_depth(mode="row"): out =
    x·mask, one mask value per sample, [u ≥ p]/(1 − p) with u ~ U[0, 1) (p=1 drops every
    sample, as torchvision). `out` may be `x` (in place, as DROPOUT)."""
    if not 0 <= p <= 1:
        raise ValueError(f"droppath: p={p} is not a probability")
    keep = rng.random((x.shape[0],) + (1,) * (x.ndim - 1)) >= p
    mask = (keep / (1 - p) if p < 1 else np.zeros(keep.shape)).astype(x.dtype)
    return np.multiply(x, mask, out=out), MaskCache(mask)


# ---- registration ------------------------------------------------------------------------

Shape = tuple[int, ...]


def _bn_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    """gamma (C,) ones, beta (C,) zeros: the identity at initialization."""
    return {"gamma": np.ones(x[-1]), "beta": np.zeros(x[-1])}


def _bn_buffers(layer: Any, x: Shape) -> dict[str, Array]:
    return {"running_mean": np.zeros(x[-1]), "running_var": np.ones(x[-1])}


def _lrn_hyper(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    return {"n": layer.n, "k": float(layer.k), "alpha": float(layer.alpha),
            "beta": float(layer.beta)}


def _lrn_transient(layer: Any, x: Shape, y: Shape) -> int:
    """The window sum's channel-padded copy, H·W·(C + n − 1) (a vector: C + n − 1), and
    copies of input and output."""
    positions = math.prod(x[:-1])
    return positions * (x[-1] + layer.n - 1) + copies(layer, x, y)


def _dropout_hyper(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    return {"p": float(layer.rate)}


def _scale_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    """gamma (C,) ones: the identity at initialization, as BN's gamma. ConvNeXt starts its
    layer scale at the constant 1e-6; 1 keeps verify's activations O(1) and the RF probe's
    gradients positive without a stand-in."""
    return {"gamma": np.ones(x[-1])}


def _droppath_hyper(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    return {"p": float(layer.p)}


register(Kernel("bn", bn_forward, bn_backward, weights=_bn_weights, buffers=_bn_buffers,
                pointwise=True, probe="identity", workspace=2, arrays=2))
register(Kernel("lrn", lrn_forward, lrn_backward, _lrn_hyper, pointwise=True, probe="identity",
                workspace=1, transient=_lrn_transient))
register(Kernel("dropout", dropout_forward, masked_backward, _dropout_hyper, inplace=True,
                pointwise=True, probe="identity", workspace=1))
register(Kernel("scale", scale_forward, scale_backward, weights=_scale_weights, pointwise=True,
                arrays=1))
# its mask is one number per sample (no workspace per element); a dropped sample would zero the
# probe's gradient, so it stands aside there as DROPOUT does
register(Kernel("droppath", droppath_forward, masked_backward, _droppath_hyper, inplace=True,
                pointwise=True, probe="identity"))
