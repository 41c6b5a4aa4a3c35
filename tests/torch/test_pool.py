"""ADAPTIVEAVGPOOL, ADAPTIVEMAXPOOL and ZEROPAD against PyTorch (float64): the kernels' forward
and backward against F.adaptive_avg_pool2d / F.adaptive_max_pool2d / F.pad, and the analyzer's
shapes, FLOPs and per-unit fields against the windows torch's gradients reveal."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from helpers import net

from archcalc.executor import adaptive

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """On these tiny tensors torch's thread pool costs ten times the work it shares."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def nchw(x: np.ndarray) -> torch.Tensor:
    return torch.tensor(x).permute(0, 3, 1, 2)


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).detach().numpy()


def torch_pair(fn, x: np.ndarray, dout: np.ndarray, contiguous: bool = False):  # type: ignore[no-untyped-def]
    """(output, input gradient) of torch's `fn` on NHWC arrays (permuted to NCHW, a
    channels-last tensor unless `contiguous`)."""
    t = nchw(x)
    t = (t.contiguous() if contiguous else t).requires_grad_()
    out = fn(t)
    out.backward(nchw(dout))
    return nhwc(out), nhwc(t.grad)


# (H, h) along one axis: divisible, not, h = 1, h = H, h > H
AXES = [(1, 1), (1, 3), (2, 3), (3, 5), (5, 3), (7, 7), (7, 2), (12, 5), (13, 4), (14, 7),
        (6, 1), (4, 9)]
SIZES = [(a, b) for a, b in itertools.product(AXES, AXES) if a != b][::5]


@pytest.mark.parametrize(("rows", "cols"), SIZES)
def test_adaptive_avg_pool_equals_torch(rows: tuple[int, int], cols: tuple[int, int],
                                        rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, rows[0], cols[0], 3))
    size = (rows[1], cols[1])
    out, cache = adaptive.adaptive_avgpool_forward(x, size=size)
    dout = rng.standard_normal(out.shape)
    want, want_dx = torch_pair(lambda t: F.adaptive_avg_pool2d(t, size), x, dout)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(adaptive.adaptive_avgpool_backward(dout, cache), want_dx,
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("rows", "cols"), SIZES)
@pytest.mark.parametrize("ties", [False, True])
def test_adaptive_max_pool_equals_torch(rows: tuple[int, int], cols: tuple[int, int],
                                        ties: bool, rng: np.random.Generator) -> None:
    shape = (2, rows[0], cols[0], 3)
    # with ties (values 0, 1, 2) the gradient shows which pixel each window chose
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)
    size = (rows[1], cols[1])
    out, cache = adaptive.adaptive_maxpool_forward(x, size=size)
    dout = rng.standard_normal(out.shape)
    for contiguous in (False, True):  # torch's channels-last and NCHW kernels
        want, want_dx = torch_pair(lambda t: F.adaptive_max_pool2d(t, size), x, dout,
                                   contiguous)
        np.testing.assert_array_equal(out, want)
        np.testing.assert_allclose(adaptive.adaptive_maxpool_backward(dout, cache), want_dx,
                                   rtol=1e-12, atol=1e-14)


PADS = [(0, 0, 0, 0), (1, 1, 1, 1), (0, 1, 0, 1), (2, 0, 3, 1), (0, 0, 4, 0), (1, 3, 0, 2)]


@pytest.mark.parametrize("pads", PADS)
def test_zeropad_equals_torch(pads: tuple[int, int, int, int],
                              rng: np.random.Generator) -> None:
    left, right, top, bottom = pads  # torch's order (left, right, top, bottom)
    x = rng.standard_normal((2, 3, 4, 2))
    out, cache = adaptive.zeropad_forward(x, padding=((top, bottom), (left, right)))
    dout = rng.standard_normal(out.shape)
    for fn in (lambda t: F.pad(t, pads), torch.nn.ZeroPad2d(pads)):
        want, want_dx = torch_pair(fn, x, dout)
        np.testing.assert_array_equal(out, want)
        np.testing.assert_array_equal(adaptive.zeropad_backward(dout, cache), want_dx)


# ---- the analyzer against torch ----------------------------------------------------------

GRID = list(itertools.product([1, 2, 3, 5, 7, 8, 12, 13], [1, 2, 3, 4, 5, 7, 9, 14]))


def torch_windows(extent: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """Per output unit, the input pixels its window holds: the support of the gradient of
    torch's adaptive average pool seeded at that unit alone, (h·w, H, W) booleans."""
    h, w = size
    x = torch.ones((h * w, 1, *extent), dtype=torch.float64, requires_grad=True)
    out = F.adaptive_avg_pool2d(x, size)
    seed = torch.zeros_like(out)
    seed.view(h * w, h * w)[range(h * w), range(h * w)] = 1.0  # batch element k: unit k
    out.backward(seed)
    return (x.grad[:, 0] != 0).numpy()


@pytest.mark.parametrize("offset", range(0, len(GRID), 16))
def test_adaptive_figures_equal_torch_windows(offset: int) -> None:
    """Shapes, FLOPs (Σ window areas, and minus one per output for max) and each unit's
    field, for 8 × 8 (H, h) by (W, w) sizes, h > H and non-divisible among them."""
    for (height, h), (width, w) in itertools.product(GRID[offset : offset + 16], GRID[::7]):
        windows = torch_windows((height, width), (h, w))
        areas = int(windows.sum())
        text = f"input {height}x{width}x3\nADAPTIVEAVGPOOL({h}x{w})"
        avg = net(text).layers[0]
        mx = net(text.replace("AVG", "MAX")).layers[0]
        assert avg.output == mx.output == tuple(F.adaptive_avg_pool2d(
            torch.zeros(1, 3, height, width), (h, w)).permute(0, 2, 3, 1).shape[1:])
        assert avg.flops == areas * 3
        assert mx.flops == (areas - h * w) * 3
        for k, seen in enumerate(windows):
            rows, cols = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
            assert avg.rf.h.span(k // w) == (rows[0], rows[-1])
            assert avg.rf.w.span(k % w) == (cols[0], cols[-1])


@pytest.mark.parametrize("offset", range(0, 81, 9))
def test_zeropad_shapes_equal_torch(offset: int) -> None:
    sides = list(itertools.product([0, 1, 3], repeat=4))[offset : offset + 9]
    for (left, right, top, bottom), (height, width) in itertools.product(
            sides, [(1, 1), (3, 5), (8, 2)]):
        want = torch.nn.ZeroPad2d((left, right, top, bottom))(torch.zeros(1, 2, height, width))
        text = (f"input {height}x{width}x2\n"
                f"ZEROPAD(top={top}, bottom={bottom}, left={left}, right={right})")
        assert net(text).layers[0].output == (*want.shape[2:], 2)


@pytest.mark.parametrize(("p", "pads"), [("1", (1, 1, 1, 1)), ("1x2", (2, 2, 1, 1)),
                                         ("2x0", (0, 0, 2, 2))])
def test_zeropad_p_equals_torch(p: str, pads: tuple[int, int, int, int]) -> None:
    want = torch.nn.ZeroPad2d(pads)(torch.zeros(1, 2, 5, 4))
    assert net(f"input 5x4x2\nZEROPAD({p})").layers[0].output == (*want.shape[2:], 2)
