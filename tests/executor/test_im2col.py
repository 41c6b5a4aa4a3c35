"""The strided windows, their adjoint col2im, and the window geometry."""

from __future__ import annotations

import numpy as np
import pytest

from archcalc.executor.im2col import Window, col2im, crop, im2col, pad, windows


def test_windows_match_explicit_slicing(rng: np.random.Generator) -> None:
    window = Window(kernel=(2, 3), stride=(2, 1), padding=((1, 0), (0, 2)), dilation=(2, 1))
    x = rng.standard_normal((2, 5, 6, 3))
    xp = pad(x, window.padding)
    view = windows(xp, window)
    assert view.shape == (2, *window.out_hw((5, 6)), 2, 3, 3)
    i, j, p, q = 1, 3, 1, 2
    np.testing.assert_array_equal(view[:, i, j, p, q, :], xp[:, i * 2 + p * 2, j + q, :])


def test_im2col_rows_are_flattened_windows(rng: np.random.Generator) -> None:
    window = Window(kernel=(2, 2))
    x = rng.standard_normal((1, 3, 3, 2))
    cols = im2col(x, window)
    assert cols.shape == (4, 2 * 2 * 2)
    np.testing.assert_array_equal(cols[3], x[0, 1:3, 1:3, :].reshape(-1))  # (F_h, F_w, C) order


def test_col2im_is_the_adjoint_of_windows(rng: np.random.Generator) -> None:
    window = Window(kernel=(3, 2), stride=(2, 3), dilation=(1, 2))
    xp = rng.standard_normal((2, 8, 9, 2))
    view = windows(xp, window)
    cols = rng.standard_normal(view.shape)
    back = col2im(cols, (8, 9), window)
    assert np.isclose(np.sum(view * cols), np.sum(xp * back), rtol=1e-12)


def test_pad_and_crop_round_trip(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 3, 4, 2))
    padding = ((1, 2), (0, 3))
    xp = pad(x, padding, value=-1.0)
    assert xp.shape == (1, 6, 7, 2)
    np.testing.assert_array_equal(crop(xp, padding, (3, 4)), x)
    assert xp[0, 0, 0, 0] == -1.0


def test_out_size_is_floor_and_a_window_must_fit() -> None:
    window = Window(kernel=(3, 3), stride=(3, 2), dilation=(1, 2))
    assert window.span() == (3, 5)
    assert window.out_hw((7, 9)) == (2, 3)  # (7 − 3)//3 + 1 = 2 ("2.33"), (9 − 5)//2 + 1 = 3
    with pytest.raises(ValueError, match="exceeds"):
        window.out_hw((2, 9))
