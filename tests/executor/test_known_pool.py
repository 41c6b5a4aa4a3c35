"""ADAPTIVEAVGPOOL, ADAPTIVEMAXPOOL and ZEROPAD kernels on values checked by hand.

Windows: output i of h along an axis of H reads rows ⌊i·H/h⌋ … ⌈(i + 1)·H/h⌉ − 1 (PyTorch,
aten/src/ATen/native/AdaptivePooling.h)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from archcalc.executor import adaptive


def volume(rows: list[list[float]]) -> np.ndarray:
    """A single-slice (1, H, W, 1) volume from a list of rows."""
    return np.array(rows, dtype=np.float64)[None, :, :, None]


GRID = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]  # 3×4; 2×3 outputs: rows [0, 2) [1, 3),
# cols [0, 2) [1, 3) [2, 4): every window 2×2, overlapping by one row and one column


def test_window_bounds_by_hand() -> None:
    assert adaptive.bounds(12, 5) == ((0, 3), (2, 5), (4, 8), (7, 10), (9, 12))
    assert adaptive.bounds(3, 5) == ((0, 1), (0, 2), (1, 2), (1, 3), (2, 3))
    assert adaptive.bounds(7, 1) == ((0, 7),)
    assert adaptive.bounds(14, 7) == tuple((2 * i, 2 * i + 2) for i in range(7))


def test_window_bounds_are_exact_for_large_sizes() -> None:
    # floating-point floor/ceil would be off by one somewhere among these
    big, outputs = 10**12 + 7, 9
    want = tuple((math.floor(Fraction(i * big, outputs)), math.ceil(Fraction((i + 1) * big,
                                                                              outputs)))
                 for i in range(outputs))
    assert adaptive.bounds(big, outputs) == want


def test_adaptive_avg_pool_one_axis() -> None:
    # H = 5, h = 3: rows [0, 2) [1, 4) [3, 5)
    out, _ = adaptive.adaptive_avgpool_forward(volume([[1], [2], [3], [4], [5]]), size=(3, 1))
    np.testing.assert_allclose(out[0, :, 0, 0], [(1 + 2) / 2, (2 + 3 + 4) / 3, (4 + 5) / 2])


def test_adaptive_avg_pool_overlapping_windows() -> None:
    out, cache = adaptive.adaptive_avgpool_forward(volume(GRID), size=(2, 3))
    expected = [[(1 + 2 + 5 + 6) / 4, (2 + 3 + 6 + 7) / 4, (3 + 4 + 7 + 8) / 4],
                [(5 + 6 + 9 + 10) / 4, (6 + 7 + 10 + 11) / 4, (7 + 8 + 11 + 12) / 4]]
    np.testing.assert_allclose(out[0, :, :, 0], expected)
    # ones back: each pixel gets 1/4 from every window holding it (rows 1, 2, 1 × cols 1, 2,
    # 2, 1 windows)
    dx = adaptive.adaptive_avgpool_backward(np.ones_like(out), cache)
    np.testing.assert_allclose(dx[0, :, :, 0],
                               np.outer([1, 2, 1], [1, 2, 2, 1]) / 4)


def test_adaptive_avg_pool_of_1_is_the_mean() -> None:
    out, cache = adaptive.adaptive_avgpool_forward(volume(GRID), size=(1, 1))
    assert out[0, 0, 0, 0] == sum(range(1, 13)) / 12
    dx = adaptive.adaptive_avgpool_backward(np.full_like(out, 12.0), cache)
    np.testing.assert_allclose(dx, np.ones((1, 3, 4, 1)))


def test_adaptive_pools_of_the_input_size_are_identities() -> None:
    x = volume(GRID)
    for forward in (adaptive.adaptive_avgpool_forward, adaptive.adaptive_maxpool_forward):
        out, _ = forward(x, size=(3, 4))
        np.testing.assert_array_equal(out, x)


def test_adaptive_max_pool_routes_to_the_first_winner() -> None:
    x = volume([[1, 9, 2, 2], [3, 0, 8, 1], [4, 4, 7, 6]])
    out, cache = adaptive.adaptive_maxpool_forward(x, size=(2, 3))
    # windows as GRID's; the bottom-left one ties 4 and 4: the first in row-major order wins
    np.testing.assert_array_equal(out[0, :, :, 0], [[9, 9, 8], [4, 8, 8]])
    dx = adaptive.adaptive_maxpool_backward(volume([[10, 20, 30], [40, 50, 60]]), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0],
                                  [[0, 10 + 20, 0, 0], [0, 0, 30 + 50 + 60, 0], [40, 0, 0, 0]])


def test_adaptive_max_pool_larger_than_input_repeats_pixels() -> None:
    # H = 2, h = 3: rows [0, 1) [0, 2) [1, 2); W = 1
    out, cache = adaptive.adaptive_maxpool_forward(volume([[5], [7]]), size=(3, 1))
    np.testing.assert_array_equal(out[0, :, 0, 0], [5, 7, 7])
    dx = adaptive.adaptive_maxpool_backward(volume([[1], [2], [3]]), cache)
    np.testing.assert_array_equal(dx[0, :, 0, 0], [1, 2 + 3])


def test_zeropad_pads_each_side() -> None:
    x = volume([[1, 2], [3, 4]])
    out, cache = adaptive.zeropad_forward(x, padding=((1, 0), (0, 2)))
    np.testing.assert_array_equal(out[0, :, :, 0], [[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]])
    dout = volume([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    np.testing.assert_array_equal(adaptive.zeropad_backward(dout, cache)[0, :, :, 0],
                                  [[5, 6], [9, 10]])


def test_zeropad_fills_with_the_probe_pad_value() -> None:
    out, _ = adaptive.zeropad_forward(volume([[1]]), padding=((0, 1), (1, 0)),
                                      pad_value=math.nan)
    assert np.isnan(out[0, :, :, 0]).tolist() == [[True, False], [True, True]]


def test_zeropad_output_is_a_new_array() -> None:
    x = volume([[1, 2]])
    out, cache = adaptive.zeropad_forward(x, padding=((0, 0), (0, 0)))
    assert not np.shares_memory(out, x)
    assert not any(isinstance(v, np.ndarray) for v in vars(cache).values())  # keeps no x
