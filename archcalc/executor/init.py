"""Weight initialization: He (default), Xavier or a plain normal; biases start at zero.

fan_in is F_h·F_w·C_in/groups for CONV, F_h·F_w·C_in for LOCAL and DECONV, D_in for FC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import DTypeLike

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


def draw(
    shape: tuple[int, ...],
    fan_in: int,
    rng: np.random.Generator,
    init: Init = Init.HE,
    std: float = 0.01,
    dtype: DTypeLike = np.float64,
) -> Array:
    """Return an array of `shape` (float64 unless `dtype`) drawn from N(0, σ²), σ by `init`."""
    if init is Init.HE:
        std = math.sqrt(2 / fan_in)
    elif init is Init.XAVIER:
        std = math.sqrt(1 / fan_in)
    out: Array = rng.standard_normal(shape, dtype=dtype)  # type: ignore[arg-type]
    out *= np.asarray(std, dtype=out.dtype)
    return out


def conv_weights(
    kernel: HW,
    c_in: int,
    k: int,
    rng: np.random.Generator,
    *,
    groups: int = 1,
    bias: bool = True,
    init: Init = Init.HE,
    std: float = 0.01,
    dtype: DTypeLike = np.float64,
) -> dict[str, Array]:
    """CONV: w (F_h, F_w, C_in/groups, K), b (K,) zeros."""
    fan_in = kernel[0] * kernel[1] * (c_in // groups)
    w = draw((*kernel, c_in // groups, k), fan_in, rng, init, std, dtype)
    return _with_bias(w, k, bias, dtype)


def local_weights(
    out_hw: HW,
    kernel: HW,
    c_in: int,
    k: int,
    rng: np.random.Generator,
    *,
    bias: bool = True,
    init: Init = Init.HE,
    std: float = 0.01,
    dtype: DTypeLike = np.float64,
) -> dict[str, Array]:
    """LOCAL: w (H_out, W_out, F_h, F_w, C_in, K), b (H_out, W_out, K) zeros."""
    shape = (*out_hw, *kernel, c_in, k)
    w = draw(shape, kernel[0] * kernel[1] * c_in, rng, init, std, dtype)
    return {"w": w, "b": np.zeros((*out_hw, k), dtype)} if bias else {"w": w}


def deconv_weights(
    kernel: HW,
    c_in: int,
    k: int,
    rng: np.random.Generator,
    *,
    bias: bool = True,
    init: Init = Init.HE,
    std: float = 0.01,
    dtype: DTypeLike = np.float64,
) -> dict[str, Array]:
    """DECONV: w (C_in, F_h, F_w, K), b (K,) zeros.

    fan_in = F_h·F_w·C_in here; PyTorch's default init uses K·F_h·F_w (its weight's dim 1).
    """
    shape = (c_in, *kernel, k)
    w = draw(shape, kernel[0] * kernel[1] * c_in, rng, init, std, dtype)
    return _with_bias(w, k, bias, dtype)


def fc_weights(
    d_in: int,
    d_out: int,
    rng: np.random.Generator,
    *,
    bias: bool = True,
    init: Init = Init.HE,
    std: float = 0.01,
    dtype: DTypeLike = np.float64,
) -> dict[str, Array]:
    """FC: w (D_in, D_out), b (D_out,) zeros."""
    w = draw((d_in, d_out), d_in, rng, init, std, dtype)
    return _with_bias(w, d_out, bias, dtype)


def prelu_weights(c: int, value: float = 0.25) -> dict[str, Array]:
    """PRELU: alpha (C,) filled with 0.25 (He et al. 2015; PyTorch's default)."""
    return {"alpha": np.full(c, value)}


def bn_weights(c: int) -> dict[str, Array]:
    """BN: gamma (C,) ones, beta (C,) zeros (the identity at initialization)."""
    return {"gamma": np.ones(c), "beta": np.zeros(c)}


def _with_bias(w: Array, k: int, bias: bool, dtype: DTypeLike = np.float64) -> dict[str, Array]:
    return {"w": w, "b": np.zeros(k, dtype)} if bias else {"w": w}
