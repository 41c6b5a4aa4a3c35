"""Property tests: random valid architectures, sequential and branched, where the analyzer's
figures equal what the executor measures — output shape, parameters, buffers, MACs, kept
activation bytes and receptive field, layer by layer.

The generator tracks the shape with its own arithmetic (floor((W + 2P − F')/S) + 1, ceil mode,
TF `same`), only to keep the descriptions valid; the figures compared come from the analyzer
on one side and from the arrays on the other. 200 derandomized examples per test in the
default run; `-m slow` runs 2000 more each.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archcalc
from archcalc.executor.network import Options
from archcalc.executor.verify import Report, compare
from archcalc.figures import Column
from archcalc.layers import graph_kinds

ACTIVATIONS = ["RELU", "LEAKYRELU(0.1)", "PRELU", "ELU", "SIGMOID", "TANH", "BN", "LRN(n=3)",
               "DROPOUT(0.3)", "IDENTITY", "RELU6", "SILU", "HARDSWISH", "HARDSIGMOID", "GELU",
               "GELU(tanh=true)", "LAYERNORM", "LAYERNORM(affine=false)", "SCALE",
               "DROPPATH(0.2)"]


@dataclass
class Volume:
    h: int
    w: int
    c: int


def _out(size: int, f: int, s: int, pad: tuple[int, int], ceil: bool = False) -> int:
    span = size + pad[0] + pad[1] - f
    if span < 0:
        return 0
    n = -(-span // s) + 1 if ceil else span // s + 1
    if ceil and (n - 1) * s >= size + pad[0]:
        n -= 1
    return n


def _same(size: int, f: int, s: int) -> tuple[int, int]:
    total = max((-(-size // s) - 1) * s + f - size, 0)
    return total // 2, total - total // 2


@st.composite
def conv(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    groups = draw(st.sampled_from([g for g in (1, 2, 3) if v.c % g == 0]))
    k = groups * draw(st.integers(1, 3))
    fh, fw = draw(st.sampled_from([(1, 1), (2, 2), (3, 3), (3, 1), (1, 3), (5, 5), (2, 3)]))
    s = draw(st.integers(1, 3))
    d = draw(st.sampled_from([1, 1, 1, 2]))
    spans = (d * (fh - 1) + 1, d * (fw - 1) + 1)
    p = draw(st.sampled_from(["0", "1", "2", "same", "valid"]))
    if p == "same":
        pads = [_same(v.h, spans[0], s), _same(v.w, spans[1], s)]
    else:
        n = 0 if p == "valid" else int(p)
        pads = [(n, n), (n, n)]
    h, w = _out(v.h, spans[0], s, pads[0]), _out(v.w, spans[1], s, pads[1])
    if h < 1 or w < 1:
        return None
    f = f"{fh}" if fh == fw else f"{fh}x{fw}"
    bias = draw(st.booleans())
    text = f"CONV({k}, f={f}, s={s}, p={p}, d={d}, groups={groups}, bias={str(bias).lower()})"
    return text, Volume(h, w, k)


@st.composite
def pool(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    kind = draw(st.sampled_from(["MAXPOOL", "AVGPOOL"]))
    f = draw(st.integers(1, 3))
    s = draw(st.integers(1, 3))
    p = draw(st.integers(0, f // 2))
    ceil = draw(st.booleans())
    h, w = _out(v.h, f, s, (p, p), ceil), _out(v.w, f, s, (p, p), ceil)
    if h < 1 or w < 1:
        return None
    return f"{kind}({f}, s={s}, p={p}, ceil={str(ceil).lower()})", Volume(h, w, v.c)


@st.composite
def local(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    k, f, s, p = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2)), \
        draw(st.integers(0, 1))
    h, w = _out(v.h, f, s, (p, p)), _out(v.w, f, s, (p, p))
    if h < 1 or w < 1:
        return None
    return f"LOCAL({k}, f={f}, s={s}, p={p})", Volume(h, w, k)


@st.composite
def deconv(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    k, f, s = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    p = draw(st.integers(0, f - 1))
    out_p = draw(st.integers(0, s - 1))
    h, w = (v.h - 1) * s - 2 * p + f + out_p, (v.w - 1) * s - 2 * p + f + out_p
    if h < 1 or w < 1 or h * w > 400:
        return None
    return f"DECONV({k}, f={f}, s={s}, p={p}, out_p={out_p})", Volume(h, w, k)


@st.composite
def pointwise(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    if v.c % 2 == 0 and draw(st.integers(0, 5)) == 0:
        return "MAXOUT(k=2)", Volume(v.h, v.w, v.c // 2)
    if v.c > 1 and draw(st.integers(0, 5)) == 0:
        g = draw(st.sampled_from([g for g in range(1, v.c + 1) if v.c % g == 0]))
        return draw(st.sampled_from([f"GROUPNORM({g})", f"CHANNELSHUFFLE({g})"])), v
    return draw(st.sampled_from(ACTIVATIONS)), v


@st.composite
def gate(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    """Squeeze-and-excitation and other broadcasting merges: MUL or ADD of the input with a
    1×1×C (or 1×1×1, or H×W×1) path."""
    squeeze = draw(st.integers(1, 3))
    paths = [f"GAP - CONV({squeeze}, f=1) - RELU - CONV({v.c}, f=1) - "
             f"{draw(st.sampled_from(['SIGMOID', 'HARDSIGMOID']))}",
             "GAP - FLATTEN - FC(1)", "CONV(1, f=3, p=1) - SIGMOID",
             f"ADAPTIVEAVGPOOL(1) - CONV({v.c}, f=1)"]
    merge = draw(st.sampled_from(["MUL", "ADD"]))
    return f"{merge}(IDENTITY | {draw(st.sampled_from(paths))})", v


@st.composite
def split(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    """ShuffleNetV2's unit: SPLIT the channels in two, a body on the second half."""
    if v.c % 2:
        return None
    half = v.c // 2
    body = draw(st.sampled_from([f"CONV({half}, f=1) - RELU",
                                 f"CONV({half}, f=3, p=1, groups={half}) - BN",
                                 f"CONV({half}, f=1) - BN - RELU - CONV({half}, f=3, p=1)"]))
    shuffle = " - CHANNELSHUFFLE(2)" if draw(st.booleans()) else ""
    return f"SPLIT(IDENTITY | {body}){shuffle}", v


