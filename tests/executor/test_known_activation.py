"""Known answers for RELU6, HARDSIGMOID, HARDSWISH, SILU and GELU, computed by hand (or, for erf,
by the C library's math.erf / math.erfc), and the accuracy of the executor's erf."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archcalc.executor import activation, gated
from archcalc.executor.base import masked_backward


def row(*values: float) -> np.ndarray:
    """A (1, 1, n, 1) volume."""
    return np.array(values, dtype=np.float64)[None, None, :, None]


def flat(a: np.ndarray) -> list[float]:
    return [float(v) for v in a.ravel()]


def test_relu6_clips_at_0_and_6() -> None:
    out, cache = activation.relu6_forward(row(-1.5, 0.25, 3, 5.75, 7, 100))
    assert flat(out) == [0, 0.25, 3, 5.75, 6, 6]
    dx = masked_backward(row(1, 2, 3, 4, 5, 6), cache)
    assert flat(dx) == [0, 2, 3, 4, 0, 0]  # passes where 0 < x < 6


def test_hardsigmoid_is_a_ramp_from_minus_3_to_3() -> None:
    out, cache = activation.hardsigmoid_forward(row(-4, -3, -1.5, 0, 1.5, 3, 4))
    assert flat(out) == [0, 0, -1.5 / 6 + 0.5, 0.5, 1.5 / 6 + 0.5, 1, 1]
    dx = activation.hardsigmoid_backward(row(6, 6, 6, 6, 6, 6, 6), cache)
    assert flat(dx) == [0, 0, 6 / 6, 6 / 6, 6 / 6, 0, 0]  # slope 1/6 inside (−3, 3)


def test_hardswish_values_and_slopes() -> None:
    out, cache = gated.hardswish_forward(row(-4, -1.5, 0, 1.5, 4))
    assert flat(out) == [0, -1.5 * 1.5 / 6, 0, 1.5 * 4.5 / 6, 4]  # x·(x + 3)/6 inside
    dx = gated.hardswish_backward(row(1, 1, 1, 1, 1), cache)
    assert flat(dx) == [0, (2 * -1.5 + 3) / 6, 0.5, (2 * 1.5 + 3) / 6, 1]  # (2x + 3)/6


def test_silu_at_logits_of_quarters() -> None:
    # σ(ln 3) = 3/4 and σ(−ln 3) = 1/4; silu'(x) = σ·(1 + x·(1 − σ)).
    ln3 = math.log(3)
    out, cache = gated.silu_forward(row(-ln3, 0, ln3))
    np.testing.assert_allclose(flat(out), [-ln3 / 4, 0, 3 * ln3 / 4], rtol=1e-15)
    dx = gated.silu_backward(row(1, 1, 1), cache)
    expected = [0.25 * (1 - ln3 * 0.75), 0.5, 0.75 * (1 + ln3 * 0.25)]
    np.testing.assert_allclose(flat(dx), expected, rtol=1e-15)


def test_gelu_exact_at_multiples_of_root_2() -> None:
    # x = k·√2: Φ(x) = (1 + erf(k))/2, erf(1) = 0.8427007929497149, erf(2) =
    # 0.9953222650189527 (Abramowitz & Stegun, Table 7.1).
    r2 = math.sqrt(2)
    out, cache = gated.gelu_forward(row(-2 * r2, -r2, 0, r2, 2 * r2))
    erf1, erf2 = 0.8427007929497149, 0.9953222650189527
    expected = [-2 * r2 * (1 - erf2) / 2, -r2 * (1 - erf1) / 2, 0, r2 * (1 + erf1) / 2,
                2 * r2 * (1 + erf2) / 2]
    np.testing.assert_allclose(flat(out), expected, rtol=1e-14)
    dx = gated.gelu_backward(row(1, 1, 1, 1, 1), cache)
    phi = [math.exp(-(k * k)) / math.sqrt(2 * math.pi) for k in (2, 1, 0, 1, 2)]  # φ(k·√2)
    slopes = [(1 - erf2) / 2 - 2 * r2 * phi[0], (1 - erf1) / 2 - r2 * phi[1], 0.5,
              (1 + erf1) / 2 + r2 * phi[3], (1 + erf2) / 2 + 2 * r2 * phi[4]]
    np.testing.assert_allclose(flat(dx), slopes, rtol=1e-14)


def test_gelu_tanh_form() -> None:
    xs = [-3.0, -0.5, 0.0, 1.0, 2.5]
    out, cache = gated.gelu_forward(row(*xs), tanh=True)
    c = math.sqrt(2 / math.pi)
    expected = [0.5 * x * (1 + math.tanh(c * (x + 0.044715 * x**3))) for x in xs]
    np.testing.assert_allclose(flat(out), expected, rtol=1e-14, atol=1e-16)
    dx = gated.gelu_backward(row(1, 1, 1, 1, 1), cache)
    slopes = []
    for x in xs:
        t = math.tanh(c * (x + 0.044715 * x**3))
        slopes.append(0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x))
    np.testing.assert_allclose(flat(dx), slopes, rtol=1e-13, atol=1e-16)


def test_gelu_far_left_keeps_its_relative_accuracy() -> None:
    # x·Φ(x) with Φ(x) = erfc(−x/√2)/2: at x = −10, 1 + erf(−10/√2) is 0 in float64, yet
    # GELU(−10) ≈ −7.6e-23 and GELU'(−10) = Φ(−10) − 10·φ(10) ≈ −7.7e-22; at −30, ≈ −1e-196.
    xs = [-10.0, -30.0]
    out, cache = gated.gelu_forward(row(*xs))
    expected = [x * math.erfc(-x / math.sqrt(2)) / 2 for x in xs]
    np.testing.assert_allclose(flat(out), expected, rtol=1e-14)
    dx = gated.gelu_backward(row(1, 1), cache)
    slopes = [math.erfc(-x / math.sqrt(2)) / 2 + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
              for x in xs]
    np.testing.assert_allclose(flat(dx), slopes, rtol=1e-13)


def test_float32_in_float32_out() -> None:
    x = np.array([[-1.0, 0.5, 7.0]], dtype=np.float32)
    for forward in (activation.relu6_forward, activation.hardsigmoid_forward,
                    gated.silu_forward, gated.hardswish_forward, gated.gelu_forward):
        assert forward(x)[0].dtype == np.float32


# ---- the error function ----------------------------------------------------------------------


def grid() -> np.ndarray:
    """Dense steps over [−30, 30] (Cody's three intervals meet at ±0.46875 and ±4), values
    down to 1e-300, and the intervals' edges themselves."""
    edges = [s * e for e in (0.46875, 4.0, 26.543) for s in (-1, 1)]
    spread = np.geomspace(1e-300, 30, 4001)
    return np.concatenate([np.linspace(-30, 30, 120_001), spread, -spread, edges,
                           np.nextafter(edges, 0), np.nextafter(edges, 100 * np.sign(edges))])


def relative(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got − want| / |want|; 0 where both are 0, inf where only want is."""
    diff = np.abs(got - want)
    return np.divide(diff, np.abs(want), out=np.where(diff == 0, 0.0, np.inf),
                     where=want != 0)


def test_erf_matches_the_c_library() -> None:
    x = grid()
    want = np.array([math.erf(v) for v in x])
    assert relative(gated.erf(x), want).max() <= 1e-15  # measured: 4.3e-16, about 2 ulps


def test_erfc_matches_the_c_library_into_the_tail() -> None:
    x = grid()
    want = np.array([math.erfc(v) for v in x])
    normal = want > 1e-300  # past x ≈ 26.2 erfc leaves the normal range, then underflows
    assert relative(gated.erfc(x)[normal], want[normal]).max() <= 2e-15  # measured: 8.8e-16
    assert (np.abs(gated.erfc(x)[~normal] - want[~normal]) <= 1e-300).all()


@pytest.mark.parametrize(("x", "want"), [
    (0.0, 0.0), (np.inf, 1.0), (-np.inf, -1.0), (40.0, 1.0), (-40.0, -1.0),
])
def test_erf_special_values(x: float, want: float) -> None:
    assert float(gated.erf(np.array([x]))[0]) == want


def test_erf_is_odd_and_keeps_signed_zero_and_nan() -> None:
    x = np.linspace(0, 6, 601)
    np.testing.assert_array_equal(gated.erf(-x), -gated.erf(x))
    assert math.copysign(1, float(gated.erf(np.array([-0.0]))[0])) == -1
    assert np.isnan(gated.erf(np.array([np.nan]))).all()
    assert np.isnan(gated.erfc(np.array([np.nan]))).all()
