"""Field maps: for every unit of a node, the box of input pixels its value depends on and
whether any of them is padding — what the receptive-field probe reads (docs/executor.md,
"The receptive-field probe").

A map is an array shaped like the node's output, (N, H, W, 5) or (N, 5) for a vector, with
five numbers per unit instead of channels: −row_lo, −col_lo, row_hi, col_hi and a padding
flag. Every number combines by `max`, so the field of a unit that reads several units is the
elementwise max of theirs (the union of their boxes; padding if any of them read some), and a
unit that reads nothing holds −∞ everywhere. The input's map holds each pixel's own row and
column; padding pixels hold no box and the flag 1. Each non-pointwise kind's rule (its
`field` in KERNELS) unites, for every output unit, exactly the units its kernel reads: the
same windows (stride, per-side padding, dilation, ceil overhang), scatter, row and column
bounds or copies as the kernel, for all units at once — one pass per node, whatever the depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import numpy as np

from .base import HW, Array, Padding
from .im2col import Window, crop

CHANNELS = 5  # −row_lo, −col_lo, row_hi, col_hi, padding read
NOTHING = np.full(CHANNELS, -np.inf, dtype=np.float32)  # a unit that reads no pixel
PADDING = np.array([-np.inf] * 4 + [1.0], dtype=np.float32)  # a padding pixel


def input_map(hw: HW) -> Array:
    """The map of an H×W input: pixel (r, c) is the box [r, r] × [c, c], no padding."""
    m = np.empty((1, *hw, CHANNELS), dtype=np.float32)
    rows, cols = np.arange(hw[0], dtype=np.float32), np.arange(hw[1], dtype=np.float32)
    m[0, :, :, 0], m[0, :, :, 2] = -rows[:, None], rows[:, None]
    m[0, :, :, 1], m[0, :, :, 3] = -cols[None, :], cols[None, :]
    m[..., 4] = 0
    return m


def boxes(m: Array) -> tuple[tuple[int, int], tuple[int, int]]:
    """((row_lo, row_hi), (col_lo, col_hi)) of one unit's five numbers; (-1, -1) twice for a
    unit that reads no pixel."""
    if not np.isfinite(m[2]):
        return (-1, -1), (-1, -1)
    return (int(-m[0]), int(m[2])), (int(-m[1]), int(m[3]))


def reads_padding(m: Array) -> bool:
    return bool(m[..., 4].max(initial=-np.inf) > 0)


def padded(m: Array, padding: Padding) -> Array:
    """`m` with padding pixels around it, per side."""
    (top, bottom), (left, right) = padding
    if top == bottom == left == right == 0:
        return m
    n, h, w, c = m.shape
    out = np.empty((n, top + h + bottom, left + w + right, c), dtype=m.dtype)
    out[:, :top], out[:, top + h :] = PADDING, PADDING
    out[:, top : top + h, :left], out[:, top : top + h, left + w :] = PADDING, PADDING
    out[:, top : top + h, left : left + w] = m
    return out


def window_union(m: Array, window: Window) -> Array:
    """The union over each output's window (CONV, LOCAL, the pools): a window is a product of
    row taps and column taps, so the max over its rows, then over its columns, is exact."""
    xp = padded(m, window.padding)
    ho, wo = window.out_hw((m.shape[1], m.shape[2]))
    (fh, fw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    rows = reduce(np.maximum, (xp[:, i * dh : i * dh + sh * (ho - 1) + 1 : sh]
                               for i in range(fh)))
    return reduce(np.maximum, (rows[:, :, j * dw : j * dw + sw * (wo - 1) + 1 : sw]
                               for j in range(fw)))


def scatter_union(m: Array, window: Window, buffer_hw: HW, crop_at: Padding, out_hw: HW
                  ) -> Array:
    """DECONV's union: input unit (h, w) reaches the outputs (h·s + p·d, w·s + q·d) of its
    scatter buffer, cropped as the kernel crops it; outputs no tap reaches read nothing."""
    buf = np.empty((m.shape[0], *buffer_hw, m.shape[3]), dtype=m.dtype)
    buf[...] = NOTHING
    for i, j in window.offsets():
        taps = window.taps(i, j, (m.shape[1], m.shape[2]))
        np.maximum(buf[taps], m, out=buf[taps])
    return crop(buf, crop_at, out_hw)


def bounds_union(m: Array, rows: Sequence[tuple[int, int]], cols: Sequence[tuple[int, int]]
                 ) -> Array:
    """The adaptive pools' union over [start, end) row and column bounds (which may overlap)."""
    by_rows = np.stack([m[:, a:b].max(axis=1) for a, b in rows], axis=1)
    return np.stack([by_rows[:, :, a:b].max(axis=2) for a, b in cols], axis=2)


def union(maps: Sequence[Array]) -> Array:
    """A merge's union (ADD, MUL, CONCAT), broadcasting as the merges do: a vector beside a
    volume reaches every position."""
    volume = any(m.ndim == 4 for m in maps)
    aligned = [m.reshape(m.shape[0], 1, 1, CHANNELS) if volume and m.ndim == 2 else m
               for m in maps]
    return reduce(np.maximum, aligned)


def whole(m: Array, keepdims: bool = False) -> Array:
    """The union of every unit (FC, FLATTEN, GAP): each output reads all of them."""
    return m if m.ndim == 2 else m.max(axis=(1, 2), keepdims=keepdims)
