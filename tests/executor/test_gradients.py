"""Every kernel's backward against central differences (float64), dx and every parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from archcalc.executor import activation, conv
from archcalc.executor.gemm import MacCounter
from archcalc.executor.gradcheck import (
    numeric_grad,
    numeric_grad_sampled,
    numeric_kernel_grads,
    rel_error,
)
from archcalc.executor.kernels import KERNELS, Kernel

# Named thresholds on cs231n's elementwise rel_error, h = 1e-5, float64.
LINEAR = 1e-7  # kinds linear in x and in each weight: only rounding error is left
PIECEWISE = 1e-7  # max/relu kinks, inputs kept ≥ 1e-3 away from every tie or zero
SMOOTH = 1e-6  # curved kinds (BN, LRN, ELU, sigmoid, tanh, softmax): O(h²) truncation too

Shape = tuple[int, ...]


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


# fmt: off
CASES = [
    case("conv", "conv", (2, 5, 5, 3), {"w": (3, 3, 3, 4), "b": (4,)}),
    case("conv_strided_asym_dilated", "conv", (2, 7, 6, 2), {"w": (2, 3, 2, 3), "b": (3,)},
         stride=(2, 1), padding=((1, 0), (0, 2)), dilation=(2, 1)),
    case("conv_groups", "conv", (1, 5, 5, 4), {"w": (3, 3, 2, 6), "b": (6,)}, groups=2),
    case("conv_depthwise_nobias", "conv", (2, 4, 5, 3), {"w": (3, 2, 1, 6)},
         groups=3, padding=((1, 1), (0, 1))),
    case("local", "local", (2, 5, 4, 2), {"w": (3, 4, 2, 2, 2, 3), "b": (3, 4, 3)},
         stride=(2, 1), padding=((0, 1), (1, 0))),
    case("local_nobias", "local", (1, 3, 3, 2), {"w": (2, 2, 2, 2, 2, 2)}),
    case("deconv", "deconv", (2, 3, 2, 3), {"w": (3, 3, 3, 2), "b": (2,)},
         stride=(2, 2), padding=(1, 1), output_padding=(1, 1)),
    case("deconv_dilated_rect", "deconv", (1, 3, 3, 2), {"w": (2, 2, 3, 3), "b": (3,)},
         stride=(1, 3), padding=(0, 1), output_padding=(1, 2), dilation=(2, 1)),
    case("deconv_outpad_past_scatter_nobias", "deconv", (1, 2, 2, 2), {"w": (2, 3, 3, 2)},
         stride=(2, 2), output_padding=(1, 1)),
    case("maxpool", "maxpool", (2, 4, 4, 3), tol=PIECEWISE, distinct=True,
         kernel=(2, 2), stride=(2, 2)),
    case("maxpool_padded_ceil", "maxpool", (1, 6, 5, 2), tol=PIECEWISE, distinct=True,
         kernel=(3, 2), stride=(2, 2), padding=((1, 1), (0, 0)), overhang=(1, 1)),
    case("avgpool", "avgpool", (2, 4, 4, 3), kernel=(2, 2), stride=(2, 2)),
    case("avgpool_padded_ceil", "avgpool", (1, 6, 5, 2),
         kernel=(3, 2), stride=(2, 2), padding=((1, 1), (0, 0)), overhang=(1, 1)),
    case("gap", "gap", (2, 3, 4, 3)),
    case("fc_volume", "fc", (2, 2, 3, 2), {"w": (12, 4), "b": (4,)}),
    case("fc_vector_batch1", "fc", (1, 6), {"w": (6, 3), "b": (3,)}),
    case("fc_nobias", "fc", (3, 5), {"w": (5, 2)}),
    case("flatten", "flatten", (2, 2, 3, 2)),
    case("identity", "identity", (2, 3, 2, 2)),
    case("relu", "relu", (2, 3, 3, 2), tol=PIECEWISE, distinct=True),
    case("leakyrelu", "leakyrelu", (2, 3, 3, 2), tol=PIECEWISE, distinct=True,
         alpha=0.1),
    case("prelu_volume", "prelu", (2, 3, 3, 2), {"alpha": (2,)},
         tol=PIECEWISE, distinct=True),
    case("prelu_vector", "prelu", (4, 5), {"alpha": (5,)},
         tol=PIECEWISE, distinct=True),
    case("elu", "elu", (2, 3, 3, 2), tol=SMOOTH, distinct=True, alpha=0.7),
    case("sigmoid", "sigmoid", (2, 3, 3, 2), tol=SMOOTH),
    case("tanh", "tanh", (2, 3, 3, 2), tol=SMOOTH),
    case("maxout_k2", "maxout", (2, 2, 2, 6), tol=PIECEWISE, distinct=True, k=2),
    case("maxout_k3_vector", "maxout", (3, 6), tol=PIECEWISE, distinct=True, k=3),
    case("softmax_vector", "softmax", (3, 5), tol=SMOOTH),
    case("softmax_volume", "softmax", (2, 2, 2, 4), tol=SMOOTH),
    case("bn_vector", "bn", (6, 4), {"gamma": (4,), "beta": (4,)}, tol=SMOOTH),
    case("bn_volume", "bn", (3, 2, 3, 2), {"gamma": (2,), "beta": (2,)}, tol=SMOOTH),
    case("lrn_alexnet", "lrn", (2, 2, 2, 7), tol=SMOOTH),
    case("lrn_strong_odd", "lrn", (2, 2, 2, 6), tol=SMOOTH,
         n=3, k=1.0, alpha=0.5, beta=0.75),
    case("lrn_strong_even", "lrn", (1, 2, 2, 7), tol=SMOOTH,
         n=4, k=1.5, alpha=0.3, beta=0.6),
    case("dropout", "dropout", (2, 3, 3, 2), p=0.3),
    case("add", "add", [(2, 2, 3, 2)] * 3),
    case("concat", "concat", [(2, 2, 2, 1), (2, 2, 2, 3), (2, 2, 2, 2)]),
    case("upsample", "upsample", (2, 2, 3, 2), factor=(2, 3)),
]
# fmt: on


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


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_backward_matches_central_differences(case: Case, rng: np.random.Generator) -> None:
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


def test_every_registered_kernel_is_gradchecked() -> None:
    assert {c.kind for c in CASES} == set(KERNELS)


def test_softmax_cross_entropy_gradient(rng: np.random.Generator) -> None:
    scores, labels = rng.standard_normal((4, 5)), np.array([0, 3, 4, 3])
    _, dscores = activation.softmax_cross_entropy(scores, labels)

    def loss(s: np.ndarray) -> np.ndarray:
        return np.array(activation.softmax_cross_entropy(s, labels)[0])

    assert rel_error(dscores, numeric_grad(loss, scores, np.array(1.0))) < SMOOTH


def test_sampled_numeric_gradient_agrees_at_its_coordinates(rng: np.random.Generator) -> None:
    x, w = rng.standard_normal((2, 9, 9, 4)), rng.standard_normal((3, 3, 4, 5))
    out, cache = conv.conv_forward(x, {"w": w}, counter=MacCounter(), padding=((1, 1), (1, 1)))
    dout = rng.standard_normal(out.shape)
    dx, _ = conv.conv_backward(dout, cache, MacCounter())

    def f(a: np.ndarray) -> np.ndarray:
        return conv.conv_forward(a, {"w": w}, counter=MacCounter(), padding=((1, 1), (1, 1)))[0]

    indices, values = numeric_grad_sampled(f, x, dout, count=20, rng=rng)
    assert values.shape == (20,)
    assert rel_error(dx[indices], values) < LINEAR


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_float32_stays_float32(case: Case, rng: np.random.Generator) -> None:
    """Activations keep the input's dtype, so that their bytes follow --dtype."""
    x = make_inputs(case, rng)
    x = [a.astype(np.float32) for a in x] if isinstance(x, list) else x.astype(np.float32)
    weights = {k: rng.standard_normal(s).astype(np.float32) for k, s in case.weights.items()}
    out, cache = case.forward(x, weights)
    dx, grads = case.backward(np.ones_like(out), cache)
    assert out.dtype == np.float32
    assert all(a.dtype == np.float32 for a in (dx if isinstance(dx, list) else [dx]))
    assert all(g.dtype == np.float32 for g in grads.values())
