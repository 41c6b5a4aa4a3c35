"""Weight initialization: shapes, zero biases, and the variance of each scheme."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archcalc.executor import init
from archcalc.executor.kernels import KERNELS

SPREAD = 0.03  # relative tolerance on a std estimated from ≥ 18k draws (≈ 0.5 % noise)


def test_he_conv_weights(rng: np.random.Generator) -> None:
    weights = init.conv_weights((3, 3), 64, 32, init.Draw(rng))
    assert weights["w"].shape == (3, 3, 64, 32)
    assert weights["w"].std() == pytest.approx(math.sqrt(2 / (3 * 3 * 64)), rel=SPREAD)
    np.testing.assert_array_equal(weights["b"], np.zeros(32))


def test_grouped_conv_fan_in_divides_by_groups(rng: np.random.Generator) -> None:
    weights = init.conv_weights((3, 3), 64, 4096, init.Draw(rng), groups=64, bias=False)
    assert weights.keys() == {"w"} and weights["w"].shape == (3, 3, 1, 4096)
    assert weights["w"].std() == pytest.approx(math.sqrt(2 / 9), rel=SPREAD)


def test_xavier_fc_weights_are_the_slides_randn_over_sqrt_fan_in(rng: np.random.Generator) -> None:
    weights = init.fc_weights(300, 100, init.Draw(rng, init.Init.XAVIER))
    assert weights["w"].shape == (300, 100) and weights["b"].shape == (100,)
    assert weights["w"].std() == pytest.approx(1 / math.sqrt(300), rel=SPREAD)


def test_plain_normal_uses_the_given_std(rng: np.random.Generator) -> None:
    weights = init.deconv_weights((4, 4), 32, 16, init.Draw(rng, init.Init.NORMAL, std=0.01))
    assert weights["w"].shape == (32, 4, 4, 16)
    assert weights["w"].std() == pytest.approx(0.01, rel=SPREAD)


def test_local_weights_and_per_position_bias(rng: np.random.Generator) -> None:
    weights = init.local_weights((6, 5), (3, 3), 4, 8, init.Draw(rng))
    assert weights["w"].shape == (6, 5, 3, 3, 4, 8) and weights["b"].shape == (6, 5, 8)
    assert weights["w"].std() == pytest.approx(math.sqrt(2 / 36), rel=SPREAD)


def test_parameter_kinds_without_fan_in(rng: np.random.Generator) -> None:
    prelu, bn = KERNELS["prelu"], KERNELS["bn"]
    assert prelu.weights is not None and bn.weights is not None
    np.testing.assert_array_equal(prelu.weights(None, (4, 4, 3), init.Draw(rng))["alpha"],
                                  [0.25] * 3)  # He et al. 2015; PyTorch's default
    weights = bn.weights(None, (4, 4, 2), init.Draw(rng))
    np.testing.assert_array_equal(weights["gamma"], [1, 1])
    np.testing.assert_array_equal(weights["beta"], [0, 0])


def test_same_seed_same_weights() -> None:
    a = init.conv_weights((3, 3), 3, 4, init.Draw(np.random.default_rng(1)))["w"]
    b = init.conv_weights((3, 3), 3, 4, init.Draw(np.random.default_rng(1)))["w"]
    np.testing.assert_array_equal(a, b)
