"""Gated activation kernels: SILU, GELU, HARDSWISH (x times a gate of x), and the error function
GELU needs (NumPy has no vectorized erf; SciPy is not a dependency).

Each backward needs x itself, so each cache keeps a private copy of x, made whether or not the
kernel runs in place: a cache holding x's own buffer would stop later in-place kinds from
writing into it, which the static rule (a copy blocks nothing) does not foresee.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Array
from .registry import Kernel, register

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-638, as in his SPECFUN routine CALERF (netlib.org/specfun/erf): near-minimax
# rational functions, highest coefficient first here, accurate to ~1e-18 in exact arithmetic.
_SMALL = 0.46875  # |x| ≤ this: erf(x) = x·A(x²)/B(x²)
_A = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
      3.77485237685302021e02, 3.20937758913846947e03)
_B = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
# _SMALL < |x| ≤ 4: erfc(|x|) = exp(−x²)·C(|x|)/D(|x|)
_C = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
      6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
      1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_D = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
# |x| > 4, z = 1/x²: erfc(|x|) = exp(−x²)/|x|·(1/√π − z·P(z)/Q(z))
_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
      1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_Q = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_BIG = 26.543  # past this erfc(x) is below the least normal double: 0 (Cody's XBIG)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_TANH_CUBIC = 0.044715  # Hendrycks & Gimpel's cubic coefficient, as PyTorch's


def _ratio(num: tuple[float, ...], den: tuple[float, ...], t: Array) -> Array:
    """num(t)/den(t), each polynomial evaluated by Horner's rule as in CALERF."""
    ratio: Array = np.polyval(num, t) / np.polyval(den, t)
    return ratio


def _exp_minus_square(y: Array) -> Array:
    """exp(−y²) as exp(−s²)·exp(−(y − s)(y + s)), s = y rounded down to 1/16: Cody's split,
    which keeps the rounding error of y² out of the exponent."""
    s = np.trunc(y * 16) / 16
    result: Array = np.exp(-s * s) * np.exp(-(y - s) * (y + s))
    return result


def _erfc_positive(y: Array) -> Array:
    """erfc(y) for y > _SMALL (NaN stays NaN)."""
    result = np.zeros_like(y)
    middle, tail = y <= 4, (y > 4) & (y < _BIG)
    ym, yt = y[middle], y[tail]
    result[middle] = _exp_minus_square(ym) * _ratio(_C, _D, ym)
    z = 1 / (yt * yt)
    result[tail] = _exp_minus_square(yt) / yt * (1 / math.sqrt(math.pi) - z * _ratio(_P, _Q, z))
    result[np.isnan(y)] = np.nan
    return result


def _erf_small(x: Array) -> Array:
    """erf(x) for |x| ≤ _SMALL."""
    result: Array = x * _ratio(_A, _B, x * x)
    return result


def erf(x: Array) -> Array:
    """The error function, element-wise, in float64 (Cody's CALERF): its relative error is
    within a few ulps of math.erf (tests/executor/test_known_activation.py)."""
    x = np.asarray(x, dtype=np.float64)
    result = np.empty_like(x)
    small = np.abs(x) <= _SMALL
    result[small] = _erf_small(x[small])
    large = x[~small]
    result[~small] = np.copysign((0.5 - _erfc_positive(np.abs(large))) + 0.5, large)
    return result


def erfc(x: Array) -> Array:
    """1 − erf(x), element-wise, in float64, without the cancellation of 1 − erf(x) for x ≫ 0:
    erfc(−x) = 2 − erfc(x) (Cody's CALERF)."""
    x = np.asarray(x, dtype=np.float64)
    result = np.empty_like(x)
    small = np.abs(x) <= _SMALL
    result[small] = 1 - _erf_small(x[small])
    large = x[~small]
    tail = _erfc_positive(np.abs(large))
    result[~small] = np.where(large > 0, tail, 2 - tail)
    return result


@dataclass(frozen=True)
class InputCache:
    x: Array  # a private copy of the input


def _into(result: Array, x: Array, out: Array | None) -> Array:
    """`result` in x's dtype, copied into `out` when one is given."""
    if out is None:
        return result.astype(x.dtype, copy=False)
    np.copyto(out, result)
    return out


def _sigmoid(x: Array) -> Array:
    """1 / (1 + exp(−x)), without overflow."""
    e = np.exp(-np.abs(x))
    result: Array = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return result


