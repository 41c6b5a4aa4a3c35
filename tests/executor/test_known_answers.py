"""Known answers: the seeds' worked examples and hand-computed values, one per convention."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archcalc.executor import activation, conv, deconv, dense, merge, norm, pool
from archcalc.executor.base import masked_backward
from archcalc.executor.gemm import MacCounter


def volume(rows: list[list[float]]) -> np.ndarray:
    """A single-slice (1, H, W, 1) volume from a list of rows."""
    return np.array(rows, dtype=np.float64)[None, :, :, None]


def test_seed_5x5_convolution() -> None:
    """CU Boulder CNN slide (seed 002), after Dumoulin & Visin: stride 1, no padding."""
    x = volume(
        [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    )
    kernel = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=np.float64)
    out, _ = conv.conv_forward(x, {"w": kernel[:, :, None, None]}, counter=MacCounter())
    np.testing.assert_array_equal(out[0, :, :, 0], [[12, 12, 17], [10, 17, 19], [9, 6, 14]])


def test_seed_2x2_max_pool() -> None:
    """CS231n max-pooling slide (seeds 000/002): 2x2 filters, stride 2."""
    x = volume([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    out, _ = pool.maxpool_forward(x, kernel=(2, 2), stride=(2, 2))
    np.testing.assert_array_equal(out[0, :, :, 0], [[6, 8], [3, 4]])


def test_max_pool_backward_routes_to_the_winner() -> None:
    x = volume([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    _, cache = pool.maxpool_forward(x, kernel=(2, 2), stride=(2, 2))
    dx = pool.maxpool_backward(volume([[10, 20], [30, 40]]), cache)
    expected = [[0, 0, 0, 0], [0, 10, 0, 20], [30, 0, 0, 0], [0, 0, 0, 40]]
    np.testing.assert_array_equal(dx[0, :, :, 0], expected)


def test_avg_pool_ceil_overhang_is_not_in_the_divisor() -> None:
    """PyTorch AvgPool2d(2, 2, ceil_mode=True) on 1..25 in a 5x5: edge windows divide by 2, 1."""
    x = volume(np.arange(1, 26).reshape(5, 5).tolist())
    hyper = {"kernel": (2, 2), "stride": (2, 2), "overhang": (1, 1)}
    out, _ = pool.avgpool_forward(x, **hyper)
    expected = [[4, 6, 7.5], [14, 16, 17.5], [21.5, 23.5, 25]]
    np.testing.assert_array_equal(out[0, :, :, 0], expected)


def test_avg_pool_padding_is_in_the_divisor() -> None:
    """PyTorch AvgPool2d(3, 2, padding=1) (count_include_pad=True) on a 3x3 of ones: 4/9 at
    corners."""
    x = np.ones((1, 3, 3, 1))
    hyper = {"kernel": (3, 3), "stride": (2, 2), "padding": ((1, 1), (1, 1))}
    out, _ = pool.avgpool_forward(x, **hyper)
    np.testing.assert_allclose(out[0, :, :, 0], np.full((2, 2), 4 / 9))


def test_max_pool_padding_is_minus_infinity() -> None:
    x = -np.ones((1, 2, 2, 1))
    hyper = {"kernel": (2, 2), "stride": (2, 2), "padding": ((1, 1), (1, 1))}
    out, _ = pool.maxpool_forward(x, **hyper)
    np.testing.assert_array_equal(out, -np.ones((1, 2, 2, 1)))


def test_global_average_pool() -> None:
    x = np.arange(2 * 2 * 3 * 2, dtype=np.float64).reshape(2, 2, 3, 2)
    out, _ = pool.gap_forward(x)
    np.testing.assert_array_equal(out[:, 0, 0, :], x.mean(axis=(1, 2)))
    assert out.shape == (2, 1, 1, 2)  # 1×1×C, as the analyzer's GAP


def test_deconv_stride_2_of_a_2x2_kernel_of_ones_tiles_blocks() -> None:
    """Transposed conv, F=2, S=2: each input pixel becomes a 2x2 block; (2−1)·2 + 2 = 4."""
    out, _ = deconv.deconv_forward(
        volume([[1, 2], [3, 4]]), {"w": np.ones((1, 2, 2, 1))}, counter=MacCounter(), stride=(2, 2)
    )
    expected = [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    np.testing.assert_array_equal(out[0, :, :, 0], expected)


def test_deconv_output_size() -> None:
    """(W − 1)·S − 2P + D·(F − 1) + 1 + out_p = (5−1)·2 − 2 + 2·2 + 1 + 1 = 12; 4·3 − 0 + 3 = 15."""
    x, w = np.zeros((1, 5, 5, 1)), np.zeros((1, 3, 4, 2))
    hyper = {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 0), "dilation": (2, 1)}
    out, _ = deconv.deconv_forward(x, {"w": w}, counter=MacCounter(), **hyper)
    assert out.shape == (1, 12, 16, 2)


@pytest.mark.parametrize(
    ("stride", "padding"), [((1, 1), (0, 0)), ((2, 2), (1, 1)), ((3, 2), (1, 0))]
)
def test_deconv_is_the_adjoint_of_conv(stride, padding, rng: np.random.Generator) -> None:
    """<deconv(x), y> = <x, conv(y)> with the same kernel, conv weights (F_h, F_w, K, C_in)."""
    w = rng.standard_normal((3, 3, 3, 2))  # deconv layout (C_in, F_h, F_w, K)
    x = rng.standard_normal((2, 4, 5, 3))
    deconv_x, _ = deconv.deconv_forward(
        x, {"w": w}, counter=MacCounter(), stride=stride, padding=padding
    )
    y = rng.standard_normal(deconv_x.shape)
    conv_padding = ((padding[0], padding[0]), (padding[1], padding[1]))
    conv_y, _ = conv.conv_forward(
        y, {"w": w.transpose(1, 2, 3, 0)}, counter=MacCounter(), stride=stride, padding=conv_padding
    )
    assert conv_y.shape == x.shape
    assert np.isclose(np.sum(deconv_x * y), np.sum(x * conv_y), rtol=1e-12)


def test_dropout_keeps_the_expectation() -> None:
    """Inverted dropout: E[out] = x. 10⁶ draws: the mean's std is sqrt(p/(1−p)/n) ≈ 6.5e-4."""
    x = np.full((1000, 1000), 3.0)
    p = 0.3
    out, cache = norm.dropout_forward(
        x, p=p, rng=np.random.default_rng(0)
    )
    assert out.mean() == pytest.approx(3.0, abs=5 * 3 * 6.5e-4)  # 5 standard deviations
    assert np.mean(cache.mask == 0) == pytest.approx(p, abs=5 * 4.6e-4)  # p is the DROP rate
    np.testing.assert_array_equal(np.unique(out), [0.0, 3.0 / (1 - p)])


