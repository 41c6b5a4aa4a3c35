"""The gradient-check harness shared by tests/executor/test_gradients*.py: a Case runs a
registered kernel pair (through KERNELS, with the context its forward asks for) and compares
its backward with central differences in float64."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archcalc.executor.gemm import MacCounter
from archcalc.executor.gradcheck_net import nudged
from archcalc.executor.kernels import KERNELS, Kernel

# Named thresholds on cs231n's elementwise rel_error, h = 1e-5, float64.
LINEAR = 1e-7  # kinds linear in x and in each weight: only rounding error is left
PIECEWISE = 1e-7  # max/relu kinks, inputs kept ≥ 1e-3 away from every tie or zero
SMOOTH = 1e-6  # curved kinds (BN, LRN, ELU, sigmoid, tanh, softmax): O(h²) truncation too

Shape = tuple[int, ...]


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """max |x − y| / max(1e-8, |x| + |y|), elementwise (cs231n)."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def numeric_grad(f: Any, x: np.ndarray, df: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of Σ f(x)·df with respect to x, by the product's central
    difference (`nudged`); f reads x, which is moved in place."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        plus, minus = nudged(lambda: np.array(f(x), dtype=np.float64), x, index, h)  # a copy
        grad[index] = float(np.sum((plus - minus) * df) / (2 * h))
    return grad


def numeric_kernel_grads(fn: Any, x: Any, weights: dict[str, np.ndarray], dout: np.ndarray,
                         h: float = 1e-5) -> tuple[Any, dict[str, np.ndarray]]:
    """Numerical (dx, grads) of Σ fn(x, weights)·dout in float64 copies; for a merge, `x` is
    a list and so is dx."""
    single = isinstance(x, np.ndarray)
    xs = [np.array(a, dtype=np.float64) for a in ([x] if single else x)]
    ws = {key: np.array(a, dtype=np.float64) for key, a in weights.items()}

    def run(_: np.ndarray) -> np.ndarray:  # reads the arrays numeric_grad moves in place
        return np.asarray(fn(xs[0] if single else xs, ws))

    dxs = [numeric_grad(run, a, dout, h) for a in xs]
    grads = {key: numeric_grad(run, ws[key], dout, h) for key in ws}
    return (dxs[0] if single else dxs), grads
@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    x_shape: Shape | list[Shape]  # a list for merges
    weights: dict[str, Shape] = field(default_factory=dict)
    hyper: dict[str, Any] = field(default_factory=dict)
    threshold: float = LINEAR
    distinct: bool = False  # inputs a permutation of well-separated values (no ties, no zeros)

    @property
    def kernel(self) -> Kernel:
        return KERNELS[self.kind]

    def forward(self, x: Any, weights: dict[str, np.ndarray]) -> tuple[Any, Any]:
        """The registered forward, with the context it asks for (DROPOUT's mask seeded, so
        that it is a fixed function of x)."""
        extra: dict[str, Any] = {}
        if "counter" in self.kernel.takes:
            extra["counter"] = MacCounter()
        if "rng" in self.kernel.takes:
            extra["rng"] = np.random.default_rng(7)
        head = [x, weights] if self.kernel.weights is not None else [x]
        return self.kernel.forward(*head, **self.hyper, **extra)

    def backward(self, dout: np.ndarray, cache: Any) -> tuple[Any, dict[str, np.ndarray]]:
        dxs, grads = self.kernel.run_backward(dout, cache, MacCounter())
        return (dxs if self.kernel.merge else dxs[0]), grads


def case(name: str, kind: str, x_shape: Shape | list[Shape],
         weights: dict[str, Shape] | None = None, *, tol: float = LINEAR,
         distinct: bool = False, **hyper: Any) -> Case:
    return Case(name, kind, x_shape, weights or {}, hyper, tol, distinct)



def make_input(shape: Shape, distinct: bool, rng: np.random.Generator) -> np.ndarray:
    if not distinct:
        return rng.standard_normal(shape)
    size = int(np.prod(shape))
    return ((rng.permutation(size) + 0.5) / size * 4 - 2).reshape(shape)  # |x| ≥ 2/size


def make_inputs(case: Case, rng: np.random.Generator) -> np.ndarray | list[np.ndarray]:
    if isinstance(case.x_shape, list):
        return [make_input(s, case.distinct, rng) for s in case.x_shape]
    return make_input(case.x_shape, case.distinct, rng)


def rel_errors(analytic: Any, numeric: Any) -> list[float]:
    if isinstance(analytic, list):
        return [rel_error(a, n) for a, n in zip(analytic, numeric, strict=True)]
    return [rel_error(analytic, numeric)]


def check_gradients(case: Case, rng: np.random.Generator) -> None:
    """The backward's dx and every parameter gradient equal central differences."""
    x = make_inputs(case, rng)
    weights = {key: rng.standard_normal(shape) for key, shape in case.weights.items()}
    out, cache = case.forward(x, weights)
    dout = rng.standard_normal(out.shape)
    dx, grads = case.backward(dout, cache)

    def fn(xs: Any, ws: Any) -> Any:
        return case.forward(xs, ws)[0]

    num_dx, num_grads = numeric_kernel_grads(fn, x, weights, dout)
    assert grads.keys() == weights.keys()
    assert max(rel_errors(dx, num_dx)) < case.threshold
    for key, value in weights.items():
        assert grads[key].shape == value.shape
        assert rel_error(grads[key], num_grads[key]) < case.threshold, key


def check_float32(case: Case, rng: np.random.Generator) -> None:
    """Activations keep the input's dtype, so that their bytes follow --dtype."""
    x = make_inputs(case, rng)
    x = [a.astype(np.float32) for a in x] if isinstance(x, list) else x.astype(np.float32)
    weights = {k: rng.standard_normal(s).astype(np.float32) for k, s in case.weights.items()}
    out, cache = case.forward(x, weights)
    dx, grads = case.backward(np.ones_like(out), cache)
    assert out.dtype == np.float32
    assert all(a.dtype == np.float32 for a in (dx if isinstance(dx, list) else [dx]))
    assert all(g.dtype == np.float32 for g in grads.values())
