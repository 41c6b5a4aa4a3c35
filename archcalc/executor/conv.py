"""CONV (grouped, dilated) and LOCAL (unshared weights) kernels; DECONV is in deconv.py.

Weights: CONV w (F_h, F_w, C_in/groups, K) as Keras/TF's HWIO, b (K,); LOCAL w
(H_out, W_out, F_h, F_w, C_in, K), b (H_out, W_out, K) as Keras LocallyConnected2D.
Both are cross-correlations (no kernel flip), as in every framework and the CS231n slides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fields, init
from .base import HW, NO_PADDING, Array, Grads, Padding, Weights, check_keys, spatial
from .gemm import MacCounter, gemm
from .geometry import padded_elements, pair, windowed
from .im2col import Window, col2im, col2im_channels_first, crop, pad, windows
from .init import Draw
from .registry import Kernel, register

FEW_CHANNELS = 4  # up to this many input channels, dx's columns are laid out channels-first


@dataclass(frozen=True)
class ConvCache:
    x: Array  # not the im2col matrix (F_h·F_w times bigger): backward rebuilds it
    w: Array
    window: Window
    groups: int
    has_bias: bool
    pad_value: float = 0.0


def _grouped_cols(x: Array, window: Window, groups: int, pad_value: float = 0.0) -> Array:
    """im2col per group: (G, N·H_out·W_out, F_h·F_w·C_in/G)."""
    view = windows(pad(x, window.padding, pad_value), window)  # (N, Ho, Wo, Fh, Fw, C)
    n, ho, wo, fh, fw, c = view.shape
    grouped = view.reshape(n * ho * wo, fh, fw, groups, c // groups)
    return grouped.transpose(3, 0, 1, 2, 4).reshape(groups, n * ho * wo, -1)


def _grouped_w(w: Array, groups: int) -> Array:
    """(F_h, F_w, C_g, K) -> (G, F_h·F_w·C_g, K/G); group g makes channels g·K/G … (PyTorch)."""
    fh, fw, cg, k = w.shape
    return w.reshape(fh * fw * cg, groups, k // groups).transpose(1, 0, 2)


def conv_forward(
    x: Array,
    weights: Weights,
    *,
    counter: MacCounter,
    stride: HW = (1, 1),
    padding: Padding = NO_PADDING,
    dilation: HW = (1, 1),
    groups: int = 1,
    pad_value: float = 0.0,
) -> tuple[Array, ConvCache]:
    """out[n,i,j,k] = b[k] + Σ_{p,q,c} x_pad[n, i·s_h + p·d_h, j·s_w + q·d_w, g·C_g + c]·w[p,q,c,k].

    (N, H, W, C) -> (N, H_out, W_out, K), H_out = (H + P_t + P_b − F')//S + 1; g = k // (K/G).
    One product per group: im2col (M × F_h·F_w·C_g) @ (F_h·F_w·C_g × K/G), M = N·H_out·W_out.
    `pad_value` fills the padding (0; the RF probe uses NaN to see which outputs read it).
    """
    check_keys(weights, ["w"], ["b"])
    w = weights["w"]
    fh, fw, cg, k = w.shape
    if x.shape[3] != cg * groups or k % groups:
        raise ValueError(f"conv: input {x.shape}, weights {w.shape}, groups={groups}")
    window = Window((fh, fw), stride, padding, dilation)
    ho, wo = window.out_hw(spatial(x.shape))
    cols = _grouped_cols(x, window, groups, pad_value)
    out = gemm(cols, _grouped_w(w, groups), counter, "conv.forward")
    # contiguous (N, H', W', K), as every kernel's output: a FLATTEN after it stays a view
    out = np.ascontiguousarray(out.transpose(1, 0, 2)).reshape(x.shape[0], ho, wo, k)
    if "b" in weights:
        out += weights["b"]
    return out, ConvCache(x, w, window, groups, "b" in weights, pad_value)


def conv_backward(
    dout: Array, cache: ConvCache, counter: MacCounter, dw: bool = True
) -> tuple[Array, Grads]:
    """dW = colsᵀ·dout and dcols = dout·Wᵀ per group, then col2im; db = Σ_{n,i,j} dout.

    With dw=False only dx is computed (grads is empty): the receptive-field probe's pass.
    """
    x, w, window, groups = cache.x, cache.w, cache.window, cache.groups
    fh, fw, cg, k = w.shape
    n, ho, wo, _ = dout.shape
    d2 = dout.reshape(n * ho * wo, groups, k // groups).transpose(1, 0, 2)  # (G, M, K/G)
    grads: Grads = {}
    if dw:
        cols = _grouped_cols(x, window, groups, cache.pad_value)
        dwg = gemm(cols.transpose(0, 2, 1), d2, counter, "conv.dw")  # (G, Fh·Fw·Cg, K/G)
        grads["w"] = dwg.reshape(groups, fh, fw, cg, k // groups).transpose(1, 2, 3, 0, 4) \
            .reshape(w.shape)
        if cache.has_bias:
            grads["b"] = dout.sum(axis=(0, 1, 2))
    padded_hw = window.padded_hw(spatial(x.shape))
    if cg * groups <= FEW_CHANNELS:  # columns channels-first: W·dout per group, (G, F²C_g, M)
        dcols = gemm(_grouped_w(w, groups), d2.transpose(0, 2, 1), counter, "conv.dx")
        dcols = dcols.reshape(groups, fh, fw, cg, n, ho, wo).transpose(1, 2, 0, 3, 4, 5, 6)
        dxp = col2im_channels_first(dcols.reshape(fh, fw, groups * cg, n, ho, wo), padded_hw,
                                    window)
    else:
        dcols = gemm(d2, _grouped_w(w, groups).transpose(0, 2, 1), counter, "conv.dx")
        dcols = dcols.reshape(groups, n, ho, wo, fh, fw, cg).transpose(1, 2, 3, 4, 5, 0, 6)
        dxp = col2im(dcols.reshape(n, ho, wo, fh, fw, cg * groups), padded_hw, window)
    return crop(dxp, window.padding, spatial(x.shape)), grads


@dataclass(frozen=True)
class LocalCache:
    x: Array
    w: Array
    window: Window
    has_bias: bool
    pad_value: float = 0.0


def _position_cols(x: Array, window: Window, pad_value: float = 0.0) -> Array:
    """im2col per output position: (H_out·W_out, N, F_h·F_w·C)."""
    view = windows(pad(x, window.padding, pad_value), window)
    n, ho, wo = view.shape[:3]
    return view.reshape(n, ho * wo, -1).transpose(1, 0, 2)


def local_forward(
    x: Array,
    weights: Weights,
    *,
    counter: MacCounter,
    stride: HW = (1, 1),
    padding: Padding = NO_PADDING,
    pad_value: float = 0.0,
) -> tuple[Array, LocalCache]:
    """out[n,i,j,k] = b[i,j,k] + Σ_{p,q,c} x_pad[n, i·s_h + p, j·s_w + q, c]·w[i,j,p,q,c,k].

    One batched product over the H_out·W_out positions: (N × F_h·F_w·C) @ (F_h·F_w·C × K) each.
    """
    check_keys(weights, ["w"], ["b"])
    w = weights["w"]
    ho, wo, fh, fw, c, k = w.shape
    window = Window((fh, fw), stride, padding)
    if window.out_hw(spatial(x.shape)) != (ho, wo) or x.shape[3] != c:
        raise ValueError(f"local: input {x.shape} does not match weights {w.shape}")
    wmat = w.reshape(ho * wo, fh * fw * c, k)
    out = gemm(_position_cols(x, window, pad_value), wmat, counter, "local.forward")  # (P, N, K)
    # contiguous (N, H', W', K), as every kernel's output: a FLATTEN after it stays a view
    out = np.ascontiguousarray(out.transpose(1, 0, 2)).reshape(x.shape[0], ho, wo, k)
    if "b" in weights:
        out += weights["b"]
    return out, LocalCache(x, w, window, "b" in weights, pad_value)


def local_backward(
    dout: Array, cache: LocalCache, counter: MacCounter, dw: bool = True
) -> tuple[Array, Grads]:
    """Per position: dW = colsᵀ·dout, dcols = dout·Wᵀ, then col2im; db = Σ_n dout."""
    x, w, window = cache.x, cache.w, cache.window
    ho, wo, fh, fw, c, k = w.shape
    n = x.shape[0]
    d2 = dout.reshape(n, ho * wo, k).transpose(1, 0, 2)  # (P, N, K)
    grads: Grads = {}
    if dw:
        cols = _position_cols(x, window, cache.pad_value)
        grads["w"] = gemm(cols.transpose(0, 2, 1), d2, counter, "local.dw").reshape(w.shape)
        if cache.has_bias:
            grads["b"] = dout.sum(axis=0)
    wmat = w.reshape(ho * wo, fh * fw * c, k)
    dcols = gemm(d2, wmat.transpose(0, 2, 1), counter, "local.dx")  # (P, N, Fh·Fw·C)
    dcols = dcols.transpose(1, 0, 2).reshape(n, ho, wo, fh, fw, c)
    dxp = col2im(dcols, window.padded_hw(spatial(x.shape)), window)
    return crop(dxp, window.padding, spatial(x.shape)), grads


# ---- registration: the layer's fields as hyperparameters, weights, facts ---------------------

Shape = tuple[int, ...]


def _conv_hyper(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    g = windowed(layer, (shape[0], shape[1]))
    return {"stride": g.stride, "padding": g.padding, "dilation": g.dilation,
            "groups": 1 if thin else layer.groups}


def _conv_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    k, groups = (1, 1) if draw.thin else (layer.k, layer.groups)
    return init.conv_weights(pair(layer.f), x[-1], k, draw, groups=groups, bias=layer.bias)


def _local_hyper(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    g = windowed(layer, (shape[0], shape[1]))
    return {"stride": g.stride, "padding": g.padding}


def _local_weights(layer: Any, x: Shape, draw: Draw) -> dict[str, Array]:
    g = windowed(layer, (x[0], x[1]))
    out_hw = Window(g.kernel, g.stride, g.padding).out_hw((x[0], x[1]))
    return init.local_weights(out_hw, g.kernel, x[-1], 1 if draw.thin else layer.k, draw,
                              bias=layer.bias)


def _window_stride(layer: Any) -> HW:
    return pair(layer.s)


def _columns(layer: Any, x: Shape, y: Shape) -> int:
    """im2col columns twice (forward and dx) and the padded input twice (forward and dx)."""
    return 2 * y[0] * y[1] * int(layer.f.h) * int(layer.f.w) * x[2] + 2 * padded_elements(layer, x)


def _field(maps: list[fields.Field], layer: Any, hyper: dict[str, Any]) -> fields.Field:
    """Each output unit reads its window (all taps: no weight of a field is structurally 0)."""
    window = Window(pair(layer.f), hyper["stride"], hyper["padding"],
                    hyper.get("dilation", (1, 1)))  # LOCAL has no dilation
    return fields.window_union(maps[0], window)


register(Kernel("conv", conv_forward, conv_backward, _conv_hyper, _conv_weights,
                stride=_window_stride, transient=_columns, arrays=2, field_map=_field))
register(Kernel("local", local_forward, local_backward, _local_hyper, _local_weights,
                stride=_window_stride, transient=_columns, arrays=2, field_map=_field))
