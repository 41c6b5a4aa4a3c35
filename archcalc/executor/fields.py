"""Field maps: for every unit of a node, the box of input pixels its value depends on and
whether any of them is padding — what the receptive-field probe reads (docs/executor.md,
"The receptive-field probe").

Every kind reads, for output unit (i, j), the units of a product set R(i) × C(j) of its input:
a window is its row taps times its column taps (stride, per-side padding, dilation, ceil
overhang), and so are DECONV's scatter, the adaptive pools' bounds, UPSAMPLE's copies and
ZEROPAD's shift; a merge reads (i, j) on every path. So a unit's box is its row interval times
its column interval, and a map is kept per axis (`Field`): for each row, and for each column,
three numbers −lo, hi and a padding flag, all combined by `max` — the union of intervals, and
padding if any read some. A unit reads padding if its row or its column does. The cost of a
node is its height plus its width, whatever the depth: one pass over the network per probe
input size.

A row whose window holds padding alone reads no pixel: its interval is empty (−∞) and its
flag set, and every unit in it reads no pixel and some padding, whatever its column reads —
which the rules keep, since a window or a union over all units takes an empty row's interval
only where it holds no other row. Two cases break the product, and raise `NotSeparable` (the
probe then reads gradient supports for that input size): a unit that reads nothing at all,
not even padding (DECONV's holes when F < S), and a merge of paths one of which has an empty
row or column, whose interval on the other axis the merged unit must not take from that path.
tests/executor/test_probe.py compares the maps with the supports of input gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np

from .base import HW, Array, Padding
from .im2col import Window

PADDING = np.array([-np.inf, -np.inf, 1.0])  # a padding row or column: no pixel, padding read


class NotSeparable(Exception):
    """The per-axis maps no longer describe every unit (see the module's docstring)."""


@dataclass(frozen=True)
class Field:
    """The per-axis map of one node: rows (H, 3) and cols (W, 3) of [−lo, hi, padding]; a
    vector (after FC, FLATTEN) holds one row and one column, its whole field."""

    rows: Array
    cols: Array
    vector: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        """The node's output shape as the kernels see it (batch 1, five numbers per unit)."""
        return (1, 5) if self.vector else (1, len(self.rows), len(self.cols), 5)

    def box(self, r: int, c: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """((row_lo, row_hi), (col_lo, col_hi)) of unit (r, c); (-1, -1) twice if it reads no
        pixel."""
        row, col = self.rows[r], self.cols[c]
        if not (np.isfinite(row[1]) and np.isfinite(col[1])):
            return (-1, -1), (-1, -1)
        return (int(-row[0]), int(row[1])), (int(-col[0]), int(col[1]))

    def empty(self) -> bool:
        """Whether some row or column reads no pixel."""
        return not (np.isfinite(self.rows[:, 1]).all() and np.isfinite(self.cols[:, 1]).all())

    def reads_padding(self, r: int, c: int) -> bool:
        return bool(self.rows[r, 2] > 0 or self.cols[c, 2] > 0)


def _axis(hw: int) -> Array:
    index = np.arange(hw, dtype=np.float64)
    return np.stack([-index, index, np.zeros(hw)], axis=1)


def input_field(hw: HW) -> Field:
    """The map of an H×W input: row r is [r, r], column c is [c, c]; no padding."""
    return Field(_axis(hw[0]), _axis(hw[1]))


def checked(f: Field) -> Field:
    """`f`, refused when a row or column reads nothing at all, not even padding."""
    if min(f.rows[:, 2].min(), f.cols[:, 2].min()) == -np.inf:
        raise NotSeparable("a unit reads nothing")
    return f


def _padded(a: Array, before: int, after: int) -> Array:
    if before == after == 0:
        return a
    out = np.empty((before + len(a) + after, 3))
    out[:before], out[before : before + len(a)], out[before + len(a) :] = PADDING, a, PADDING
    return out


def padded(f: Field, padding: Padding) -> Field:
    """`f` with padding rows and columns around it, per side."""
    return Field(_padded(f.rows, *padding[0]), _padded(f.cols, *padding[1]))


def _windowed(a: Array, kernel: int, stride: int, dilation: int, outputs: int) -> Array:
    return reduce(np.maximum, (a[t * dilation : t * dilation + stride * (outputs - 1) + 1
                                 : stride] for t in range(kernel)))


def window_union(f: Field, window: Window) -> Field:
    """The union over each output's window (CONV, LOCAL, the pools), axis by axis."""
    p = padded(f, window.padding)
    ho, wo = window.out_hw((len(f.rows), len(f.cols)))
    (fh, fw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    return Field(_windowed(p.rows, fh, sh, dh, ho), _windowed(p.cols, fw, sw, dw, wo))


def _scattered(a: Array, kernel: int, stride: int, dilation: int, buffer: int, crop_at: int,
               outputs: int) -> Array:
    out = np.full((buffer, 3), -np.inf)
    for t in range(kernel):
        taps = slice(t * dilation, t * dilation + stride * (len(a) - 1) + 1, stride)
        np.maximum(out[taps], a, out=out[taps])
    return out[crop_at : crop_at + outputs]


def scatter_union(f: Field, window: Window, buffer_hw: HW, crop_at: Padding, out_hw: HW
                  ) -> Field:
    """DECONV's union: input row h reaches the output rows h·s + p·d of its scatter buffer,
    cropped as the kernel crops it (and so for columns); rows no tap reaches read nothing."""
    (fh, fw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    return Field(_scattered(f.rows, fh, sh, dh, buffer_hw[0], crop_at[0][0], out_hw[0]),
                 _scattered(f.cols, fw, sw, dw, buffer_hw[1], crop_at[1][0], out_hw[1]))


def bounds_union(f: Field, rows: Sequence[tuple[int, int]], cols: Sequence[tuple[int, int]]
                 ) -> Field:
    """The adaptive pools' union over [start, end) row and column bounds (which may overlap)."""
    return Field(np.stack([f.rows[a:b].max(axis=0) for a, b in rows]),
                 np.stack([f.cols[a:b].max(axis=0) for a, b in cols]))


def upsampled(f: Field, factor: HW) -> Field:
    """UPSAMPLE (nearest): output row i copies input row i // s."""
    return Field(f.rows.repeat(factor[0], axis=0), f.cols.repeat(factor[1], axis=0))


def union(maps: Sequence[Field]) -> Field:
    """A merge's union (ADD, MUL, CONCAT), broadcasting as the merges do: a vector beside a
    volume reaches every position."""
    if len(maps) > 1 and any(m.empty() for m in maps):
        raise NotSeparable("a merge of a path with an empty row or column")
    return Field(reduce(np.maximum, (m.rows for m in maps)),
                 reduce(np.maximum, (m.cols for m in maps)), all(m.vector for m in maps))


def whole(f: Field, keepdims: bool = False) -> Field:
    """The union of every unit (FC, FLATTEN, GAP): each output reads all of them; `keepdims`
    (GAP) keeps a 1×1 volume."""
    return Field(f.rows.max(axis=0, keepdims=True), f.cols.max(axis=0, keepdims=True),
                 vector=f.vector or not keepdims)
