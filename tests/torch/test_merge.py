"""Merges and channel kernels against PyTorch (float64): channel shuffle, chunk, and the
gradients of broadcasting ADD and MUL; the analyzer's broadcasting rule against torch's."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from archcalc.errors import ArchError
from archcalc.executor import channels, merge
from archcalc.layers.merge import broadcast

torch = pytest.importorskip("torch")


def nchw(x: np.ndarray) -> torch.Tensor:
    t = torch.tensor(x)
    return t.permute(0, 3, 1, 2) if t.ndim == 4 else t


def nhwc(t: torch.Tensor) -> np.ndarray:
    return (t.permute(0, 2, 3, 1) if t.ndim == 4 else t).detach().numpy()


@pytest.mark.parametrize(("c", "g"), [(6, 2), (6, 3), (116, 2), (8, 4)])
def test_channel_shuffle_equals_torch(c: int, g: int, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 2, c))
    ours, cache = channels.channelshuffle_forward(x, g=g)
    theirs = torch.nn.ChannelShuffle(g)(nchw(x))
    np.testing.assert_array_equal(ours, nhwc(theirs))
    dout = rng.standard_normal(ours.shape)
    t = nchw(x).requires_grad_()
    torch.nn.ChannelShuffle(g)(t).backward(nchw(dout))
    np.testing.assert_array_equal(channels.channelshuffle_backward(dout, cache), nhwc(t.grad))


def test_chunk_equals_torch_chunk(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 3, 6))
    parts = torch.chunk(nchw(x), 3, dim=1)
    for i in range(1, 4):
        np.testing.assert_array_equal(channels.chunk_forward(x, i=i, n=3)[0],
                                      nhwc(parts[i - 1]))


SHAPES = [((2, 4, 4, 3), (2, 1, 1, 3)), ((2, 4, 4, 3), (2, 4, 4, 1)),
          ((2, 1, 4, 3), (2, 4, 1, 3)), ((2, 4, 4, 3), (2, 4, 4, 3), (2, 1, 1, 1))]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("kind", ["add", "mul"])
def test_broadcasting_merges_equal_torch_autograd(kind: str, shapes: tuple, rng) -> None:
    xs = [rng.standard_normal(s) for s in shapes]
    forward, backward = ((merge.add_forward, merge.add_backward) if kind == "add" else
                         (merge.mul_forward, merge.mul_backward))
    out, cache = forward(xs)
    dout = rng.standard_normal(out.shape)
    ts = [nchw(x).requires_grad_() for x in xs]
    result = ts[0]
    for t in ts[1:]:
        result = result + t if kind == "add" else result * t
    result.backward(nchw(dout))
    np.testing.assert_allclose(out, nhwc(result), rtol=1e-12)
    for ours, t in zip(backward(dout, cache), ts, strict=True):
        np.testing.assert_allclose(ours, nhwc(t.grad), rtol=1e-12, atol=1e-12)


SIZES = [1, 2, 3]


def test_the_analyzers_broadcasting_rule_is_torchs() -> None:
    """Every pair of small H×W×C shapes (and vectors): archcalc's rule accepts exactly what
    torch broadcasts (a vector N standing for N×1×1 channels), with torch's result shape."""
    volumes = list(itertools.product(SIZES, repeat=3))
    shapes = volumes + [(n,) for n in SIZES]
    for a, b in itertools.product(shapes, repeat=2):
        as_torch = [(1, s[0], 1, 1) if len(s) == 1 else (1, s[2], s[0], s[1]) for s in (a, b)]
        try:
            t = torch.broadcast_shapes(*as_torch)
            expected = (t[1],) if len(a) == len(b) == 1 else (t[2], t[3], t[1])
        except RuntimeError:
            expected = None
        try:
            got = broadcast("ADD", [a, b], ["path 1", "path 2"])
        except ArchError:
            assert expected is None, (a, b)
            continue
        assert got == expected, (a, b)
