"""Output sizes of CONV, DECONV, MAXPOOL and AVGPOOL against PyTorch, over 4,000 derandomized
configurations (issue 9): each is written as a one-layer .arch, analyzed, and built as the torch
module it describes, run on a zero NCHW tensor; archcalc's H×W×C must be torch's output shape,
and archcalc must refuse (ArchError) exactly the configurations torch refuses.

Compared, as PyTorch defines them:
- CONV = nn.Conv2d: integer and per-axis (`p=HxW`) padding, `p=valid`, stride, dilation,
  rectangular filters; a filter wider than the padded input is refused by both. With stride 1,
  `p=same` also gives nn.Conv2d(padding="same")'s shape (the same total padding D·(F − 1)).
- DECONV = nn.ConvTranspose2d: padding, stride, dilation, `out_p` = output_padding (refused
  unless smaller than the stride or the dilation, per axis), an output ≤ 0 refused.
- MAXPOOL / AVGPOOL = nn.MaxPool2d / nn.AvgPool2d: floor and `ceil=true` = ceil_mode (the last
  window must start inside the input or its leading padding; a ceil-mode window larger than its
  input may still give one output), the stride defaulting to the window, padding per side and
  per axis, and torch's refusal of padding beyond half the window.

Deliberately different, and so compared as archcalc defines them:
- `p=same` is TensorFlow's: output ⌈W/S⌉, total padding max((⌈W/S⌉ − 1)·S + F' − W, 0), the
  odd pixel at the end. Torch is given that padding explicitly (F.pad, then the module with
  padding 0) — PyTorch's own padding="same" refuses stride > 1 and exists for convolutions
  only; for pools this is TF's "SAME" pooling, which no torch padding argument expresses.
- DECONV has no `p=same`; the pools have no dilation (nn.MaxPool2d's `dilation` is not
  compared). Only sizes are compared here: which pixels AVGPOOL's divisor counts, the `fits`
  marks and `--strict` are tested elsewhere.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

from hypothesis import event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import archcalc  # noqa: E402

Pair = tuple[int, int]
pytestmark = pytest.mark.filterwarnings(  # torch's note on padding="same" with an even filter
    "ignore:Using padding='same':UserWarning")
EXAMPLES = {"conv": 1200, "deconv": 800, "maxpool": 1000, "avgpool": 1000}


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """On these tiny tensors torch's thread pool costs more than the work it shares."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@dataclass(frozen=True)
class Written:
    """A pair of integers and how the .arch writes it: `3` (square) or `3x5`."""

    value: Pair
    square: bool

    def __str__(self) -> str:
        h, w = self.value
        return f"{h}" if self.square else f"{h}x{w}"


def pairs(low: int, high: int) -> st.SearchStrategy[Written]:
    square = st.integers(low, high).map(lambda n: Written((n, n), True))
    rectangular = st.tuples(st.integers(low, high), st.integers(low, high)).map(
        lambda hw: Written(hw, False))
    return st.one_of(square, rectangular)


@dataclass(frozen=True)
class Config:
    kind: str  # conv, deconv, maxpool, avgpool
    h: int
    w: int
    c: int
    f: Written
    s: Written | None  # None: the kind's default (1 for CONV/DECONV, the window for pools)
    p: Written | str
    d: Written | None = None
    out_p: Written | None = None
    ceil: bool = False
    k: int = 2

    def arch(self) -> str:
        """The one-layer description."""
        args = [f"{self.k}"] if self.kind in ("conv", "deconv") else []
        args.append(f"f={self.f}")
        if self.s is not None:
            args.append(f"s={self.s}")
        args.append(f"p={self.p}")
        if self.d is not None:
            args.append(f"d={self.d}")
        if self.out_p is not None:
            args.append(f"out_p={self.out_p}")
        if self.ceil:
            args.append("ceil=true")
        return f"input {self.h}x{self.w}x{self.c}\n{self.kind.upper()}({', '.join(args)})"

    def stride(self) -> Pair:
        if self.s is not None:
            return self.s.value
        return self.f.value if self.kind.endswith("pool") else (1, 1)

    def dilation(self) -> Pair:
        return self.d.value if self.d is not None else (1, 1)


