"""PyTorch as the oracle for RELU6, SILU, HARDSWISH, HARDSIGMOID and GELU: each kernel's forward
and backward against torch.nn.functional in float64, and the analyzer's shapes and parameter
counts against torch modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import archcalc  # noqa: E402  (after the skip: without torch nothing here runs)
from archcalc.executor import gated  # noqa: E402
from archcalc.executor.kernels import KERNELS  # noqa: E402

# (the .arch call, kind, the kernel's hyperparameters, torch function, torch module)
ORACLES: list[tuple[str, str, dict[str, Any], Callable[..., Any], Any]] = [
    ("RELU6", "relu6", {}, F.relu6, torch.nn.ReLU6()),
    ("SWISH", "silu", {}, F.silu, torch.nn.SiLU()),
    ("HARDSWISH", "hardswish", {}, F.hardswish, torch.nn.Hardswish()),
    ("HARDSIGMOID", "hardsigmoid", {}, F.hardsigmoid, torch.nn.Hardsigmoid()),
    ("GELU", "gelu", {}, F.gelu, torch.nn.GELU()),
    ("GELU(tanh=true)", "gelu", {"tanh": True}, lambda t: F.gelu(t, approximate="tanh"),
     torch.nn.GELU(approximate="tanh")),
]
IDS = [o[0] for o in ORACLES]
ARGS = ("call", "kind", "hyper", "fn", "module")

# PyTorch's GELU computes 1 + erf(x/√2) and 1 + tanh(u), which cancel for x ≪ 0 (to 0 below
# x ≈ −8.3); the kernels use erfc and σ there. The two agree to ~1e-15 absolute, and relatively
# wherever the result is not tiny.
ATOL = {"gelu": 1e-14}
# PyTorch's CPU hardsigmoid_backward multiplies by the float32 constant 1.0f/6.0f
# (0.1666666716…), a relative error of 3e-8, even in float64.
BACKWARD_RTOL = {"hardsigmoid": 1e-7}


def run_torch(fn: Callable[..., Any], x: np.ndarray, dout: np.ndarray) -> tuple[Any, Any]:
    """torch's output and input gradient, in NCHW for a volume, returned as NHWC."""
    to_nchw = (0, 3, 1, 2) if x.ndim == 4 else tuple(range(x.ndim))
    back = (0, 2, 3, 1) if x.ndim == 4 else tuple(range(x.ndim))
    xt = torch.tensor(x.transpose(to_nchw), requires_grad=True)
    yt = fn(xt)
    yt.backward(torch.tensor(dout.transpose(to_nchw)))
    assert xt.grad is not None
    return yt.detach().numpy().transpose(back), xt.grad.numpy().transpose(back)


@pytest.mark.parametrize("shape", [(2, 5, 6, 3), (3, 17)])
@pytest.mark.parametrize(ARGS, ORACLES, ids=IDS)
def test_forward_and_backward_match_torch(call: str, kind: str, hyper: dict[str, Any],
                                          fn: Callable[..., Any], module: Any,
                                          shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape) * 5  # reaches every piece: beyond ±3 and past 6
    dout = rng.standard_normal(shape)
    out, cache = KERNELS[kind].forward(x, **hyper)
    dx = KERNELS[kind].backward(dout, cache)
    want_out, want_dx = run_torch(fn, x, dout)
    atol = ATOL.get(kind, 0.0)
    np.testing.assert_allclose(out, want_out, rtol=1e-14, atol=atol)
    np.testing.assert_allclose(dx, want_dx, rtol=BACKWARD_RTOL.get(kind, 1e-14), atol=atol)


@pytest.mark.parametrize(ARGS, ORACLES, ids=IDS)
def test_in_place_forward_matches_torch(call: str, kind: str, hyper: dict[str, Any],
                                        fn: Callable[..., Any], module: Any) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 4, 2)) * 5
    buffer = x.copy()
    out, cache = KERNELS[kind].forward(buffer, **hyper, out=buffer)
    assert out is buffer
    dout = rng.standard_normal(x.shape)
    want_out, want_dx = run_torch(fn, x, dout)
    atol = ATOL.get(kind, 0.0)
    np.testing.assert_allclose(buffer, want_out, rtol=1e-14, atol=atol)
    np.testing.assert_allclose(KERNELS[kind].backward(dout, cache), want_dx,
                               rtol=BACKWARD_RTOL.get(kind, 1e-14), atol=atol)


def test_erf_and_erfc_match_torch() -> None:
    # up to 26.5: erfc(26.543) is the smallest normal double, and below that the kernel
    # returns 0 (Cody's XBIG) where torch returns subnormals
    x = np.concatenate([np.linspace(-10, 10, 40_001), np.geomspace(1e-300, 26.5, 2001)])
    np.testing.assert_allclose(gated.erf(x), torch.erf(torch.tensor(x)).numpy(), rtol=1e-15)
    np.testing.assert_allclose(gated.erfc(x), torch.erfc(torch.tensor(x)).numpy(), rtol=2e-15)


# ---- the static side: shapes and parameter counts ------------------------------------------

CONFIGS = [((7, 9, 3), 4, 3, 1, 0), ((16, 16, 3), 8, 3, 2, 1), ((5, 11, 2), 6, 1, 1, 0),
           ((12, 10, 4), 2, 5, 3, 2), ((9, 9, 1), 3, 2, 2, 1)]


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize(ARGS, ORACLES, ids=IDS)
def test_shapes_and_params_match_torch(call: str, kind: str, hyper: dict[str, Any],
                                       fn: Callable[..., Any], module: Any,
                                       config: tuple[Any, ...]) -> None:
    (h, w, c), k, f, s, p = config
    a = archcalc.analyze(f"input {h}x{w}x{c}\nCONV({k}, f={f}, s={s}, p={p}) - {call}")
    net = torch.nn.Sequential(torch.nn.Conv2d(c, k, f, s, p), module)
    y = net(torch.zeros(1, c, h, w))
    assert a.layers[1].output == (y.shape[2], y.shape[3], y.shape[1])
    assert a.layers[1].params == sum(t.numel() for t in module.parameters())


@pytest.mark.parametrize(ARGS, ORACLES, ids=IDS)
def test_vector_shapes_match_torch(call: str, kind: str, hyper: dict[str, Any],
                                   fn: Callable[..., Any], module: Any) -> None:
    a = archcalc.analyze(f"input 20\nFC(7) - {call}")
    y = torch.nn.Sequential(torch.nn.Linear(20, 7), module)(torch.zeros(1, 20))
    assert a.layers[1].output == tuple(y.shape[1:])