def silu_forward(x: Array, *, out: Array | None = None) -> tuple[Array, InputCache]:
    """out = x·σ(x) (PyTorch silu)."""
    cache = InputCache(x.copy())
    return _into(x * _sigmoid(x), x, out), cache


def silu_backward(dout: Array, cache: InputCache) -> Array:
    """dx = dout·σ(x)·(1 + x·(1 − σ(x)))."""
    x = cache.x
    s = _sigmoid(x)
    dx: Array = dout * s * (1 + x * (1 - s))
    return dx


def hardswish_forward(x: Array, *, out: Array | None = None) -> tuple[Array, InputCache]:
    """out = x·relu6(x + 3)/6 (PyTorch hardswish): 0 for x ≤ −3, x for x ≥ 3."""
    cache = InputCache(x.copy())
    return _into(x * np.clip(x + 3, 0, 6) / 6, x, out), cache


def hardswish_backward(dout: Array, cache: InputCache) -> Array:
    """dx = dout·(0 for x < −3, x/3 + 1/2 for −3 ≤ x ≤ 3, 1 above), PyTorch's
    hardswish_backward (the slope (2x + 3)/6 of x·(x + 3)/6 in the middle)."""
    x = cache.x
    slope = np.where(x < -3, 0, np.where(x <= 3, x / 3 + 0.5, 1))
    dx: Array = (dout * slope).astype(dout.dtype, copy=False)
    return dx


@dataclass(frozen=True)
class GeluCache:
    x: Array  # a private copy of the input
    tanh: bool


def _normal_cdf(x: Array) -> Array:
    """Φ(x) = 0.5·(1 + erf(x/√2)), as 0.5·erfc(−x/√2): accurate where Φ is tiny."""
    cdf: Array = 0.5 * erfc(-x / _SQRT_2)
    return cdf


def _tanh_gates(x: Array) -> tuple[Array, Array]:
    """(s, 1 − s), s = (1 + tanh(u))/2 = σ(2u), u = √(2/π)·(x + 0.044715·x³): the tanh
    form's gate, as sigmoids, without the cancellation of 1 + tanh(u) for x ≪ 0."""
    u2 = 2 * _SQRT_2_OVER_PI * (x + _TANH_CUBIC * x**3)
    return _sigmoid(u2), _sigmoid(-u2)


def gelu_forward(x: Array, *, tanh: bool = False, out: Array | None = None
                 ) -> tuple[Array, GeluCache]:
    """out = 0.5·x·(1 + erf(x/√2)) = x·Φ(x) (PyTorch gelu); with `tanh`, PyTorch's
    approximate='tanh': 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Evaluated as x·Φ(x) and
    x·σ(2u), the same functions without PyTorch's cancellation for x ≪ 0."""
    cache = GeluCache(x.copy(), tanh)
    gate = _tanh_gates(x)[0] if tanh else _normal_cdf(x)
    return _into(x * gate, x, out), cache


def gelu_backward(dout: Array, cache: GeluCache) -> Array:
    """Exact: dx = dout·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π). Tanh form, t the tanh:
    dx = dout·(0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)), with
    0.5·(1 + t) = s and 0.5·(1 − t²) = 2·s·(1 − s)."""
    x = cache.x
    if cache.tanh:
        s, rest = _tanh_gates(x)
        slope = s + 2 * x * s * rest * _SQRT_2_OVER_PI * (1 + 3 * _TANH_CUBIC * x * x)
    else:
        density = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        slope = _normal_cdf(x) + x * density
    dx: Array = (dout * slope).astype(dout.dtype, copy=False)
    return dx


# ---- registration ------------------------------------------------------------------------


def _gelu_hyper(layer: Any, shape: tuple[int, ...], thin: bool) -> dict[str, Any]:
    return {"tanh": bool(layer.tanh)}


# On positive inputs (the RF probe's) each gate's derivative is at least 1/2: no stand-in.
register(Kernel("silu", silu_forward, silu_backward, inplace=True, pointwise=True,
                workspace=1))  # the copy of x
register(Kernel("gelu", gelu_forward, gelu_backward, _gelu_hyper, inplace=True,
                pointwise=True, workspace=1))
register(Kernel("hardswish", hardswish_forward, hardswish_backward, inplace=True,
                pointwise=True, workspace=1))