def tf_same(size: int, f_eff: int, stride: int) -> Pair:
    """TensorFlow's SAME padding (before, after) along one axis: output ⌈size/stride⌉, the
    odd pixel at the end (tensorflow/core/framework/kernel_shape_util.cc)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + f_eff - size, 0)
    return total // 2, total - total // 2


def torch_shape(cfg: Config) -> tuple[int, int, int] | str:
    """torch's output as H×W×C, or the message of its refusal."""
    x = torch.zeros(1, cfg.c, cfg.h, cfg.w)
    stride, dilation = cfg.stride(), cfg.dilation()
    padding: Pair | str
    if cfg.p == "same":
        (fh, fw), (dh, dw) = cfg.f.value, dilation
        top, bottom = tf_same(cfg.h, dh * (fh - 1) + 1, stride[0])
        left, right = tf_same(cfg.w, dw * (fw - 1) + 1, stride[1])
        x = F.pad(x, (left, right, top, bottom))
        padding = (0, 0)
    elif cfg.p == "valid":
        padding = "valid" if cfg.kind == "conv" else (0, 0)
    else:
        assert isinstance(cfg.p, Written)
        padding = cfg.p.value
    module: Callable[[Any], Any]
    try:
        if cfg.kind == "conv":
            module = nn.Conv2d(cfg.c, cfg.k, cfg.f.value, stride, padding, dilation)
        elif cfg.kind == "deconv":
            out_p = cfg.out_p.value if cfg.out_p is not None else (0, 0)
            module = nn.ConvTranspose2d(cfg.c, cfg.k, cfg.f.value, stride, padding, out_p,
                                        dilation=dilation)
        elif cfg.kind == "maxpool":
            stride_arg = None if cfg.s is None else stride  # torch's default too: the window
            module = nn.MaxPool2d(cfg.f.value, stride_arg, padding, ceil_mode=cfg.ceil)
        else:
            stride_arg = None if cfg.s is None else stride
            module = nn.AvgPool2d(cfg.f.value, stride_arg, padding, ceil_mode=cfg.ceil)
        with torch.no_grad():
            n, c, h, w = module(x).shape
    except (RuntimeError, ValueError) as err:
        return f"{type(err).__name__}: {err}"
    assert n == 1
    if h <= 0 or w <= 0:  # an empty tensor is a refusal too (archcalc: an output ≤ 0)
        return f"empty output {h}x{w}"
    return h, w, c


def archcalc_shape(cfg: Config) -> tuple[int, int, int] | str:
    try:
        out = archcalc.analyze(cfg.arch()).layers[-1].output
    except archcalc.ArchError as err:
        return f"ArchError: {err}"
    return tuple(out)  # type: ignore[return-value]


def agree(cfg: Config) -> str:
    """Assert that archcalc and torch agree on `cfg`; say how (a hypothesis event)."""
    ours, theirs = archcalc_shape(cfg), torch_shape(cfg)
    if isinstance(ours, str) or isinstance(theirs, str):
        assert isinstance(ours, str) and isinstance(theirs, str), (
            f"{cfg.arch()!r}\n  archcalc: {ours}\n  torch:    {theirs}")
    else:
        assert ours == theirs, f"{cfg.arch()!r}\n  archcalc: {ours}\n  torch:    {theirs}"
    if cfg.kind == "conv" and cfg.p == "same" and cfg.stride() == (1, 1):
        # PyTorch's own "same" (stride 1 only): the same total padding, so the same shape
        module = nn.Conv2d(cfg.c, cfg.k, cfg.f.value, 1, "same", cfg.dilation())
        with torch.no_grad():
            _, c, h, w = module(torch.zeros(1, cfg.c, cfg.h, cfg.w)).shape
        assert ours == (h, w, c), f"{cfg.arch()!r}: PyTorch's padding='same' gives {h}x{w}x{c}"
    return "both refuse" if isinstance(ours, str) else "a shape"


