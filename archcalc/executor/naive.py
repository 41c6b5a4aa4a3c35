"""Readable loop kernels (forward only), the oracles the im2col kernels are tested against.

Same layouts and hyperparameters as conv.py and pool.py; loops over output pixels, as in
cs231n's conv_forward_naive. Used by tests only: slow by design.
"""

from __future__ import annotations

import numpy as np

from .base import HW, NO_PADDING, Array, Padding


def _pad(x: Array, padding: Padding, value: float = 0.0) -> Array:
    return np.pad(x, ((0, 0), padding[0], padding[1], (0, 0)), constant_values=value)


def conv_naive(
    x: Array,
    w: Array,
    b: Array | None = None,
    stride: HW = (1, 1),
    padding: Padding = NO_PADDING,
    dilation: HW = (1, 1),
    groups: int = 1,
) -> Array:
    """out[n,i,j,k] = b[k] + Σ_{p,q,c} x_pad[n, i·s_h + p·d_h, j·s_w + q·d_w, g·C_g + c]·w[p,q,c,k].

    g = k // (K/G); H_out = (H + P_t + P_b − D·(F−1) − 1)//S + 1.
    """
    fh, fw, cg, k = w.shape
    xp = _pad(x, padding)
    ho = (xp.shape[1] - dilation[0] * (fh - 1) - 1) // stride[0] + 1
    wo = (xp.shape[2] - dilation[1] * (fw - 1) - 1) // stride[1] + 1
    out = np.zeros((x.shape[0], ho, wo, k))
    for n in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                rows = i * stride[0] + dilation[0] * np.arange(fh)
                cols = j * stride[1] + dilation[1] * np.arange(fw)
                patch = xp[n][np.ix_(rows, cols)]  # (F_h, F_w, C)
                for kk in range(k):
                    g = kk // (k // groups)
                    out[n, i, j, kk] = np.sum(patch[:, :, g * cg : (g + 1) * cg] * w[..., kk])
    return out if b is None else out + b


def local_naive(
    x: Array,
    w: Array,
    b: Array | None = None,
    stride: HW = (1, 1),
    padding: Padding = NO_PADDING,
) -> Array:
    """out[n,i,j,k] = b[i,j,k] + Σ_{p,q,c} x_pad[n, i·s_h + p, j·s_w + q, c]·w[i,j,p,q,c,k]."""
    ho, wo, fh, fw, _, k = w.shape
    xp = _pad(x, padding)
    out = np.zeros((x.shape[0], ho, wo, k))
    for n in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                r, s = i * stride[0], j * stride[1]
                patch = xp[n, r : r + fh, s : s + fw, :]
                for kk in range(k):
                    out[n, i, j, kk] = np.sum(patch * w[i, j, ..., kk])
    return out if b is None else out + b


def deconv_naive(
    x: Array,
    w: Array,
    b: Array | None = None,
    stride: HW = (1, 1),
    padding: HW = (0, 0),
    output_padding: HW = (0, 0),
    dilation: HW = (1, 1),
) -> Array:
    """Scatter: y_full[n, h·s_h + p·d_h, v·s_w + q·d_w, :] += x[n,h,v,:] @ w[:,p,q,:]; then crop.

    y = y_full[P_h : P_h + H_out, P_w : P_w + W_out] (rows past y_full are zero) + b, with
    H_out = (H − 1)·S − 2P + D·(F − 1) + 1 + out_p (PyTorch's ConvTranspose2d).
    """
    n_, h, v, _ = x.shape
    _, fh, fw, k = w.shape
    ho = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (fh - 1) + 1 + output_padding[0]
    wo = (v - 1) * stride[1] - 2 * padding[1] + dilation[1] * (fw - 1) + 1 + output_padding[1]
    full = np.zeros(
        (
            n_,
            padding[0] + ho + h * stride[0] + fh * dilation[0],
            padding[1] + wo + v * stride[1] + fw * dilation[1],
            k,
        )
    )
    for n in range(n_):
        for i in range(h):
            for j in range(v):
                for p in range(fh):
                    for q in range(fw):
                        r, s = i * stride[0] + p * dilation[0], j * stride[1] + q * dilation[1]
                        full[n, r, s, :] += x[n, i, j, :] @ w[:, p, q, :]
    out = full[:, padding[0] : padding[0] + ho, padding[1] : padding[1] + wo, :]
    return out if b is None else out + b


def _pool_bounds(
    i: int, f: int, s: int, pad_before: int, pad_after: int, size: int
) -> tuple[int, int, int]:
    """PyTorch's avg_pool2d bounds: (start, end) clipped to the input, and the divisor length."""
    start = i * s - pad_before
    end = min(start + f, size + pad_after)  # the overhang past the padding is not counted
    return max(start, 0), min(end, size), end - start


def pool_naive(
    x: Array,
    kernel: HW,
    stride: HW,
    padding: Padding = NO_PADDING,
    overhang: HW = (0, 0),
    mode: str = "max",
) -> Array:
    """Max: max over the window's input pixels (padding = −inf). Avg: Σ / divisor, where the
    divisor counts the window's pixels in input + padding but not in the overhang (PyTorch).
    """
    n_, h, v, c = x.shape
    (pt, pb), (pl, pr) = padding
    ho = (h + pt + pb + overhang[0] - kernel[0]) // stride[0] + 1
    wo = (v + pl + pr + overhang[1] - kernel[1]) // stride[1] + 1
    out = np.zeros((n_, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            r0, r1, count_h = _pool_bounds(i, kernel[0], stride[0], pt, pb, h)
            s0, s1, count_w = _pool_bounds(j, kernel[1], stride[1], pl, pr, v)
            patch = x[:, r0:r1, s0:s1, :]
            if mode == "max":
                out[:, i, j, :] = patch.max(axis=(1, 2), initial=-np.inf)
            else:
                out[:, i, j, :] = patch.sum(axis=(1, 2)) / (count_h * count_w)
    return out
