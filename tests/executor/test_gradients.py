"""Every kernel's backward against central differences (float64), dx and every parameter.

The cases of the original kinds are here; tests/executor/test_gradients_*.py hold the others
(with the tests particular to their family). The checks below run on all of them, and
together they cover KERNELS: a kind registered without a case fails the last test.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from gradcases import (
    PIECEWISE,
    SMOOTH,
    Case,
    case,
    check_float32,
    check_gradients,
    numeric_grad,
    rel_error,
)

from archcalc.executor import activation
from archcalc.executor.kernels import KERNELS

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


ALL_CASES = CASES + [case for path in sorted(Path(__file__).parent.glob("test_gradients_*.py"))
                     for case in importlib.import_module(path.stem).CASES]


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.name for case in ALL_CASES])
def test_backward_matches_central_differences(case: Case, rng: np.random.Generator) -> None:
    check_gradients(case, rng)


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.name for case in ALL_CASES])
def test_float32_stays_float32(case: Case, rng: np.random.Generator) -> None:
    check_float32(case, rng)


def test_every_registered_kernel_is_gradchecked() -> None:
    """The kinds of KERNELS equal the kinds of the cases of every test_gradients* module."""
    assert sorted({c.kind for c in ALL_CASES}) == sorted(KERNELS)


def test_softmax_cross_entropy_gradient(rng: np.random.Generator) -> None:
    scores, labels = rng.standard_normal((4, 5)), np.array([0, 3, 4, 3])
    _, dscores = activation.softmax_cross_entropy(scores, labels)

    def loss(s: np.ndarray) -> np.ndarray:
        return np.array(activation.softmax_cross_entropy(s, labels)[0])

    assert rel_error(dscores, numeric_grad(loss, scores, np.array(1.0))) < SMOOTH