@st.composite
def resize(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    """Adaptive pools to a size of their own (windows of unequal size) and ZEROPAD."""
    if draw(st.booleans()):
        sides = [draw(st.integers(0, 2)) for _ in range(4)]
        text = f"ZEROPAD(top={sides[0]}, bottom={sides[1]}, left={sides[2]}, right={sides[3]})"
        return text, Volume(v.h + sides[0] + sides[1], v.w + sides[2] + sides[3], v.c)
    h, w = draw(st.integers(1, v.h + 2)), draw(st.integers(1, v.w + 2))
    kind = draw(st.sampled_from(["ADAPTIVEAVGPOOL", "ADAPTIVEMAXPOOL"]))
    return f"{kind}({h}x{w})", Volume(h, w, v.c)


@st.composite
def residual(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    """ADD of a body and a shortcut that give the same shape (with the same jump)."""
    c = draw(st.integers(1, 4))
    if draw(st.booleans()) and v.h >= 3 and v.w >= 3:  # downsampling, projection shortcut
        body = f"CONV({c}, f=3, s=2, p=1) - {draw(st.sampled_from(ACTIVATIONS))}"
        return f"RES({body} | CONV({c}, f=1, s=2))", Volume((v.h - 1) // 2 + 1,
                                                            (v.w - 1) // 2 + 1, c)
    body = f"CONV({v.c}, f=3, p=1) - {draw(st.sampled_from(ACTIVATIONS))}"
    body += draw(st.sampled_from(["", f" - CONV({v.c}, f=3, p=same)", " - BN"]))
    return f"RES({body})", v


@st.composite
def concat(draw: st.DrawFn, v: Volume) -> tuple[str, Volume] | None:
    """CONCAT of paths that keep H×W: 1×1 and padded convs, a stride-1 pool."""
    options = [("CONV({c}, f=1)", True), ("CONV({c}, f=3, p=1)", True),
               ("CONV({c}, f=5, p=2) - RELU", True), ("MAXPOOL(3, s=1, p=1)", False),
               ("AVGPOOL(3, s=1, p=1)", False), ("IDENTITY", False)]
    chosen = draw(st.lists(st.sampled_from(options), min_size=2, max_size=3))
    paths, channels = [], 0
    for template, sets_c in chosen:
        c = draw(st.integers(1, 3)) if sets_c else v.c
        paths.append(template.format(c=c))
        channels += c
    return f"CONCAT({' | '.join(paths)})", Volume(v.h, v.w, channels)


def upsample(v: Volume) -> st.SearchStrategy[tuple[str, Volume] | None]:
    if v.h * v.w > 100:
        return st.none()
    return st.just(("UPSAMPLE(2)", Volume(2 * v.h, 2 * v.w, v.c)))


SPATIAL = [conv, conv, conv, pool, pool, pointwise, pointwise, residual, concat, local, gate,
           split, resize]
BRANCHED = (residual, concat, gate, split)
# Every kind of a graph the generator can write, kept equal to the registry's (a test checks).
VOCABULARY = {"conv", "local", "deconv", "maxpool", "avgpool", "gap", "upsample", "fc",
              "flatten", "identity", "relu", "leakyrelu", "prelu", "elu", "sigmoid", "tanh",
              "softmax", "maxout", "bn", "lrn", "dropout", "add", "mul", "concat", "chunk",
              "channelshuffle", "relu6", "silu", "hardswish", "hardsigmoid", "gelu",
              "layernorm", "groupnorm", "scale", "droppath", "adaptiveavgpool",
              "adaptivemaxpool", "zeropad"}
FRACTIONAL = [deconv, upsample]  # layers after which jumps are fractions


@st.composite
def architecture(draw: st.DrawFn, branched: bool = True, fractional: bool = False) -> str:
    v = Volume(draw(st.integers(3, 12)), draw(st.integers(3, 12)), draw(st.integers(1, 4)))
    lines = [f"input {v.h}x{v.w}x{v.c}"]
    makers = SPATIAL if branched else [m for m in SPATIAL if m not in BRANCHED]
    if fractional:
        makers = makers + FRACTIONAL
    for _ in range(draw(st.integers(1, 6))):
        maker = draw(st.sampled_from(makers))
        made = draw(maker(v))
        if made is not None:
            lines.append(made[0])
            v = made[1]
    if len(lines) == 1:
        lines.append("RELU")
    tail = draw(st.sampled_from(["", "GAP", "FLATTEN", "FC"]))
    if tail == "GAP":
        lines.append("GAP")
    if tail or draw(st.booleans()):
        lines.append(f"FC({draw(st.integers(1, 6))})")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["RELU", "TANH", "DROPOUT(0.5)"])))
    if draw(st.booleans()):
        lines.append("SOFTMAX")
    return "\n".join(lines)