# ---- the configurations -----------------------------------------------------------------

SIZE = st.integers(1, 40)
SMALL = st.integers(1, 12) | SIZE  # DECONV: small inputs, so that the padding can empty it
CHANNELS = st.integers(1, 3)
WORDS = st.sampled_from(["same", "valid"])
BOOLS = st.booleans()
# strategies built once: hypothesis validates each new strategy object, per draw otherwise
CONV_F, DECONV_F, POOL_F = pairs(1, 7), pairs(1, 5), pairs(1, 6)
STRIDE = st.none() | pairs(1, 4)
DILATION = st.none() | pairs(1, 3)
CONV_P, DECONV_P = pairs(0, 4) | WORDS, pairs(0, 3)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A draw from one of the strategies, chosen in proportion to its weight (st.one_of would
    merge the repeats of one strategy, and pick among its flattened branches)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(table).flatmap(lambda strategy: strategy)


@functools.cache
def pool_paddings(half: Pair) -> st.SearchStrategy[Written | str]:
    """A pool's padding: mostly at most half the window per axis (torch's limit), one draw in
    five anything up to 3 (refused by torch beyond half the window), or same/valid."""
    within = pairs(0, min(half)) | st.tuples(st.integers(0, half[0]),
                                               st.integers(0, half[1])).map(
        lambda hw: Written(hw, False))
    return weighted((3, within), (1, pairs(0, 3)), (1, WORDS))


@functools.cache
def out_paddings(limit: Pair) -> st.SearchStrategy[Written | None]:
    """DECONV's out_p: below `limit` = max(stride, dilation) per axis (or unwritten), and one
    draw in six exactly at it on some axis (refused by both)."""
    valid = st.none() | pairs(0, min(limit) - 1) | st.tuples(
        st.integers(0, limit[0] - 1), st.integers(0, limit[1] - 1)).map(
            lambda hw: Written(hw, False))
    at_limit = st.one_of(
        st.just(Written((min(limit), min(limit)), True)),
        st.integers(0, limit[1] - 1).map(lambda w: Written((limit[0], w), False)),
        st.integers(0, limit[0] - 1).map(lambda h: Written((h, limit[1]), False)))
    return weighted((5, valid), (1, at_limit))


@st.composite
def convs(draw: st.DrawFn) -> Config:
    return Config("conv", draw(SIZE), draw(SIZE), draw(CHANNELS), f=draw(CONV_F),
                  s=draw(STRIDE), p=draw(CONV_P), d=draw(DILATION), k=draw(CHANNELS))


@st.composite
def deconvs(draw: st.DrawFn) -> Config:
    f, s, d = draw(DECONV_F), draw(STRIDE), draw(DILATION)
    stride, dilation = (s.value if s else (1, 1)), (d.value if d else (1, 1))
    limit = (max(stride[0], dilation[0]), max(stride[1], dilation[1]))
    return Config("deconv", draw(SMALL), draw(SMALL), draw(CHANNELS), f=f, s=s,
                  p=draw(DECONV_P), d=d, out_p=draw(out_paddings(limit)), k=draw(CHANNELS))


