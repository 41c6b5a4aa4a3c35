"""The im2col kernels against the readable loop kernels of naive.py over parameter grids."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.executor import conv, deconv, naive, pool
from archcalc.executor.gemm import MacCounter

TOLERANCE = 1e-12  # float64; both sides sum the same products in different orders

NONE = ((0, 0), (0, 0))
PADDINGS = [NONE, ((1, 1), (1, 1)), ((0, 2), (1, 0))]  # symmetric and asymmetric (TF "same")

CONV_GRID = list(
    itertools.product(
        [(1, 1), (2, 1), (3, 2)],  # stride
        PADDINGS,
        [(1, 1), (2, 1)],  # dilation
        [1, 2, 4],  # groups; 4 = C is depthwise
        [(3, 3), (2, 3), (1, 1)],  # kernel, rectangular included
    )
)


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups", "kernel"), CONV_GRID)
def test_conv(stride, padding, dilation, groups, kernel, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 6, 7, 4))
    w = rng.standard_normal((*kernel, 4 // groups, 8))
    b = rng.standard_normal(8)
    hyper = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    out, _ = conv.conv_forward(x, {"w": w, "b": b}, counter=MacCounter(), **hyper)
    expected = naive.conv_naive(x, w, b, stride, padding, dilation, groups)
    np.testing.assert_allclose(out, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())


@pytest.mark.parametrize("stride", [(1, 1), (2, 1), (2, 3)])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("kernel", [(3, 3), (2, 3), (1, 1)])
def test_local(stride, padding, kernel, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 6, 5, 3))
    hp, wp = 6 + sum(padding[0]), 5 + sum(padding[1])
    ho, wo = (hp - kernel[0]) // stride[0] + 1, (wp - kernel[1]) // stride[1] + 1
    w = rng.standard_normal((ho, wo, *kernel, 3, 4))
    b = rng.standard_normal((ho, wo, 4))
    hyper = {"stride": stride, "padding": padding}
    out, _ = conv.local_forward(x, {"w": w, "b": b}, counter=MacCounter(), **hyper)
    expected = naive.local_naive(x, w, b, stride, padding)
    np.testing.assert_allclose(out, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())


DECONV_GRID = [
    (s, p, op, d, k)
    for s, p, op, d, k in itertools.product(
        [(1, 1), (2, 2), (3, 2)],  # stride
        [(0, 0), (1, 1), (2, 0)],  # padding (symmetric per axis, PyTorch)
        [(0, 0), (1, 1)],  # output_padding
        [(1, 1), (2, 1)],  # dilation
        [(3, 3), (2, 3)],  # kernel
    )
    if op[0] < max(s[0], d[0]) and op[1] < max(s[1], d[1])  # PyTorch's rule for out_p
]


@pytest.mark.parametrize(("stride", "padding", "output_padding", "dilation", "kernel"), DECONV_GRID)
def test_deconv(
    stride, padding, output_padding, dilation, kernel, rng: np.random.Generator
) -> None:
    x = rng.standard_normal((2, 4, 4, 3))
    w = rng.standard_normal((3, *kernel, 2))
    b = rng.standard_normal(2)
    hyper = {"stride": stride, "padding": padding, "output_padding": output_padding}
    out, _ = deconv.deconv_forward(
        x, {"w": w, "b": b}, counter=MacCounter(), dilation=dilation, **hyper
    )
    expected = naive.deconv_naive(x, w, b, stride, padding, output_padding, dilation)
    np.testing.assert_allclose(out, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())


def ceil_overhang(size: int, kernel: int, stride: int, pad: tuple[int, int]) -> int:
    """The bottom/right margin PyTorch's ceil_mode adds: ceil instead of floor, but never a
    last window that starts past the input and its top/left padding."""
    padded = size + sum(pad)
    out = -(-(padded - kernel) // stride) + 1
    if (out - 1) * stride >= size + pad[0]:
        out -= 1
    return max(0, (out - 1) * stride + kernel - padded)


POOL_GRID = list(
    itertools.product(
        [(2, 2), (3, 3), (3, 2)],  # kernel
        [(2, 2), (1, 1), (2, 3)],  # stride
        [NONE, ((1, 1), (1, 1)), ((1, 0), (0, 1))],  # padding
        [False, True],  # ceil mode
    )
)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize(("kernel", "stride", "padding", "ceil"), POOL_GRID)
def test_pool(mode, kernel, stride, padding, ceil, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 7, 6, 3))
    overhang = (0, 0)
    if ceil:
        overhang = tuple(
            ceil_overhang(x.shape[1 + a], kernel[a], stride[a], padding[a]) for a in (0, 1)
        )
    forward = pool.maxpool_forward if mode == "max" else pool.avgpool_forward
    hyper = {"kernel": kernel, "stride": stride, "padding": padding, "overhang": overhang}
    out, _ = forward(x, **hyper)
    expected = naive.pool_naive(x, kernel, stride, padding, overhang, mode)
    np.testing.assert_allclose(out, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())


def test_pool_grid_exercises_the_overhang() -> None:
    overhangs = [
        ceil_overhang(size, k[a], s[a], p[a])
        for k, s, p, ceil in POOL_GRID
        for a, size in ((0, 7), (1, 6))
        if ceil
    ]
    assert max(overhangs) >= 1


def test_pool_refuses_a_window_past_the_input(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 4, 4, 1))
    with pytest.raises(ValueError, match="overhang"):  # 2x2/2 on 4: a 3rd window lies in overhang
        pool.maxpool_forward(
            x, kernel=(2, 2), stride=(2, 2), overhang=(2, 0)
        )


@st.composite
def conv_geometry(draw: st.DrawFn) -> dict[str, object]:
    pair = st.tuples(st.integers(1, 3), st.integers(1, 3))
    pads = st.tuples(st.integers(0, 2), st.integers(0, 2))
    groups = draw(st.sampled_from([1, 2, 3, 6]))
    return {
        "kernel": draw(pair),
        "stride": draw(pair),
        "dilation": draw(pair),
        "padding": (draw(pads), draw(pads)),
        "groups": groups,
        "k": groups * draw(st.integers(1, 2)),
    }


@settings(derandomize=True, max_examples=60, deadline=None)
@given(geometry=conv_geometry())
def test_conv_random_geometry(geometry: dict) -> None:
    rng = np.random.default_rng(0)
    kernel, groups = geometry["kernel"], geometry["groups"]
    x = rng.standard_normal((1, 9, 8, 6))
    w = rng.standard_normal((*kernel, 6 // groups, geometry["k"]))
    hyper = {key: geometry[key] for key in ("stride", "padding", "dilation", "groups")}
    out, _ = conv.conv_forward(x, {"w": w}, counter=MacCounter(), **hyper)
    expected = naive.conv_naive(x, w, None, **hyper)
    np.testing.assert_allclose(out, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())
