"""RELU6, SILU, HARDSWISH, HARDSIGMOID and GELU: backward against central differences (float64),
on the harness's inputs in (−2, 2) and, for the kinks at ±3 and 6, on inputs spread over
(−10, 10) that keep away from every kink; and in place against out of place."""

from __future__ import annotations

import numpy as np
import pytest
from gradcases import PIECEWISE, SMOOTH, Case, case, numeric_kernel_grads, rel_error

from archcalc.executor.kernels import KERNELS

# fmt: off
CASES = [
    case("relu6", "relu6", (2, 3, 3, 2), tol=PIECEWISE, distinct=True),
    case("relu6_vector", "relu6", (4, 5), tol=PIECEWISE, distinct=True),
    case("hardsigmoid", "hardsigmoid", (2, 3, 3, 2), tol=PIECEWISE, distinct=True),
    case("hardswish", "hardswish", (2, 3, 3, 2), tol=PIECEWISE, distinct=True),
    case("silu", "silu", (2, 3, 3, 2), tol=SMOOTH),
    case("silu_vector", "silu", (3, 7), tol=SMOOTH),
    case("gelu", "gelu", (2, 3, 3, 2), tol=SMOOTH),
    case("gelu_tanh", "gelu", (2, 3, 3, 2), tol=SMOOTH, tanh=True),
    case("gelu_vector", "gelu", (3, 7), tol=SMOOTH),
]
# fmt: on

KINKS = {"relu6": (0.0, 6.0), "hardsigmoid": (-3.0, 3.0), "hardswish": (-3.0, 3.0),
         "silu": (), "gelu": ()}


def spread(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A permutation of n evenly spaced values in (−10, 10): every region of every kind."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) + 0.5) / n * 20 - 10).reshape(shape)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_backward_over_all_regions(case: Case, rng: np.random.Generator) -> None:
    x = spread(case.x_shape, rng)  # type: ignore[arg-type]
    for kink in KINKS[case.kind]:
        assert np.abs(x - kink).min() > 1e-3  # central differences (h = 1e-5) stay on one side
    assert (x < -3).any() and (x > 6).any()
    out, cache = case.forward(x, {})
    dout = rng.standard_normal(out.shape)
    dx, _ = case.backward(dout, cache)
    num_dx, _ = numeric_kernel_grads(lambda a, w: case.forward(a, w)[0], x, {}, dout)
    assert rel_error(dx, num_dx) < case.threshold


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_in_place_matches_out_of_place(case: Case, rng: np.random.Generator) -> None:
    """out=x overwrites x; the cache keeps its own arrays (a mask or a copy), never x's buffer,
    and the backward is the same."""
    x = spread(case.x_shape, rng)  # type: ignore[arg-type]
    kernel = KERNELS[case.kind]
    fresh, fresh_cache = kernel.forward(x.copy(), **case.hyper)
    buffer = x.copy()
    inplace, cache = kernel.forward(buffer, **case.hyper, out=buffer)
    assert inplace is buffer
    np.testing.assert_array_equal(inplace, fresh)
    assert not any(np.shares_memory(a, buffer) for a in vars(cache).values()
                   if isinstance(a, np.ndarray))
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(kernel.backward(dout, cache),
                                  kernel.backward(dout, fresh_cache))


@pytest.mark.parametrize("kind", ["silu", "gelu", "hardswish"])
def test_gated_caches_never_hold_the_input_itself(kind: str, rng: np.random.Generator) -> None:
    """Not in place either: a cache holding x's buffer would stop a later in-place kind from
    writing there (`ADD(SILU | RELU)`), which the static rule does not foresee."""
    x = rng.standard_normal((2, 3))
    _, cache = KERNELS[kind].forward(x)
    assert not np.shares_memory(cache.x, x)
