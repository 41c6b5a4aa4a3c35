"""Merge and channel kernels on values checked by hand."""

from __future__ import annotations

import numpy as np

from archcalc.executor import channels, merge


def test_channel_shuffle_interleaves_the_groups() -> None:
    # ShuffleNet (Zhang et al. 2018, Fig. 1c): 2 groups of 3 channels [a0 a1 a2 | b0 b1 b2]
    # → [a0 b0 a1 b1 a2 b2]; output channel k·g + j is input channel j·C/g + k.
    x = np.arange(6.0).reshape(1, 6)
    out, cache = channels.channelshuffle_forward(x, g=2)
    np.testing.assert_array_equal(out, [[0, 3, 1, 4, 2, 5]])
    np.testing.assert_array_equal(channels.channelshuffle_backward(out, cache), x)


def test_chunk_is_a_view_of_its_channels() -> None:
    x = np.arange(12.0).reshape(1, 1, 2, 6)
    out, cache = channels.chunk_forward(x, i=2, n=3)
    np.testing.assert_array_equal(out[0, 0], [[2, 3], [8, 9]])
    assert np.shares_memory(out, x)
    dx = channels.chunk_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx[0, 0, 0], [0, 0, 1, 1, 0, 0])


def test_squeeze_and_excitation_gate_scales_each_channel() -> None:
    x = np.ones((1, 2, 2, 3))
    gate = np.array([[0.5, 2.0, 0.0]])  # a vector gate, read as 1×1×3
    out, cache = merge.mul_forward([x, gate])
    np.testing.assert_array_equal(out[0, 1, 1], [0.5, 2.0, 0.0])
    dx, dgate = merge.mul_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dgate, [[4.0, 4.0, 4.0]])  # Σ over the 2·2 positions of x
    np.testing.assert_array_equal(dx[0, 0, 0], [0.5, 2.0, 0.0])


def test_broadcast_add_sums_the_gradient_over_broadcast_axes() -> None:
    a, b = np.zeros((1, 2, 3, 2)), np.array([[[[1.0, 2.0]]]])
    out, cache = merge.add_forward([a, b])
    np.testing.assert_array_equal(out[0, 1, 2], [1, 2])
    da, db = merge.add_backward(np.ones_like(out), cache)
    assert da.shape == a.shape and db.shape == b.shape
    np.testing.assert_array_equal(db[0, 0, 0], [6, 6])  # 2·3 positions each
