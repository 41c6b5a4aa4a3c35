"""LAYERNORM and GROUPNORM kernels: normalization over channels (or channel groups) at each
position, with batch-independent statistics.

Both normalize a *view* of x over some of its axes, with the biased variance and eps 1e-5
(PyTorch's default; ConvNeXt's LayerNorm2d uses 1e-6):
- LAYERNORM: x itself over its last axis — the C channels of one position; on NHWC data
  F.layer_norm(x, (C,)), on a vector (N, C) nn.LayerNorm(C);
- GROUPNORM(groups): x as (N, positions, groups, C/groups) over axes 1 and 3 — every position
  and the C/groups consecutive channels of one group of one sample, as F.group_norm.
Weights, when affine: gamma (C,), beta (C,) per channel, applied after the normalization; with
no weights (affine=false) the output is x̂. The caches keep x̂ and 1/σ, never x
(nor the output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Array, Grads, Weights, check_keys
from .init import Draw
from .registry import Kernel, register

Shape = tuple[int, ...]
Axes = tuple[int, ...]


@dataclass(frozen=True)
class NormCache:
    x_hat: Array  # (x − μ)/σ, in the view the statistics were taken over
    inv_std: Array  # 1/sqrt(σ² + eps), one per statistics set (kept dims)
    gamma: Array | None  # None without affine
    axes: Axes  # the view's axes each statistics set spans


def _normalize(view: Array, axes: Axes, eps: float) -> tuple[Array, Array]:
    """(x̂, 1/σ): x̂ = (v − μ)/sqrt(σ² + eps), μ and the biased σ² over `axes`."""
    x_mu = view - view.mean(axis=axes, keepdims=True)
    inv_std = 1 / np.sqrt((x_mu**2).mean(axis=axes, keepdims=True) + eps)
    return x_mu * inv_std, inv_std


def _normalize_backward(dx_hat: Array, cache: NormCache) -> Array:
    """dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), the means over each statistics set
    (the BN gradient of Ioffe & Szegedy, with the set in place of the batch)."""
    axes, x_hat = cache.axes, cache.x_hat
    centred = dx_hat - dx_hat.mean(axis=axes, keepdims=True)
    dx: Array = cache.inv_std * (centred - x_hat * (dx_hat * x_hat).mean(axis=axes,
                                                                         keepdims=True))
    return dx


def _affine(x_hat: Array, weights: Weights) -> tuple[Array, Array | None]:
    """(γ·x̂ + β, γ) with weights; (a copy of x̂, None) without (affine=false): the cache's x̂
    is workspace, so the output must not be it — else the backward would keep the output,
    and no later kind could write into it in place."""
    if not weights:
        return x_hat.copy(), None
    check_keys(weights, ["gamma", "beta"])
    return weights["gamma"] * x_hat + weights["beta"], weights["gamma"]


def _affine_backward(dout: Array, cache: NormCache) -> tuple[Array, Grads]:
    """(dx̂ = dout·γ, {dγ = Σ dout·x̂, dβ = Σ dout} over every axis but channels)."""
    if cache.gamma is None:
        return dout, {}
    x_hat = cache.x_hat.reshape(dout.shape)
    axes = tuple(range(dout.ndim - 1))
    grads = {"gamma": np.sum(dout * x_hat, axis=axes), "beta": np.sum(dout, axis=axes)}
    return dout * cache.gamma, grads


def layernorm_forward(x: Array, weights: Weights, *, eps: float = 1e-5
                      ) -> tuple[Array, NormCache]:
    """y = γ·(x − μ)/sqrt(σ² + eps) + β, μ and σ² over the channels (last axis) of each
    position (F.layer_norm(x, (C,), γ, β) on channels-last data)."""
    x_hat, inv_std = _normalize(x, (-1,), eps)
    out, gamma = _affine(x_hat, weights)
    return out, NormCache(x_hat, inv_std, gamma, (-1,))


def layernorm_backward(dout: Array, cache: NormCache) -> tuple[Array, Grads]:
    dx_hat, grads = _affine_backward(dout, cache)
    return _normalize_backward(dx_hat, cache), grads


def groupnorm_forward(x: Array, weights: Weights, *, groups: int, eps: float = 1e-5
                      ) -> tuple[Array, NormCache]:
    """y = γ·x̂ + β, x̂ normalized over each sample's group of C/groups consecutive channels
    at every position (F.group_norm(x, groups, γ, β) with x in NCHW)."""
    c = x.shape[-1]
    if c % groups:
        raise ValueError(f"groupnorm: {c} channels do not split into {groups} groups")
    view = x.reshape(x.shape[0], -1, groups, c // groups)
    x_hat, inv_std = _normalize(view, (1, 3), eps)
    out, gamma = _affine(x_hat.reshape(x.shape), weights)
    return out, NormCache(x_hat, inv_std, gamma, (1, 3))


def groupnorm_backward(dout: Array, cache: NormCache) -> tuple[Array, Grads]:
    dx_hat, grads = _affine_backward(dout, cache)
    return _normalize_backward(dx_hat.reshape(cache.x_hat.shape), cache).reshape(dout.shape), \
        grads


# ---- registration ------------------------------------------------------------------------


def _affine_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    """gamma (C,) ones, beta (C,) zeros — PyTorch's init, the identity on x̂ — when affine."""
    if not layer.affine:
        return {}
    return {"gamma": np.ones(x[-1]), "beta": np.zeros(x[-1])}


def _groups(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    return {"groups": layer.g}


# A position's channels (LAYERNORM) or a group (GROUPNORM) sum to zero after normalization: a
# gradient equal across them cancels, and the probe seeds all channels alike. Their stand-in is
# the identity, as BN's, which is also why they need no thin one (one channel cannot make g
# groups, and alone it would normalize to β). GROUPNORM's statistics span every position of a
# sample; its field, as BN's, leaves them out (archcalc/layers/norm.py), so it is pointwise too.
register(Kernel("layernorm", layernorm_forward, layernorm_backward, weights=_affine_weights,
                pointwise=True, probe="identity", workspace=1, arrays=2))
register(Kernel("groupnorm", groupnorm_forward, groupnorm_backward, _groups,
                weights=_affine_weights, pointwise=True, probe="identity", workspace=1,
                arrays=2))