def test_dropout_extremes_and_seeding() -> None:
    x = np.arange(12.0).reshape(3, 4)
    same, _ = norm.dropout_forward(x, p=0.0, rng=np.random.default_rng(0))
    none, _ = norm.dropout_forward(x, p=1.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(same, x)
    np.testing.assert_array_equal(none, np.zeros_like(x))
    a, _ = norm.dropout_forward(x, p=0.5, rng=np.random.default_rng(5))
    b, _ = norm.dropout_forward(x, p=0.5, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_batchnorm_normalizes_per_channel_over_n_h_w(rng: np.random.Generator) -> None:
    x = rng.standard_normal((4, 3, 5, 2)) * [2.0, 0.5] + [10.0, -3.0]
    weights = {"gamma": np.ones(2), "beta": np.zeros(2)}
    out, _ = norm.bn_forward(x, weights)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-12)
    variance = x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(out.var(axis=(0, 1, 2)), variance / (variance + 1e-5), rtol=1e-12)


def test_batchnorm_of_vectors_is_per_feature_over_the_batch(rng: np.random.Generator) -> None:
    x = rng.standard_normal((8, 3))
    out, _ = norm.bn_forward(
        x, {"gamma": np.full(3, 2.0), "beta": np.ones(3)}
    )
    expected = 2 * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5) + 1
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_lrn_by_hand() -> None:
    """n=3, k=1, alpha=1, beta=1 on channels [1, 2, 3]: 1/(1+1+4), 2/(1+1+4+9), 3/(1+4+9)."""
    x = np.array([[1.0, 2.0, 3.0]])
    out, _ = norm.lrn_forward(x, n=3, k=1.0, alpha=1.0, beta=1.0)
    np.testing.assert_allclose(out, [[1 / 6, 2 / 15, 3 / 14]], rtol=1e-15)


def test_lrn_alexnet_defaults() -> None:
    """n=5, k=2, alpha=1e-4, beta=0.75, alpha not divided by n (AlexNet, not PyTorch)."""
    x = np.arange(1.0, 7.0)[None, None, None, :]
    out, _ = norm.lrn_forward(x)
    window_of_c2 = 1 + 4 + 9 + 16 + 25  # channels 0..4 around channel 2
    assert out[..., 2].item() == pytest.approx(3 / (2 + 1e-4 * window_of_c2) ** 0.75, rel=1e-15)


