"""MAXPOOL, AVGPOOL and GAP kernels: element-wise max/sum over the F_h·F_w strided views.

`overhang` is the extra bottom/right margin that ceil-mode output sizes need (Caffe's and
PyTorch's ceil_mode): it is padding that AVGPOOL does not count in its divisor, whereas the
ordinary padding is counted (PyTorch's count_include_pad=True). MAXPOOL pads with −inf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fields
from .base import HW, NO_PADDING, Array, Padding, spatial
from .geometry import padded_elements, pair, windowed
from .im2col import Window, crop, pad, tap_sum
from .registry import Kernel, copies, register


def _window(hw: HW, kernel: HW, stride: HW, padding: Padding, overhang: HW) -> Window:
    """The window over the input padded per side plus the ceil overhang (bottom, right).

    Every window must start inside the input or its top/left padding: PyTorch drops a last
    ceil-mode window that would not, so the caller's overhang must not create one.
    """
    (top, bottom), (left, right) = padding
    window = Window(kernel, stride, ((top, bottom + overhang[0]), (left, right + overhang[1])))
    last = [(n - 1) * s for n, s in zip(window.out_hw(hw), stride, strict=True)]
    if last[0] >= hw[0] + top or last[1] >= hw[1] + left:
        raise ValueError(f"pool: overhang {overhang} adds a window that starts past the input")
    return window


@dataclass(frozen=True)
class MaxPoolCache:
    x_shape: tuple[int, ...]
    window: Window
    argmax: Array  # (N, H_out, W_out, C): index of the winning offset, row-major in the kernel


def maxpool_forward(
    x: Array,
    *,
    kernel: HW,
    stride: HW,
    padding: Padding = NO_PADDING,
    overhang: HW = (0, 0),
) -> tuple[Array, MaxPoolCache]:
    """out[n,i,j,c] = max_{p,q} x_pad[n, i·s_h + p, j·s_w + q, c], padding = −inf.

    Ties go to the first offset in row-major order (PyTorch's CPU kernel does the same).
    """
    window = _window(spatial(x.shape), kernel, stride, padding, overhang)
    xp = pad(x, window.padding, -np.inf)
    out_hw = window.out_hw(spatial(x.shape))
    out = np.full((x.shape[0], *out_hw, x.shape[3]), -np.inf, dtype=x.dtype)
    argmax = np.zeros(out.shape, dtype=np.min_scalar_type(kernel[0] * kernel[1] - 1))
    for index, (i, j) in enumerate(window.offsets()):
        tap = xp[window.taps(i, j, out_hw)]
        better = tap > out
        out = np.where(better, tap, out)
        argmax[better] = index
    return out, MaxPoolCache(x.shape, window, argmax)


def maxpool_backward(dout: Array, cache: MaxPoolCache) -> Array:
    """Route each output gradient to the input pixel that won the max."""
    window, hw = cache.window, spatial(cache.x_shape)
    dxp = np.zeros((cache.x_shape[0], *window.padded_hw(hw), cache.x_shape[3]), dout.dtype)
    for index, (i, j) in enumerate(window.offsets()):
        dxp[window.taps(i, j, spatial(dout.shape))] += np.where(cache.argmax == index, dout, 0)
    return crop(dxp, window.padding, hw)


@dataclass(frozen=True)
class AvgPoolCache:
    x_shape: tuple[int, ...]
    window: Window
    divisor: Array  # (H_out, W_out, 1)


def _divisor(window: Window, hw: HW, overhang: HW, dtype: np.dtype[Any]) -> Array:
    """Per output: how many window pixels lie in the input or its padding (not the overhang)."""
    hp, wp = window.padded_hw(hw)
    counted = np.zeros((1, hp, wp, 1), dtype=dtype)
    counted[:, : hp - overhang[0], : wp - overhang[1], :] = 1.0
    divisor: Array = tap_sum(counted, window, window.out_hw(hw))[0]
    return divisor


def avgpool_forward(
    x: Array,
    *,
    kernel: HW,
    stride: HW,
    padding: Padding = NO_PADDING,
    overhang: HW = (0, 0),
    pad_value: float = 0.0,
) -> tuple[Array, AvgPoolCache]:
    """out[n,i,j,c] = Σ_{p,q} x_pad[n, i·s_h + p, j·s_w + q, c] / divisor[i,j].

    divisor = window pixels inside input + padding (count_include_pad=True), overhang excluded.
    `pad_value` fills padding and overhang (0; the RF probe's NaN shows which outputs read it).
    """
    window = _window(spatial(x.shape), kernel, stride, padding, overhang)
    xp = pad(x, window.padding, pad_value)
    out_hw = window.out_hw(spatial(x.shape))
    total = tap_sum(xp, window, out_hw)
    divisor = _divisor(window, spatial(x.shape), overhang, x.dtype)
    return total / divisor, AvgPoolCache(x.shape, window, divisor)


def avgpool_backward(dout: Array, cache: AvgPoolCache) -> Array:
    """Spread dout / divisor over every pixel of each window."""
    window, hw = cache.window, spatial(cache.x_shape)
    share = dout / cache.divisor
    dxp = np.zeros((cache.x_shape[0], *window.padded_hw(hw), cache.x_shape[3]), dout.dtype)
    for i, j in window.offsets():
        dxp[window.taps(i, j, spatial(dout.shape))] += share
    return crop(dxp, window.padding, hw)


@dataclass(frozen=True)
class GapCache:
    x_shape: tuple[int, ...]


def gap_forward(x: Array) -> tuple[Array, GapCache]:
    """Global average pooling: (N, H, W, C) -> (N, 1, 1, C), the mean over H and W."""
    return x.mean(axis=(1, 2), keepdims=True), GapCache(x.shape)


def gap_backward(dout: Array, cache: GapCache) -> Array:
    """dx[n,h,w,c] = dout[n,0,0,c] / (H·W)."""
    h, w = cache.x_shape[1:3]
    return np.broadcast_to(dout / (h * w), cache.x_shape).copy()


# ---- registration ------------------------------------------------------------------------


def _pool_hyper(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    g = windowed(layer, (shape[0], shape[1]))
    return {"kernel": g.kernel, "stride": g.stride, "padding": g.padding,
            "overhang": g.overhang}


def _padded(layer: Any, x: tuple[int, ...], y: tuple[int, ...]) -> int:
    """The padded input twice (forward, and dx in backward), and copies of input and output."""
    return 2 * padded_elements(layer, x) + copies(layer, x, y)


def _pool_stride(layer: Any) -> HW:
    return pair(layer.s) if layer.s is not None else pair(layer.f)


def _field(maps: list[fields.Field], layer: Any, hyper: dict[str, Any]) -> fields.Field:
    """Each output reads its window; the ceil overhang is padding."""
    m = maps[0]
    return fields.window_union(m, _window(spatial(m.shape), hyper["kernel"], hyper["stride"],
                                          hyper["padding"], hyper["overhang"]))


def _gap_field(maps: list[fields.Field], layer: Any, hyper: dict[str, Any]) -> fields.Field:
    return fields.whole(maps[0], keepdims=True)


register(Kernel("maxpool", maxpool_forward, maxpool_backward, _pool_hyper, probe="avgpool",
                workspace=0.5, stride=_pool_stride, transient=_padded, field_map=_field))
register(Kernel("avgpool", avgpool_forward, avgpool_backward, _pool_hyper, stride=_pool_stride,
                transient=_padded, field_map=_field))
register(Kernel("gap", gap_forward, gap_backward, collapses=True, field_map=_gap_field))
