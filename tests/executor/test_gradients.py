"""Every kernel's backward against central differences (float64), dx and every parameter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from archcalc.executor import activation, conv, dense, merge, norm, pool
from archcalc.executor.gemm import MacCounter
from archcalc.executor.gradcheck import (
    numeric_grad,
    numeric_grad_sampled,
    numeric_kernel_grads,
    rel_error,
)

# Named thresholds on cs231n's elementwise rel_error, h = 1e-5, float64.
LINEAR = 1e-7  # kinds linear in x and in each weight: only rounding error is left
PIECEWISE = 1e-7  # max/relu kinks, inputs kept ≥ 1e-3 away from every tie or zero
SMOOTH = 1e-6  # curved kinds (BN, LRN, ELU, sigmoid, tanh, softmax): O(h²) truncation too

FAMILIES: list[ModuleType] = [conv, pool, dense, activation, norm, merge]
Shape = tuple[int, ...]


def seeded_dropout(x: Any, weights: Any, *, counter: MacCounter, p: float) -> Any:
    """DROPOUT with the same mask on every call, so that it is a fixed function of x."""
    return norm.dropout_forward(x, weights, counter=counter, p=p, rng=np.random.default_rng(7))


@dataclass(frozen=True)
class Case:
    name: str
    forward: Callable[..., Any]
    backward: Callable[..., Any]
    x_shape: Shape | list[Shape]  # a list for merges
    weights: dict[str, Shape] = field(default_factory=dict)
    hyper: dict[str, Any] = field(default_factory=dict)
    threshold: float = LINEAR
    distinct: bool = False  # inputs a permutation of well-separated values (no ties, no zeros)


def c(name: str, family: ModuleType, kind: str, *args: Any, **kw: Any) -> Case:
    return Case(name, getattr(family, f"{kind}_forward"), getattr(family, f"{kind}_backward"), *args, **kw)


P = PIECEWISE
S = SMOOTH
CASES = [
    c("conv", conv, "conv", (2, 5, 5, 3), {"w": (3, 3, 3, 4), "b": (4,)}),
    c("conv_strided_asym_dilated", conv, "conv", (2, 7, 6, 2), {"w": (2, 3, 2, 3), "b": (3,)},
      {"stride": (2, 1), "padding": ((1, 0), (0, 2)), "dilation": (2, 1)}),
    c("conv_groups", conv, "conv", (1, 5, 5, 4), {"w": (3, 3, 2, 6), "b": (6,)}, {"groups": 2}),
    c("conv_depthwise_nobias", conv, "conv", (2, 4, 5, 3), {"w": (3, 2, 1, 6)},
      {"groups": 3, "padding": ((1, 1), (0, 1))}),
    c("local", conv, "local", (2, 5, 4, 2), {"w": (3, 4, 2, 2, 2, 3), "b": (3, 4, 3)},
      {"stride": (2, 1), "padding": ((0, 1), (1, 0))}),
    c("local_nobias", conv, "local", (1, 3, 3, 2), {"w": (2, 2, 2, 2, 2, 2)}),
    c("deconv", conv, "deconv", (2, 3, 2, 3), {"w": (3, 3, 3, 2), "b": (2,)},
      {"stride": (2, 2), "padding": (1, 1), "output_padding": (1, 1)}),
    c("deconv_dilated_rect", conv, "deconv", (1, 3, 3, 2), {"w": (2, 2, 3, 3), "b": (3,)},
      {"stride": (1, 3), "padding": (0, 1), "output_padding": (1, 2), "dilation": (2, 1)}),
    c("deconv_outpad_past_scatter_nobias", conv, "deconv", (1, 2, 2, 2), {"w": (2, 3, 3, 2)},
      {"stride": (2, 2), "output_padding": (1, 1)}),
    c("maxpool", pool, "maxpool", (2, 4, 4, 3), hyper={"kernel": (2, 2), "stride": (2, 2)},
      threshold=P, distinct=True),
    c("maxpool_padded_ceil", pool, "maxpool", (1, 6, 5, 2), threshold=P, distinct=True,
      hyper={"kernel": (3, 2), "stride": (2, 2), "padding": ((1, 1), (0, 0)), "overhang": (1, 1)}),
    c("avgpool", pool, "avgpool", (2, 4, 4, 3), hyper={"kernel": (2, 2), "stride": (2, 2)}),
    c("avgpool_padded_ceil", pool, "avgpool", (1, 6, 5, 2),
      hyper={"kernel": (3, 2), "stride": (2, 2), "padding": ((1, 1), (0, 0)), "overhang": (1, 1)}),
    c("gap", pool, "gap", (2, 3, 4, 3)),
    c("fc_volume", dense, "fc", (2, 2, 3, 2), {"w": (12, 4), "b": (4,)}),
    c("fc_vector_batch1", dense, "fc", (1, 6), {"w": (6, 3), "b": (3,)}),
    c("fc_nobias", dense, "fc", (3, 5), {"w": (5, 2)}),
    c("flatten", dense, "flatten", (2, 2, 3, 2)),
    c("identity", dense, "identity", (2, 3, 2, 2)),
    c("relu", activation, "relu", (2, 3, 3, 2), threshold=P, distinct=True),
    c("leakyrelu", activation, "leakyrelu", (2, 3, 3, 2), hyper={"alpha": 0.1}, threshold=P,
      distinct=True),
    c("prelu_volume", activation, "prelu", (2, 3, 3, 2), {"alpha": (2,)}, threshold=P,
      distinct=True),
    c("prelu_vector", activation, "prelu", (4, 5), {"alpha": (5,)}, threshold=P, distinct=True),
    c("elu", activation, "elu", (2, 3, 3, 2), hyper={"alpha": 0.7}, threshold=S, distinct=True),
    c("sigmoid", activation, "sigmoid", (2, 3, 3, 2), threshold=S),
    c("tanh", activation, "tanh", (2, 3, 3, 2), threshold=S),
    c("maxout_k2", activation, "maxout", (2, 2, 2, 6), hyper={"k": 2}, threshold=P,
      distinct=True),
    c("maxout_k3_vector", activation, "maxout", (3, 6), hyper={"k": 3}, threshold=P,
      distinct=True),
    c("softmax_vector", activation, "softmax", (3, 5), threshold=S),
    c("softmax_volume", activation, "softmax", (2, 2, 2, 4), threshold=S),
    c("bn_vector", norm, "bn", (6, 4), {"gamma": (4,), "beta": (4,)}, threshold=S),
    c("bn_volume", norm, "bn", (3, 2, 3, 2), {"gamma": (2,), "beta": (2,)}, threshold=S),
    c("lrn_alexnet", norm, "lrn", (2, 2, 2, 7), threshold=S),
    c("lrn_strong_odd", norm, "lrn", (2, 2, 2, 6),
      hyper={"n": 3, "k": 1.0, "alpha": 0.5, "beta": 0.75}, threshold=S),
    c("lrn_strong_even", norm, "lrn", (1, 2, 2, 7),
      hyper={"n": 4, "k": 1.5, "alpha": 0.3, "beta": 0.6}, threshold=S),
    Case("dropout", seeded_dropout, norm.dropout_backward, (2, 3, 3, 2), hyper={"p": 0.3}),
    c("add", merge, "add", [(2, 2, 3, 2)] * 3),
    c("concat", merge, "concat", [(2, 2, 2, 1), (2, 2, 2, 3), (2, 2, 2, 2)]),
    c("upsample", merge, "upsample", (2, 2, 3, 2), hyper={"factor": (2, 3)}),
]


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
    out, cache = case.forward(x, weights, counter=MacCounter(), **case.hyper)
    dout = rng.standard_normal(out.shape)
    dx, grads = case.backward(dout, cache, MacCounter())

    def fn(xs: Any, ws: Any) -> Any:
        return case.forward(xs, ws, counter=MacCounter(), **case.hyper)[0]

    num_dx, num_grads = numeric_kernel_grads(fn, x, weights, dout)
    assert grads.keys() == weights.keys()
    assert max(rel_errors(dx, num_dx)) < case.threshold
    for key in weights:
        assert grads[key].shape == weights[key].shape
        assert rel_error(grads[key], num_grads[key]) < case.threshold, key


def test_every_kernel_is_gradchecked() -> None:
    forwards = {
        getattr(family, name)
        for family in FAMILIES
        for name in dir(family)
        if name.endswith("_forward")
    }
    checked = {case.forward for case in CASES} | {norm.dropout_forward}
    assert forwards <= checked


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
