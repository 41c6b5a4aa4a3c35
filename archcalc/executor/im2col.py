"""Sliding windows over NHWC volumes: padding, im2col as a strided view, col2im as a sum.

Window geometry follows cs231n/PyTorch: a kernel F with dilation D spans F' = D·(F−1) + 1
pixels, and a padded length L gives (L − F')//S + 1 windows (floor, as PyTorch/TF).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .base import HW, NO_PADDING, Array, Padding, spatial


@dataclass(frozen=True)
class Window:
    """Geometry of a sliding window over (H, W): kernel, stride, per-side padding, dilation."""

    kernel: HW
    stride: HW = (1, 1)
    padding: Padding = NO_PADDING
    dilation: HW = (1, 1)

    def span(self) -> HW:
        """F' = D·(F−1) + 1 per axis."""
        (fh, fw), (dh, dw) = self.kernel, self.dilation
        return dh * (fh - 1) + 1, dw * (fw - 1) + 1

    def padded_hw(self, hw: HW) -> HW:
        (top, bottom), (left, right) = self.padding
        return hw[0] + top + bottom, hw[1] + left + right

    def out_hw(self, hw: HW) -> HW:
        """(H + P_top + P_bottom − F')//S + 1 per axis; raises if the kernel does not fit."""
        (hp, wp), (eh, ew), (sh, sw) = self.padded_hw(hw), self.span(), self.stride
        if hp < eh or wp < ew:
            raise ValueError(f"window {self.kernel} (span {eh}x{ew}) exceeds input {hp}x{wp}")
        return (hp - eh) // sh + 1, (wp - ew) // sw + 1

    def offsets(self) -> Iterator[HW]:
        """Kernel offsets (i, j) in row-major order."""
        for i in range(self.kernel[0]):
            for j in range(self.kernel[1]):
                yield i, j

    def taps(self, i: int, j: int, out_hw: HW) -> tuple[slice, slice, slice]:
        """Index of the padded-input pixels that kernel offset (i, j) meets, one per output."""
        (sh, sw), (dh, dw), (ho, wo) = self.stride, self.dilation, out_hw
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        cols = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
        return slice(None), rows, cols


def pad(x: Array, padding: Padding, value: float = 0.0) -> Array:
    """Pad the H and W axes of an (N, H, W, C) array per side with a constant."""
    if padding == NO_PADDING:
        return x
    return np.pad(x, ((0, 0), padding[0], padding[1], (0, 0)), constant_values=value)


def crop(xp: Array, padding: Padding, hw: HW) -> Array:
    """Undo `pad`: the (H, W) interior of a padded (N, Hp, Wp, C) array."""
    (top, _), (left, _) = padding
    return xp[:, top : top + hw[0], left : left + hw[1], :]


def windows(xp: Array, window: Window) -> Array:
    """Return the read-only strided view (N, H_out, W_out, F_h, F_w, C) of padded `xp`."""
    (eh, ew), (sh, sw), (dh, dw) = window.span(), window.stride, window.dilation
    window.out_hw(spatial(xp.shape))  # validates the fit
    view = sliding_window_view(xp, (eh, ew), axis=(1, 2))  # (N, Hp−eh+1, Wp−ew+1, C, eh, ew)
    return view[:, ::sh, ::sw, :, ::dh, ::dw].transpose(0, 1, 2, 4, 5, 3)


def im2col(xp: Array, window: Window) -> Array:
    """Return the im2col matrix (N·H_out·W_out, F_h·F_w·C) of padded `xp`, columns (F_h, F_w, C)."""
    view = windows(xp, window)
    return view.reshape(-1, np.prod(view.shape[3:]))


def tap_sum(xp: Array, window: Window, out_hw: HW) -> Array:
    """Σ over kernel offsets of the pixels each output's window meets: (N, H_out, W_out, C)."""
    total = np.zeros((xp.shape[0], *out_hw, xp.shape[3]), dtype=xp.dtype)
    for i, j in window.offsets():
        total += xp[window.taps(i, j, out_hw)]
    return total


def col2im(cols: Array, padded_hw: HW, window: Window) -> Array:
    """Sum (N, H_out, W_out, F_h, F_w, C) columns back into an (N, Hp, Wp, C) padded array.

    The adjoint of `windows`: one strided add per kernel offset, never a loop over pixels.
    """
    n, ho, wo, _, _, c = cols.shape
    out = np.zeros((n, *padded_hw, c), dtype=cols.dtype)
    for i, j in window.offsets():
        out[window.taps(i, j, (ho, wo))] += cols[:, :, :, i, j, :]
    return out


def col2im_channels_first(cols: Array, padded_hw: HW, window: Window) -> Array:
    """`col2im` for columns laid out (F_h, F_w, C, N, H_out, W_out): with few channels each
    offset's slab is contiguous along W_out, which the channels-last layout is not."""
    _, _, c, n, ho, wo = cols.shape
    out = np.zeros((n, *padded_hw, c), dtype=cols.dtype)
    for i, j in window.offsets():
        out[window.taps(i, j, (ho, wo))] += cols[i, j].transpose(1, 2, 3, 0)
    return out
