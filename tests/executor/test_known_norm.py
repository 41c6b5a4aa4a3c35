"""Known answers of the LAYERNORM, GROUPNORM, SCALE and DROPPATH kernels, computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archcalc.executor import layernorm, norm
from archcalc.executor.base import masked_backward


def test_layernorm_statistics_are_per_position() -> None:
    # position A: channels 0, 2 → μ 1, σ² ((−1)² + 1²)/2 = 1; position B: 10, 14 → μ 12,
    # σ² (4 + 4)/2 = 4: both normalize to −1, 1 (with eps 0).
    x = np.array([[[[0.0, 2.0], [10.0, 14.0]]]])  # (1, 1, 2, 2)
    out, _ = layernorm.layernorm_forward(x, {}, eps=0.0)
    np.testing.assert_allclose(out[0, 0], [[-1, 1], [-1, 1]])


def test_layernorm_affine_biased_variance_and_eps() -> None:
    # 1, 1, 1, 5: μ 2, deviations −1, −1, −1, 3, biased σ² (1 + 1 + 1 + 9)/4 = 3.
    x = np.array([[1.0, 1.0, 1.0, 5.0]])
    gamma, beta = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.0, 0.0, 10.0])
    out, _ = layernorm.layernorm_forward(x, {"gamma": gamma, "beta": beta})
    root = math.sqrt(3 + 1e-5)  # eps 1e-5, PyTorch's default
    np.testing.assert_allclose(out[0], [-1 / root, -2 / root, -3 / root, 4 * 3 / root + 10])


def test_layernorm_gradient_equal_across_channels_cancels() -> None:
    # y = x̂ does not move when every channel of a position moves alike: ∂Σy/∂x = 0. That is
    # why the RF probe, which seeds all channels alike, uses an identity in its place.
    x = np.random.default_rng(1).standard_normal((2, 3, 3, 4))
    out, cache = layernorm.layernorm_forward(x, {})
    dx, grads = layernorm.layernorm_backward(np.ones_like(out), cache)
    np.testing.assert_allclose(dx, 0, atol=1e-12)
    assert grads == {}


def test_groupnorm_statistics_span_positions_of_one_group() -> None:
    # groups=2 over 4 channels at 2 positions. Group 0 (channels 0, 1): 0, 2 and 4, 6 → μ 3,
    # σ² (9 + 1 + 1 + 9)/4 = 5. Group 1 (channels 2, 3): all 1 → x̂ 0, the output is β.
    x = np.array([[[[0.0, 2.0, 1.0, 1.0], [4.0, 6.0, 1.0, 1.0]]]])  # (1, 1, 2, 4)
    beta = np.array([0.0, 0.0, 7.0, 8.0])
    out, _ = layernorm.groupnorm_forward(x, {"gamma": np.ones(4), "beta": beta}, groups=2)
    s = math.sqrt(5 + 1e-5)
    np.testing.assert_allclose(out[0, 0], [[-3 / s, -1 / s, 7, 8], [1 / s, 3 / s, 7, 8]])


def test_groupnorm_samples_are_independent() -> None:
    # sample 1 = 10·sample 0 + 7: the same x̂ (eps 0), whatever the batch holds
    a = np.random.default_rng(2).standard_normal((1, 2, 2, 6))
    out, _ = layernorm.groupnorm_forward(np.concatenate([a, 10 * a + 7]), {}, groups=3, eps=0.0)
    np.testing.assert_allclose(out[1], out[0])


def test_groupnorm_refuses_groups_that_do_not_divide_c() -> None:
    with pytest.raises(ValueError, match="6 channels do not split into 4 groups"):
        layernorm.groupnorm_forward(np.zeros((1, 2, 2, 6)), {}, groups=4)


def test_scale_multiplies_each_channel() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    out, cache = norm.scale_forward(x, {"gamma": np.array([10.0, -1.0])})
    np.testing.assert_array_equal(out, [[10, -2], [30, -4]])
    dx, grads = norm.scale_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx, [[10, -1], [10, -1]])
    np.testing.assert_array_equal(grads["gamma"], [1 + 3, 2 + 4])  # Σ dout·x per channel


def test_droppath_drops_whole_samples_and_scales_survivors() -> None:
    x = np.ones((8, 2, 2, 3))
    out, cache = norm.droppath_forward(x, rng=np.random.default_rng(3), p=0.5)
    per_sample = out.reshape(8, -1)
    assert np.all(per_sample == per_sample[:, :1])  # one mask value per sample
    # kept where u ≥ p for the sample's u, scaled by 1/(1 − 0.5)
    keep = np.random.default_rng(3).random(8) >= 0.5
    np.testing.assert_array_equal(per_sample[:, 0], np.where(keep, 2.0, 0.0))
    assert 0 < keep.sum() < 8  # this seed drops some samples and keeps others
    assert cache.mask.size == 8  # the workspace: one number per sample
    dx = masked_backward(np.full_like(x, 3.0), cache)
    np.testing.assert_array_equal(dx.reshape(8, -1)[:, 0], np.where(keep, 6.0, 0.0))


def test_droppath_in_place_at_the_extremes_and_on_average() -> None:
    x = np.arange(12.0).reshape(4, 3)
    out, _ = norm.droppath_forward(x, rng=np.random.default_rng(0), p=0.0, out=x)
    assert out is x
    np.testing.assert_array_equal(x, np.arange(12.0).reshape(4, 3))  # p=0: the identity
    zeros, _ = norm.droppath_forward(np.ones((3, 2)), rng=np.random.default_rng(0), p=1.0)
    np.testing.assert_array_equal(zeros, 0)  # torchvision: p=1 drops every sample
    # E[out] = x: 10⁵ samples with p=0.3, survivors 1/0.7; the mean's σ ≈ √(0.3/0.7)/316 ≈ 0.002
    many, _ = norm.droppath_forward(np.ones((100_000, 1)), rng=np.random.default_rng(4), p=0.3)
    assert abs(many.mean() - 1) < 0.01
    assert abs((many == 0).mean() - 0.3) < 0.01