def run(text: str, batch: int = 2) -> Report:
    graph = archcalc.build_graph(text)
    analysis = archcalc.analyze(text, batch=batch)
    return compare(graph, analysis, Options(batch=batch, seed=len(text)))


def assert_agrees(report: Report, text: str) -> None:
    for layer in report.layers:
        where = f"{layer.name} in\n{text}"
        f = layer.figures
        assert f[Column.output].ok, (where, f[Column.output])
        assert f[Column.params].ok and f[Column.buffers].ok, (where, f)
        assert f[Column.macs].ok, (where, f[Column.macs])
        assert layer.trace.grads_ok, where
        assert f[Column.memory].ok, (where, f[Column.memory])
        assert Column.rf in f
        assert f[Column.rf].ok, (where, f[Column.rf])
    assert report.totals[Column.params].ok and report.totals[Column.macs].ok, text


CI = settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SLOW = settings(max_examples=2000, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_the_generator_writes_every_kind() -> None:
    assert sorted(VOCABULARY) == sorted(graph_kinds())


@CI
@given(architecture(branched=False))
def test_sequential_architectures(text: str) -> None:
    assert_agrees(run(text), text)


@CI
@given(architecture(branched=True))
def test_branched_architectures(text: str) -> None:
    assert_agrees(run(text), text)


@CI
@given(architecture(branched=True, fractional=True))
def test_architectures_with_upsampling(text: str) -> None:
    """With DECONV and UPSAMPLE too: fractional jumps, fields that differ by phase."""
    assert_agrees(run(text), text)


@pytest.mark.slow
@SLOW
@given(architecture(branched=True, fractional=True))
def test_architectures_slow(text: str) -> None:
    assert_agrees(run(text), text)
