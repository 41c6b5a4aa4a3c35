"""PyTorch as the oracle of LAYERNORM, GROUPNORM and SCALE: forward and backward of each
kernel against torch in float64 on random NHWC data (F.layer_norm over the last axis, as
ConvNeXt's LayerNorm2d after its permute; F.group_norm on the data permuted to NCHW and back;
torchvision's `layer_scale * x` multiply), and the analyzer's shapes, parameters, biases,
buffers and refusals against torch's nn.LayerNorm and nn.GroupNorm."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from helpers import error, net  # noqa: E402

from archcalc.executor import layernorm, norm  # noqa: E402

SHAPES = [(3, 4, 5, 6), (2, 1, 1, 8), (4, 6), (2, 7, 3, 4)]  # NHWC volumes and (N, C) vectors


def tensor(a: np.ndarray) -> Any:
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def affine(c: int, rng: np.random.Generator, learned: bool) -> dict[str, np.ndarray]:
    return {"gamma": rng.standard_normal(c), "beta": rng.standard_normal(c)} if learned else {}


def same_as_torch(y: np.ndarray, dx: np.ndarray, grads: dict[str, np.ndarray], out: Any,
                  x: Any, params: dict[str, Any], dout: np.ndarray) -> None:
    """Our forward, dx and parameter gradients equal torch's output and autograd's."""
    out.backward(torch.tensor(dout))
    np.testing.assert_allclose(y, out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=1e-9, atol=1e-11)
    assert grads.keys() == params.keys()
    for key, p in params.items():
        np.testing.assert_allclose(grads[key], p.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("learned", [True, False], ids=["affine", "no_affine"])
def test_layernorm_matches_f_layer_norm_channels_last(shape: tuple[int, ...], learned: bool
                                                      ) -> None:
    rng = np.random.default_rng(len(shape) + shape[-1])
    a, w = 3 * rng.standard_normal(shape) + 1, affine(shape[-1], rng, learned)
    dout = rng.standard_normal(shape)
    y, cache = layernorm.layernorm_forward(a, w)
    dx, grads = layernorm.layernorm_backward(dout, cache)
    x, params = tensor(a), {k: tensor(v) for k, v in w.items()}
    out = F.layer_norm(x, (shape[-1],), params.get("gamma"), params.get("beta"), eps=1e-5)
    same_as_torch(y, dx, grads, out, x, params, dout)


@pytest.mark.parametrize(("shape", "groups"), [
    ((3, 4, 5, 6), 3), ((2, 3, 3, 8), 1), ((2, 3, 3, 8), 8), ((2, 1, 1, 8), 4), ((4, 6), 2),
    ((2, 7, 3, 4), 2),
], ids=str)
@pytest.mark.parametrize("learned", [True, False], ids=["affine", "no_affine"])
def test_groupnorm_matches_f_group_norm(shape: tuple[int, ...], groups: int, learned: bool
                                        ) -> None:
    rng = np.random.default_rng(groups + shape[-1])
    a, w = 3 * rng.standard_normal(shape) - 2, affine(shape[-1], rng, learned)
    dout = rng.standard_normal(shape)
    y, cache = layernorm.groupnorm_forward(a, w, groups=groups)
    dx, grads = layernorm.groupnorm_backward(dout, cache)
    x, params = tensor(a), {k: tensor(v) for k, v in w.items()}
    volume = x.ndim == 4
    out = F.group_norm(x.permute(0, 3, 1, 2) if volume else x, groups, params.get("gamma"),
                       params.get("beta"), eps=1e-5)
    same_as_torch(y, dx, grads, out.permute(0, 2, 3, 1) if volume else out, x, params, dout)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_scale_matches_a_channels_last_multiply(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(shape[-1])
    a, w = rng.standard_normal(shape), {"gamma": rng.standard_normal(shape[-1])}
    dout = rng.standard_normal(shape)
    y, cache = norm.scale_forward(a, w)
    dx, grads = norm.scale_backward(dout, cache)
    x, params = tensor(a), {"gamma": tensor(w["gamma"])}
    same_as_torch(y, dx, grads, params["gamma"] * x, x, params, dout)


def torch_figures(module: Any) -> tuple[int, int, int]:
    """(parameters, biases among them, buffers) of a torch module."""
    biases = sum(p.numel() for name, p in module.named_parameters() if name == "bias")
    return (sum(p.numel() for p in module.parameters()), biases,
            sum(b.numel() for b in module.buffers()))


def our_figures(text: str) -> tuple[int, int, int]:
    r = net(text).layers[0]
    return r.params, r.params - r.weights, r.buffers


@pytest.mark.parametrize("c", [1, 3, 8, 12, 96])
@pytest.mark.parametrize("learned", [True, False], ids=["affine", "no_affine"])
def test_layernorm_figures_match_nn_layernorm(c: int, learned: bool) -> None:
    text = f"input 5x3x{c}\nLAYERNORM(affine={'true' if learned else 'false'})"
    ln = torch.nn.LayerNorm(c, elementwise_affine=learned)
    assert net(text).layers[0].output == tuple(ln(torch.zeros(2, 5, 3, c)).shape[1:])
    assert our_figures(text) == torch_figures(ln)


@pytest.mark.parametrize("c", range(1, 13))
@pytest.mark.parametrize("g", range(1, 13))
def test_groupnorm_accepts_what_nn_groupnorm_accepts(c: int, g: int) -> None:
    text = f"input 4x5x{c}\nGROUPNORM({g}, affine=%s)"
    try:
        gn = torch.nn.GroupNorm(g, c)
    except ValueError:  # "num_channels must be divisible by num_groups"
        assert "needs a channel count divisible" in error(text % "true").message
        return
    shape = gn(torch.zeros(2, c, 4, 5)).permute(0, 2, 3, 1).shape[1:]
    assert net(text % "true").layers[0].output == tuple(shape)
    assert our_figures(text % "true") == torch_figures(gn)
    assert our_figures(text % "false") == torch_figures(torch.nn.GroupNorm(g, c, affine=False))
