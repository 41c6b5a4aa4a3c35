"""Weight initialization: He (default), Xavier or a plain normal; biases start at zero.

fan_in is F_h·F_w·C_in/groups for CONV, F_h·F_w·C_in for LOCAL and DECONV, D_in for FC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .base import HW, Array


class Init(StrEnum):
    """How to draw weights: N(0, σ²) with σ from fan_in (HE, XAVIER) or given (NORMAL)."""

    HE = "he"  # Var = 2/fan_in (He et al. 2015, for ReLU networks)
    # Var = 1/fan_in: the slide's `np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)`
    XAVIER = "xavier"
    NORMAL = "normal"  # σ = std, the slide's `0.01 * np.random.randn(D, H)`


@dataclass(frozen=True)
class Draw:
    """How to draw a node's weights: He/Xavier/normal in `dtype`; `thin` makes the one-channel
    weights of the RF probe's network."""

    rng: np.random.Generator
    init: Init = Init.HE
    std: float = 0.01
    thin: bool = False
    dtype: str = "float64"


def normal(shape: tuple[int, ...], fan_in: int, how: Draw) -> Array:
    """An array of `shape` in the draw's dtype from N(0, σ²), σ by its init (He: √(2/fan_in),
    Xavier: √(1/fan_in), normal: its std)."""
    std = {Init.HE: math.sqrt(2 / fan_in), Init.XAVIER: math.sqrt(1 / fan_in)}.get(how.init,
                                                                                  how.std)
    out: Array = how.rng.standard_normal(shape, dtype=how.dtype)  # type: ignore[call-overload]
    out *= np.asarray(std, dtype=out.dtype)
    return out


def conv_weights(kernel: HW, c_in: int, k: int, how: Draw, *, groups: int = 1,
                 bias: bool = True) -> dict[str, Array]:
    """CONV: w (F_h, F_w, C_in/groups, K), b (K,) zeros."""
    w = normal((*kernel, c_in // groups, k), kernel[0] * kernel[1] * (c_in // groups), how)
    return _with_bias(w, (k,), bias, how)


def local_weights(out_hw: HW, kernel: HW, c_in: int, k: int, how: Draw, *, bias: bool = True
                  ) -> dict[str, Array]:
    """LOCAL: w (H_out, W_out, F_h, F_w, C_in, K), b (H_out, W_out, K) zeros."""
    w = normal((*out_hw, *kernel, c_in, k), kernel[0] * kernel[1] * c_in, how)
    return _with_bias(w, (*out_hw, k), bias, how)


def deconv_weights(kernel: HW, c_in: int, k: int, how: Draw, *, bias: bool = True
                   ) -> dict[str, Array]:
    """DECONV: w (C_in, F_h, F_w, K), b (K,) zeros.

    fan_in = F_h·F_w·C_in here; PyTorch's default init uses K·F_h·F_w (its weight's dim 1).
    """
    w = normal((c_in, *kernel, k), kernel[0] * kernel[1] * c_in, how)
    return _with_bias(w, (k,), bias, how)


def fc_weights(d_in: int, d_out: int, how: Draw, *, bias: bool = True) -> dict[str, Array]:
    """FC: w (D_in, D_out), b (D_out,) zeros."""
    return _with_bias(normal((d_in, d_out), d_in, how), (d_out,), bias, how)


def _with_bias(w: Array, shape: tuple[int, ...], bias: bool, how: Draw) -> dict[str, Array]:
    return {"w": w, "b": np.zeros(shape, how.dtype)} if bias else {"w": w}