def test_maxout_takes_consecutive_groups() -> None:
    x = np.array([[1.0, 5.0, 3.0, 2.0, -1.0, -4.0]])
    out, _ = activation.maxout_forward(x, k=2)
    np.testing.assert_array_equal(out, [[5.0, 3.0, -1.0]])


def test_activations_by_hand() -> None:
    x = np.array([[-2.0, 0.0, 3.0]])
    relu, _ = activation.relu_forward(x)
    leaky, _ = activation.leakyrelu_forward(x, alpha=0.1)
    prelu, _ = activation.prelu_forward(x, {"alpha": np.array([0.5, 0.5, 0.5])})
    elu, _ = activation.elu_forward(x, alpha=2.0)
    np.testing.assert_array_equal(relu, [[0, 0, 3]])
    np.testing.assert_allclose(leaky, [[-0.2, 0, 3]])
    np.testing.assert_array_equal(prelu, [[-1, 0, 3]])
    np.testing.assert_allclose(elu, [[2 * (math.exp(-2) - 1), 0, 3]])


def test_sigmoid_and_softmax_do_not_overflow() -> None:
    x = np.array([[-1000.0, 0.0, 1000.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow is fine
        sig, _ = activation.sigmoid_forward(x)
        soft, _ = activation.softmax_forward(x)
    np.testing.assert_allclose(sig, [[0, 0.5, 1]])
    np.testing.assert_allclose(soft, [[0, 0, 1]])


def test_softmax_of_a_volume_is_per_position(rng: np.random.Generator) -> None:
    out, _ = activation.softmax_forward(rng.standard_normal((2, 3, 3, 4)))
    np.testing.assert_allclose(out.sum(axis=-1), 1, rtol=1e-14)


def test_softmax_cross_entropy_of_uniform_scores_is_log_c() -> None:
    loss, dscores = activation.softmax_cross_entropy(np.zeros((4, 10)), np.array([0, 1, 2, 9]))
    assert loss == pytest.approx(math.log(10))
    np.testing.assert_allclose(dscores.sum(axis=1), 0, atol=1e-15)
    assert dscores[0, 0] == pytest.approx((0.1 - 1) / 4)


def test_merges(rng: np.random.Generator) -> None:
    a, b = rng.standard_normal((2, 2, 2, 3)), rng.standard_normal((2, 2, 2, 1))
    added, _ = merge.add_forward([a, a, a])
    joined, cache = merge.concat_forward([a, b])
    np.testing.assert_allclose(added, 3 * a)
    np.testing.assert_array_equal(joined[..., 3:], b)
    parts = merge.concat_backward(joined, cache)
    np.testing.assert_array_equal(parts[0], a)
    with pytest.raises(ValueError, match="do not broadcast"):
        merge.add_forward([a, rng.standard_normal((2, 2, 2, 2))])


def test_upsample_nearest() -> None:
    out, _ = merge.upsample_forward(
        volume([[1, 2], [3, 4]]), factor=(2, 3)
    )
    expected = [[1, 1, 1, 2, 2, 2], [1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4], [3, 3, 3, 4, 4, 4]]
    np.testing.assert_array_equal(out[0, :, :, 0], expected)


def test_fc_flattens_a_volume_in_h_w_c_order(rng: np.random.Generator) -> None:
    x, w = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((60, 7))
    out, _ = dense.fc_forward(x, {"w": w}, counter=MacCounter())
    np.testing.assert_allclose(out, x.reshape(2, -1) @ w, rtol=1e-14)
    assert np.array_equal(x.reshape(2, -1)[:, 1], x[:, 0, 0, 1])  # C varies fastest


def test_weight_keys_are_checked(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 3, 3, 1))
    with pytest.raises(ValueError, match="missing"):
        conv.conv_forward(x, {"b": np.zeros(1)}, counter=MacCounter())
    with pytest.raises(ValueError, match="unexpected"):
        dense.fc_forward(x, {"w": np.zeros((9, 1)), "gamma": np.zeros(1)}, counter=MacCounter())


def test_kernels_do_not_write_into_their_arguments(rng: np.random.Generator) -> None:
    x, w = rng.standard_normal((1, 4, 4, 2)), rng.standard_normal((3, 3, 2, 2))
    x0, w0 = x.copy(), w.copy()
    counter = MacCounter()
    out, cache = conv.conv_forward(x, {"w": w}, counter=counter, padding=((1, 1), (1, 1)))
    dout = rng.standard_normal(out.shape)
    dout0 = dout.copy()
    conv.conv_backward(dout, cache, counter)
    _, relu_cache = activation.relu_forward(x)
    masked_backward(dout, relu_cache)
    for array, original in ((x, x0), (w, w0), (dout, dout0)):
        np.testing.assert_array_equal(array, original)
