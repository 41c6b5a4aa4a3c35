"""ADAPTIVEAVGPOOL and ADAPTIVEMAXPOOL kernels (PyTorch's start/end index rule) and ZEROPAD.

An adaptive pool's output i along an axis of length H with h outputs reads the input rows
⌊i·H/h⌋ … ⌈(i + 1)·H/h⌉ − 1 (PyTorch, aten/src/ATen/native/AdaptivePooling.h, start_index
and end_index); windows may differ in size, overlap, and repeat rows when h > H.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fields
from .base import HW, Array, Padding, spatial
from .geometry import pair
from .registry import Kernel, copies, register

Bounds = tuple[tuple[int, int], ...]  # [start, end) of each output's window along an axis


def bounds(extent: int, outputs: int) -> Bounds:
    """[⌊i·H/h⌋, ⌈(i + 1)·H/h⌉) for i = 0 … h − 1, in integers."""
    return tuple((i * extent // outputs, -(-(i + 1) * extent // outputs))
                 for i in range(outputs))


@dataclass(frozen=True)
class AdaptiveCache:
    x_shape: tuple[int, ...]
    rows: Bounds
    cols: Bounds


def _cache(x: Array, size: HW) -> AdaptiveCache:
    h, w = spatial(x.shape)
    return AdaptiveCache(x.shape, bounds(h, size[0]), bounds(w, size[1]))


def adaptive_avgpool_forward(x: Array, *, size: HW) -> tuple[Array, AdaptiveCache]:
    """out[n,i,j,c] = mean of x[n, rows_i, cols_j, c]: the mean over each window's rows, then
    over its columns (a rectangle's mean is the mean of its rows' means)."""
    cache = _cache(x, size)
    by_rows = np.stack([x[:, a:b].mean(axis=1) for a, b in cache.rows], axis=1)
    return np.stack([by_rows[:, :, a:b].mean(axis=2) for a, b in cache.cols], axis=2), cache


def adaptive_avgpool_backward(dout: Array, cache: AdaptiveCache) -> Array:
    """Each output's gradient spread evenly over its window, summed where windows overlap."""
    n, _, w, c = cache.x_shape
    by_rows = np.zeros((n, dout.shape[1], w, c), dout.dtype)
    for j, (a, b) in enumerate(cache.cols):
        by_rows[:, :, a:b] += dout[:, :, j : j + 1] / (b - a)
    dx = np.zeros(cache.x_shape, dout.dtype)
    for i, (a, b) in enumerate(cache.rows):
        dx[:, a:b] += by_rows[:, i : i + 1] / (b - a)
    return dx


@dataclass(frozen=True)
class AdaptiveMaxCache:
    window: AdaptiveCache
    argmax: Array  # (N, h, w, C): the winner's offset, row-major within its window


def _windows(cache: AdaptiveCache) -> Iterator[tuple[int, int, slice, slice]]:
    """(i, j, rows slice, cols slice) of every output window."""
    for i, (r0, r1) in enumerate(cache.rows):
        for j, (c0, c1) in enumerate(cache.cols):
            yield i, j, slice(r0, r1), slice(c0, c1)


def adaptive_maxpool_forward(x: Array, *, size: HW) -> tuple[Array, AdaptiveMaxCache]:
    """out[n,i,j,c] = max of x[n, rows_i, cols_j, c]; ties go to the first pixel in row-major
    order, as in PyTorch's CPU kernel (which takes a later pixel only if strictly greater)."""
    cache = _cache(x, size)
    n, c = x.shape[0], x.shape[3]
    out = np.empty((n, *size, c), x.dtype)
    largest = max(b - a for a, b in cache.rows) * max(b - a for a, b in cache.cols)
    argmax = np.empty(out.shape, np.min_scalar_type(largest - 1))
    for i, j, rows, cols in _windows(cache):
        flat = x[:, rows, cols].reshape(n, -1, c)
        argmax[:, i, j] = flat.argmax(axis=1)  # the first of equal maxima
        out[:, i, j] = flat.max(axis=1)
    return out, AdaptiveMaxCache(cache, argmax)


def adaptive_maxpool_backward(dout: Array, cache: AdaptiveMaxCache) -> Array:
    """Each output's gradient routed to its window's winner, summed where windows overlap."""
    shape = cache.window.x_shape
    n, c = shape[0], shape[3]
    dx = np.zeros(shape, dout.dtype)
    for i, j, rows, cols in _windows(cache.window):
        area = (rows.stop - rows.start) * (cols.stop - cols.start)
        routed = np.zeros((n, area, c), dout.dtype)
        np.put_along_axis(routed, cache.argmax[:, i, j, None].astype(np.intp),
                          dout[:, i, j, None], 1)
        dx[:, rows, cols] += routed.reshape(n, rows.stop - rows.start, -1, c)
    return dx


@dataclass(frozen=True)
class ZeroPadCache:
    x_shape: tuple[int, ...]
    padding: Padding


def zeropad_forward(x: Array, *, padding: Padding, pad_value: float = 0.0
                    ) -> tuple[Array, ZeroPadCache]:
    """A new (N, top + H + bottom, left + W + right, C) array, x in its interior; `pad_value`
    fills the rest (0; the RF probe's NaN shows which outputs are padding)."""
    (top, bottom), (left, right) = padding
    n, h, w, c = x.shape
    out = np.full((n, top + h + bottom, left + w + right, c), pad_value, x.dtype)
    out[:, top : top + h, left : left + w] = x
    return out, ZeroPadCache(x.shape, padding)


def zeropad_backward(dout: Array, cache: ZeroPadCache) -> Array:
    """The interior of dout: padding has no input to pass its gradient to."""
    (top, _), (left, _) = cache.padding
    h, w = spatial(cache.x_shape)
    return dout[:, top : top + h, left : left + w]


# ---- registration ------------------------------------------------------------------------


def _size(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    return {"size": pair(layer.size)}


def _sides(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    """((top, bottom), (left, right)): p per axis, each side overridden by its keyword."""
    h, w = pair(layer.p)

    def side(name: str, default: int) -> int:
        value = getattr(layer, name)
        return default if value is None else int(value)

    return {"padding": ((side("top", h), side("bottom", h)),
                        (side("left", w), side("right", w)))}


def _by_rows(layer: Any, x: tuple[int, ...], y: tuple[int, ...]) -> int:
    """The element-wise copies, plus the h×W×C row means and their stacking (more than the
    input when h > H)."""
    return copies(layer, x, y) + 2 * y[0] * x[1] * x[2]


def _field(maps: list[fields.Field], layer: Any, hyper: dict[str, Any]) -> fields.Field:
    m, size = maps[0], hyper["size"]
    return fields.bounds_union(m, bounds(len(m.rows), size[0]), bounds(len(m.cols), size[1]))


def _pad_field(maps: list[fields.Field], layer: Any, hyper: dict[str, Any]) -> fields.Field:
    return fields.padded(maps[0], hyper["padding"])


register(Kernel("adaptiveavgpool", adaptive_avgpool_forward, adaptive_avgpool_backward, _size,
                fixed_output=True, transient=_by_rows, field_map=_field))
# The probe's positive net reads a max pool's field as the average pool's (as MAXPOOL's);
# its argmax takes at most 4 bytes per output element (uint32 past 65,536-pixel windows).
register(Kernel("adaptivemaxpool", adaptive_maxpool_forward, adaptive_maxpool_backward, _size,
                fixed_output=True, probe="adaptiveavgpool", workspace=1, field_map=_field))
register(Kernel("zeropad", zeropad_forward, zeropad_backward, _sides, field_map=_pad_field))
