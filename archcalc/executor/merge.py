"""Merge kernels (ADD, CONCAT over channels) and nearest-neighbour UPSAMPLE.

Merges take a list of inputs and their backward returns a list of input gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Array, Pair
from .geometry import pair
from .registry import Kernel, register


@dataclass(frozen=True)
class AddCache:
    count: int


def add_forward(xs: Sequence[Array]) -> tuple[Array, AddCache]:
    """out = Σ_i xs[i]; every input has the same shape."""
    if len({x.shape for x in xs}) != 1:
        raise ValueError(f"add: shapes differ: {[x.shape for x in xs]}")
    out = xs[0].copy()
    for x in xs[1:]:
        out += x
    return out, AddCache(len(xs))


def add_backward(dout: Array, cache: AddCache) -> list[Array]:
    """Every input gets dout (the same array, not copies)."""
    return [dout] * cache.count


@dataclass(frozen=True)
class ConcatCache:
    channels: tuple[int, ...]


def concat_forward(xs: Sequence[Array]) -> tuple[Array, ConcatCache]:
    """Concatenate along the last axis (channels; GoogLeNet's depth concatenation)."""
    out = np.concatenate(xs, axis=-1)
    return out, ConcatCache(tuple(x.shape[-1] for x in xs))


def concat_backward(dout: Array, cache: ConcatCache) -> list[Array]:
    """Split dout along the last axis into the inputs' channel counts."""
    cuts = np.cumsum(cache.channels)[:-1]
    return np.split(dout, cuts, axis=-1)


@dataclass(frozen=True)
class UpsampleCache:
    factor: Pair


def upsample_forward(x: Array, *, factor: Pair = (2, 2)) -> tuple[Array, UpsampleCache]:
    """Nearest neighbour: out[n, i, j, c] = x[n, i // s_h, j // s_w, c]; (H, W) -> (s_h·H, s_w·W).
    """
    out = x.repeat(factor[0], axis=1).repeat(factor[1], axis=2)
    return out, UpsampleCache(factor)


def upsample_backward(dout: Array, cache: UpsampleCache) -> Array:
    """dx[n, i, j, c] = Σ of dout over the s_h×s_w block that copied x[n, i, j, c]."""
    (sh, sw), (n, h, w, c) = cache.factor, dout.shape
    dx: Array = dout.reshape(n, h // sh, sh, w // sw, sw, c).sum(axis=(2, 4))
    return dx


# ---- registration ------------------------------------------------------------------------


def _factor(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    return {"factor": pair(layer.s)}


def _upscale(layer: Any) -> Pair:
    return pair(layer.s)


register(Kernel("add", add_forward, add_backward, merge=True))
# one channel per path in the thin probe: their sum has the union of their supports
register(Kernel("concat", concat_forward, concat_backward, merge=True, thin="add"))
register(Kernel("upsample", upsample_forward, upsample_backward, _factor, upscale=_upscale))
