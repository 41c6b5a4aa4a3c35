"""Channel kernels: CHUNK (a slice of the channels, SPLIT's paths) and CHANNELSHUFFLE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Array
from .registry import Kernel, register


@dataclass(frozen=True)
class ChunkCache:
    x_shape: tuple[int, ...]
    start: int


def chunk_forward(x: Array, *, i: int, n: int) -> tuple[Array, ChunkCache]:
    """out = x[..., (i − 1)·C/n : i·C/n], a view (PyTorch's `x.chunk(n, dim=1)[i − 1]`)."""
    c = x.shape[-1]
    if c % n:
        raise ValueError(f"chunk: {c} channels do not split into {n} groups")
    width = c // n
    return x[..., (i - 1) * width:i * width], ChunkCache(x.shape, (i - 1) * width)


def chunk_backward(dout: Array, cache: ChunkCache) -> Array:
    """dx is dout in the chunk's channels and zero elsewhere."""
    dx = np.zeros(cache.x_shape, dtype=dout.dtype)
    dx[..., cache.start:cache.start + dout.shape[-1]] = dout
    return dx


@dataclass(frozen=True)
class ShuffleCache:
    groups: int


def _shuffled(x: Array, rows: int) -> Array:
    """Channels viewed as rows × C/rows, transposed and flattened (a copy)."""
    c = x.shape[-1]
    return x.reshape(*x.shape[:-1], rows, c // rows).swapaxes(-1, -2).reshape(x.shape).copy()


def channelshuffle_forward(x: Array, *, g: int) -> tuple[Array, ShuffleCache]:
    """out[..., k·g + j] = x[..., j·C/g + k] (Zhang et al. 2018; nn.ChannelShuffle)."""
    if x.shape[-1] % g:
        raise ValueError(f"channel shuffle: {x.shape[-1]} channels, {g} groups")
    return _shuffled(x, g), ShuffleCache(g)


def channelshuffle_backward(dout: Array, cache: ShuffleCache) -> Array:
    """The inverse permutation: a shuffle with C/g groups."""
    return _shuffled(dout, dout.shape[-1] // cache.groups)


# ---- registration ------------------------------------------------------------------------


def _chunk_hyper(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    return {"i": 1, "n": 1} if thin else {"i": layer.i, "n": layer.n}


def _shuffle_hyper(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    return {"g": layer.g}


# One channel per tensor in the thin probe: a chunk is the whole of it, a shuffle nothing.
register(Kernel("chunk", chunk_forward, chunk_backward, _chunk_hyper, pointwise=True))
register(Kernel("channelshuffle", channelshuffle_forward, channelshuffle_backward,
                _shuffle_hyper, pointwise=True, thin="identity"))