@st.composite
def pools(draw: st.DrawFn, kind: str) -> Config:
    f = draw(POOL_F)
    return Config(kind, draw(SIZE), draw(SIZE), draw(CHANNELS), f=f, s=draw(STRIDE),
                  p=draw(pool_paddings((f.value[0] // 2, f.value[1] // 2))), ceil=draw(BOOLS))


@settings(max_examples=EXAMPLES["conv"])
@given(convs())
def test_conv_output_size_equals_torch(cfg: Config) -> None:
    event(agree(cfg))


@settings(max_examples=EXAMPLES["deconv"])
@given(deconvs())
def test_deconv_output_size_equals_torch(cfg: Config) -> None:
    event(agree(cfg))


@settings(max_examples=EXAMPLES["maxpool"])
@given(pools("maxpool"))
def test_maxpool_output_size_equals_torch(cfg: Config) -> None:
    event(agree(cfg))


@settings(max_examples=EXAMPLES["avgpool"])
@given(pools("avgpool"))
def test_avgpool_output_size_equals_torch(cfg: Config) -> None:
    event(agree(cfg))


# ---- hand-picked edges, so that each is tried whatever the draws ---------------------------

EDGES = [
    # CONV: the filter exactly the padded input; one pixel wider; `same` with an even filter
    # and stride 2 (TF pads 0 before, 1 after); dilation making F' > W
    Config("conv", 5, 5, 1, Written((5, 5), True), None, Written((0, 0), True)),
    Config("conv", 5, 5, 1, Written((6, 6), True), None, Written((0, 0), True)),
    Config("conv", 7, 8, 1, Written((2, 4), False), Written((2, 3), False), "same"),
    Config("conv", 4, 9, 1, Written((3, 3), True), None, "valid", d=Written((2, 4), False)),
    # DECONV: output exactly 1, exactly 0; out_p at the stride (refused), below the dilation
    Config("deconv", 1, 1, 1, Written((3, 3), True), None, Written((1, 1), True)),
    Config("deconv", 1, 1, 1, Written((2, 2), True), None, Written((1, 0), False)),
    Config("deconv", 3, 3, 1, Written((3, 3), True), Written((2, 2), True), Written((0, 0), True),
           out_p=Written((2, 2), True)),
    Config("deconv", 3, 3, 1, Written((3, 3), True), None, Written((0, 0), True),
           d=Written((3, 1), False), out_p=Written((2, 0), False)),
    # pools: padding F/2 (accepted) and beyond (refused by torch); ceil dropping the window
    # that would start in the trailing padding; a ceil window larger than its input (1×1)
    Config("maxpool", 6, 6, 1, Written((2, 2), True), Written((1, 1), True),
           Written((1, 1), True)),
    Config("maxpool", 6, 6, 1, Written((2, 2), True), Written((1, 1), True),
           Written((2, 2), True)),
    Config("avgpool", 6, 6, 1, Written((3, 3), True), None, Written((0, 2), False)),
    Config("maxpool", 5, 5, 1, Written((2, 2), True), None, Written((1, 1), True), ceil=True),
    Config("avgpool", 6, 6, 1, Written((3, 3), True), Written((2, 2), True),
           Written((1, 1), True), ceil=True),
    Config("maxpool", 2, 2, 1, Written((3, 3), True), None, Written((0, 0), True), ceil=True),
    Config("avgpool", 2, 5, 1, Written((3, 3), True), Written((2, 2), True),
           Written((0, 0), True), ceil=True),
    Config("maxpool", 2, 2, 1, Written((3, 3), True), Written((1, 1), True),
           Written((0, 0), True), ceil=True),
    Config("avgpool", 5, 5, 1, Written((4, 4), True), Written((3, 3), True), "same", ceil=True),
]


@pytest.mark.parametrize("cfg", EDGES, ids=lambda cfg: cfg.arch().split("\n")[1])
def test_edge_output_size_equals_torch(cfg: Config) -> None:
    agree(cfg)


def test_tf_same_padding_is_tensorflows() -> None:
    """The oracle's own padding: output ⌈W/S⌉, the odd pixel at the end."""
    assert tf_same(13, 6, 5) == (1, 2)  # the classic example: 13 wide, filter 6, stride 5
    assert tf_same(7, 2, 2) == (0, 1)
    assert tf_same(5, 1, 3) == (0, 0)
    assert all(math.ceil(w / s) == (w + sum(tf_same(w, f, s)) - f) // s + 1
               for w in range(1, 30) for f in range(1, w + 1) for s in range(1, 6))
