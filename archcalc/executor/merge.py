"""Merge kernels (ADD and MUL with broadcasting, CONCAT over channels) and nearest-neighbour
UPSAMPLE.

Merges take a list of inputs and their backward returns a list of input gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fields
from .base import HW, Array
from .fields import Field
from .geometry import pair
from .registry import Kernel, register


def _aligned(xs: Sequence[Array]) -> list[Array]:
    """The inputs as arrays that broadcast like the analyzer's H×W×C rule: beside a volume, a
    vector (N, C) is read as (N, 1, 1, C)."""
    volume = any(x.ndim == 4 for x in xs)
    return [x.reshape(x.shape[0], 1, 1, x.shape[1]) if volume and x.ndim == 2 else x
            for x in xs]


def _broadcast_shape(xs: Sequence[Array]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*(x.shape for x in xs)))
    except ValueError:
        raise ValueError(f"merge: shapes do not broadcast: {[x.shape for x in xs]}") from None


def _reduced(grad: Array, shape: tuple[int, ...]) -> Array:
    """`grad` summed over the axes its input was broadcast along, in the input's shape."""
    if grad.shape == shape:
        return grad
    target = (shape[0], 1, 1, shape[1]) if len(shape) == 2 and grad.ndim == 4 else shape
    axes = tuple(a for a, (g, t) in enumerate(zip(grad.shape, target, strict=True)) if g != t)
    reduced: Array = grad.sum(axis=axes, keepdims=True).reshape(shape)
    return reduced


@dataclass(frozen=True)
class AddCache:
    shapes: tuple[tuple[int, ...], ...]


def add_forward(xs: Sequence[Array]) -> tuple[Array, AddCache]:
    """out = Σ_i xs[i], broadcasting sizes of 1 (PyTorch's `+`)."""
    aligned = _aligned(xs)
    out = np.broadcast_to(aligned[0], _broadcast_shape(aligned)).copy()
    for x in aligned[1:]:
        out += x
    return out, AddCache(tuple(x.shape for x in xs))


def add_backward(dout: Array, cache: AddCache) -> list[Array]:
    """Every input gets dout (the same array where it was not broadcast), summed over the axes
    it was broadcast along."""
    return [_reduced(dout, shape) for shape in cache.shapes]


@dataclass(frozen=True)
class MulCache:
    xs: tuple[Array, ...]  # the inputs as they were, aligned for broadcasting
    shapes: tuple[tuple[int, ...], ...]


def mul_forward(xs: Sequence[Array]) -> tuple[Array, MulCache]:
    """out = Π_i xs[i], broadcasting sizes of 1: squeeze-and-excitation's `x * gate`."""
    aligned = _aligned(xs)
    out = np.broadcast_to(aligned[0], _broadcast_shape(aligned)).copy()
    for x in aligned[1:]:
        out *= x
    return out, MulCache(tuple(aligned), tuple(x.shape for x in xs))


def mul_backward(dout: Array, cache: MulCache) -> list[Array]:
    """dx_i = dout·Π_{j≠i} x_j, summed over the axes x_i was broadcast along."""
    grads = []
    for i, shape in enumerate(cache.shapes):
        grad = dout
        for j, x in enumerate(cache.xs):
            if j != i:
                grad = grad * x
        grads.append(_reduced(np.broadcast_to(grad, dout.shape), shape))
    return grads


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
    factor: HW


def upsample_forward(x: Array, *, factor: HW = (2, 2)) -> tuple[Array, UpsampleCache]:
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


def _upscale(layer: Any) -> HW:
    return pair(layer.s)


def _upsample_field(maps: list[Field], layer: Any, hyper: dict[str, Any]) -> Field:
    return fields.upsampled(maps[0], hyper["factor"])


register(Kernel("add", add_forward, add_backward, merge=True))
# In the probe a factor can be 0 (a transposed conv's hole, with zero biases), hiding the
# other factor's support: a product's field is the union of its factors', as a sum's.
register(Kernel("mul", mul_forward, mul_backward, merge=True, probe="add"))
# one channel per path in the thin probe: their sum has the union of their supports
register(Kernel("concat", concat_forward, concat_backward, merge=True, thin="add"))


register(Kernel("upsample", upsample_forward, upsample_backward, _factor, upscale=_upscale,
                field_map=_upsample_field))
