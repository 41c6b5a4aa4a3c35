"""DECONV (transposed convolution) kernels: the adjoint of CONV.

Weights: w (C_in, F_h, F_w, K) (input channels first, as PyTorch's ConvTranspose2d), b (K,).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fields, init
from .base import HW, NO_PADDING, Array, Grads, Padding, Weights, check_keys, spatial
from .gemm import MacCounter, gemm
from .geometry import pair
from .im2col import Window, col2im, crop, windows
from .init import Draw
from .registry import Kernel, register

Shape = tuple[int, ...]


@dataclass(frozen=True)
class DeconvCache:
    x: Array
    w: Array
    window: Window  # the scatter window; its padding is unused (cropping is in `crop_at`)
    buffer_hw: HW
    crop_at: Padding
    has_bias: bool


def _deconv_geometry(
    hw: HW, window: Window, padding: HW, output_padding: HW
) -> tuple[HW, HW]:
    """Return (output, scatter buffer) sizes; output = (H−1)·S − 2P + D·(F−1) + 1 + out_p.

    The scatter covers (H−1)·S + F' rows; output_padding rows past it stay zero (PyTorch).
    """
    span, stride = window.span(), window.stride
    full = [(hw[a] - 1) * stride[a] + span[a] for a in (0, 1)]
    out = [full[a] - 2 * padding[a] + output_padding[a] for a in (0, 1)]
    if min(out) < 1 or min(padding) < 0 or min(output_padding) < 0:
        raise ValueError(f"deconv: output size {out} from input {hw}")
    buffer = [max(full[a], padding[a] + out[a]) for a in (0, 1)]
    return (out[0], out[1]), (buffer[0], buffer[1])


def deconv_forward(
    x: Array,
    weights: Weights,
    *,
    counter: MacCounter,
    stride: HW = (1, 1),
    padding: HW = (0, 0),
    output_padding: HW = (0, 0),
    dilation: HW = (1, 1),
) -> tuple[Array, DeconvCache]:
    """y = crop_P(Σ_{h,w,p,q} scatter of x[n,h,w,:]·w[:,p,q,:] to (h·s + p·d, w·s + q·d)) + b.

    The adjoint of CONV: one product (N·H·W × C_in) @ (C_in × F_h·F_w·K), then col2im.
    padding P is symmetric per axis (PyTorch's `padding`); output_padding adds bottom/right rows.
    """
    check_keys(weights, ["w"], ["b"])
    w = weights["w"]
    c, fh, fw, k = w.shape
    if x.shape[3] != c:
        raise ValueError(f"deconv: input {x.shape} does not match weights {w.shape}")
    window = Window((fh, fw), stride, NO_PADDING, dilation)
    out_hw, buffer_hw = _deconv_geometry(spatial(x.shape), window, padding, output_padding)
    n, h, wd, _ = x.shape
    cols = gemm(x.reshape(n * h * wd, c), w.reshape(c, -1), counter, "deconv.forward")
    ybuf = col2im(cols.reshape(n, h, wd, fh, fw, k), buffer_hw, window)
    crop_at = ((padding[0], 0), (padding[1], 0))
    out = crop(ybuf, crop_at, out_hw).copy()
    if "b" in weights:
        out += weights["b"]
    return out, DeconvCache(x, w, window, buffer_hw, crop_at, "b" in weights)


def deconv_backward(
    dout: Array, cache: DeconvCache, counter: MacCounter, dw: bool = True
) -> tuple[Array, Grads]:
    """im2col of dout (zero-extended to the scatter buffer), then dx = cols·Wᵀ, dW = xᵀ·cols."""
    x, w, window = cache.x, cache.w, cache.window
    n, h, wd, c = x.shape
    (top, _), (left, _) = cache.crop_at
    dbuf = np.zeros((n, *cache.buffer_hw, dout.shape[3]), dtype=dout.dtype)
    dbuf[:, top : top + dout.shape[1], left : left + dout.shape[2], :] = dout
    cols = windows(dbuf, window)[:, :h, :wd].reshape(n * h * wd, -1)  # (M, Fh·Fw·K)
    w2 = w.reshape(c, -1)
    dx = gemm(cols, w2.T, counter, "deconv.dx").reshape(x.shape)
    grads: Grads = {}
    if dw:
        grads["w"] = gemm(x.reshape(-1, c).T, cols, counter, "deconv.dw").reshape(w.shape)
        if cache.has_bias:
            grads["b"] = dout.sum(axis=(0, 1, 2))
    return dx, grads


# ---- registration ------------------------------------------------------------------------


def _deconv_hyper(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    return {"stride": pair(layer.s), "padding": pair(layer.p),
            "output_padding": pair(layer.out_p), "dilation": pair(layer.d)}


def _deconv_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    return init.deconv_weights(pair(layer.f), x[-1], 1 if draw.thin else layer.k, draw,
                               bias=layer.bias)


def _upscale(layer: Any) -> HW:
    return pair(layer.s)


def _scatter(layer: Any, x: Shape, y: Shape) -> int:
    """The transposed conv's columns twice and its scatter buffer."""
    return 2 * x[0] * x[1] * int(layer.f.h) * int(layer.f.w) * y[2] + 2 * y[0] * y[1] * y[2]


def _field(maps: list[fields.Field], layer: Any, hyper: dict[str, Any]) -> fields.Field:
    """Each input unit reaches its scatter taps; the output is cropped as the kernel's."""
    m = maps[0]
    window = Window(pair(layer.f), hyper["stride"], NO_PADDING, hyper["dilation"])
    out_hw, buffer_hw = _deconv_geometry(spatial(m.shape), window, hyper["padding"],
                                         hyper["output_padding"])
    crop_at = ((hyper["padding"][0], 0), (hyper["padding"][1], 0))
    return fields.scatter_union(m, window, buffer_hw, crop_at, out_hw)


register(Kernel("deconv", deconv_forward, deconv_backward, _deconv_hyper, _deconv_weights,
                upscale=_upscale, transient=_scatter, arrays=2, field_map=_field))
