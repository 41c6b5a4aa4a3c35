"""Central-difference gradients in float64 (cs231n's gradient check) and the relative error."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .base import Array, Grads, Weights

ArrayFn = Callable[[Array], Array]


def rel_error(x: Array, y: Array) -> float:
    """max |x − y| / max(1e-8, |x| + |y|), elementwise (cs231n)."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def _partial(f: ArrayFn, x: Array, df: Array, index: tuple[int, ...], h: float) -> float:
    """Σ (f(x + h·e_i) − f(x − h·e_i))·df / 2h, moving x[index] in place and restoring it."""
    old = x[index]
    x[index] = old + h
    plus = np.array(f(x), dtype=np.float64)
    x[index] = old - h
    minus = np.array(f(x), dtype=np.float64)
    x[index] = old
    return float(np.sum((plus - minus) * df) / (2 * h))


def numeric_grad(f: ArrayFn, x: Array, df: Array, h: float = 1e-5) -> Array:
    """Numerical gradient of Σ f(x)·df with respect to x; f reads x, which is moved in place."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        grad[index] = _partial(f, x, df, index, h)
    return grad


def numeric_grad_sampled(
    f: ArrayFn, x: Array, df: Array, count: int, rng: np.random.Generator, h: float = 1e-5
) -> tuple[tuple[Array, ...], Array]:
    """Numerical gradient at `count` random coordinates: (index arrays, values), for big arrays."""
    flat = rng.choice(x.size, size=min(count, x.size), replace=False)
    indices = np.unravel_index(flat, x.shape)
    values = [_partial(f, x, df, tuple(int(i[t]) for i in indices), h) for t in range(flat.size)]
    return indices, np.array(values)


KernelFn = Callable[[Array | list[Array], Weights], Array]


def numeric_kernel_grads(
    fn: KernelFn, x: Array | Sequence[Array], weights: Weights, dout: Array, h: float = 1e-5
) -> tuple[Array | list[Array], Grads]:
    """Numerical (dx, grads) of Σ fn(x, weights)·dout, all in float64 copies.

    `fn(x, weights) -> out` wraps a kernel's forward (e.g. with a fixed seed for DROPOUT); for a
    merge, `x` is a list and the result's dx is a list too.
    """
    single = isinstance(x, np.ndarray)
    xs = [np.array(a, dtype=np.float64) for a in ([x] if single else x)]
    ws = {key: np.array(a, dtype=np.float64) for key, a in weights.items()}

    def run(_: Array) -> Array:  # reads the arrays that numeric_grad moves in place
        return fn(xs[0] if single else xs, ws)

    dxs = [numeric_grad(run, a, dout, h) for a in xs]
    grads = {key: numeric_grad(run, ws[key], dout, h) for key in ws}
    return (dxs[0] if single else dxs), grads
