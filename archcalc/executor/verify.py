"""`archcalc verify`: run the network for real and compare, layer by layer, with the analysis.

`verify` analyzes the description, checks the memory guard, then hands the Analysis as data to
`compare`, which runs the executor (never the analyzer's rules) and sets the two side by side.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from archcalc.analyze import Analysis, LayerReport, analyze_graph
from archcalc.errors import ArchError, Source
from archcalc.figures import Column
from archcalc.graph import Graph
from archcalc.settings import Dtype, Settings
from archcalc.values import Value

from .gradcheck_net import GradCheck, count, gradcheck
from .guard import check_memory
from .init import Init
from .network import NodeTrace, Options, Tick, Trace, quiet, run
from .probe import AxisProbe, RFProbe, probe


@dataclass(frozen=True)
class Comparison:
    """One figure: the analyzer's value, the executor's, and whether they agree."""

    expected: Any
    got: Any
    ok: bool


# The figures verify compares per layer (and, but for rf, in the totals).
COMPARED = (Column.output, Column.params, Column.buffers, Column.macs, Column.memory,
            Column.rf)


@dataclass(frozen=True)
class LayerCheck:
    """A layer's comparisons (memory: the bytes kept at the batch and dtype of the run; rf:
    None where not measured — a vector input, or --no-rf), its trace and its field probe."""

    name: str
    kind: str
    figures: dict[Column, Comparison]
    trace: NodeTrace
    probe: RFProbe | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.figures.values()) and self.trace.grads_ok


@dataclass(frozen=True)
class Report:
    network: str
    input: tuple[int, ...]
    options: Options
    layers: list[LayerCheck]
    totals: dict[Column, Comparison]
    trace: Trace
    gradcheck: list[GradCheck] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (all(layer.ok for layer in self.layers) and all(c.ok for c in self.totals.values())
                and all(g.ok for g in self.gradcheck))


def verify(source: str | os.PathLike[str] | Source, params: Mapping[str, Value] | None = None,
           *, options: Options = Options(), receptive_field: bool = True,
           gradcheck_samples: int = 0, max_memory: int | None = None,
           optional: bool = True, progress: Callable[[int], Tick] | None = None,
           input_shape: tuple[int, ...] | None = None) -> Report:
    """Analyze, check the memory guard, then run and compare (see `compare`).

    `progress(total)`, when given, returns the function called once per step of the run;
    `input_shape` replaces the file's input.
    """
    import archcalc

    _check_arguments(options, gradcheck_samples, max_memory)
    graph = archcalc.build_graph(source, params, optional, input_shape=input_shape)
    analysis = analyze_graph(graph, Settings(options.batch, Dtype(options.dtype)))
    check_memory(analysis, options, max_memory, gradcheck_samples > 0)
    n = len(graph.nodes)
    steps = 2 * n + (n if receptive_field else 0) + count(graph, gradcheck_samples)
    tick = progress(steps) if progress else None
    return compare(graph, analysis, options, receptive_field, gradcheck_samples, tick)


RUN_DTYPES = ("float16", "float32", "float64")  # NumPy's floats (it has no bfloat16)


def _check_arguments(options: Options, samples: object, max_memory: object) -> None:
    """verify's own arguments in their domain, or an ArchError naming the argument (as the
    API's analyze refuses its own), never an error from inside NumPy."""
    def whole(value: object, least: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= least

    def std(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) \
            and math.isfinite(value) and value >= 0

    wrong = [(f"options.batch={options.batch!r}", "a whole number of images, 1 or more")
             if not whole(options.batch, 1) else None,
             (f"options.seed={options.seed!r}", "a whole number, 0 or more")
             if not whole(options.seed, 0) else None,
             (f"options.init={options.init!r}", ", ".join(i.value for i in Init))
             if options.init not in list(Init) else None,
             (f"options.std={options.std!r}", "a finite number, 0 or more")
             if not std(options.std) else None,
             (f"options.dtype={options.dtype!r}", ", ".join(RUN_DTYPES))
             if options.dtype not in RUN_DTYPES else None,
             (f"gradcheck_samples={samples!r}", "a whole number, 0 or more")
             if not whole(samples, 0) else None,
             (f"max_memory={max_memory!r}", "None or a whole number of bytes")
             if max_memory is not None and not whole(max_memory, 0) else None]
    for given, valid in filter(None, wrong):
        raise ArchError(f"verify: {given} is not valid", None, f"valid: {valid}",
                        Source("<arguments>", ""))


@quiet
def compare(graph: Graph, analysis: Analysis, options: Options = Options(),
            receptive_field: bool = True, gradcheck_samples: int = 0,
            tick: Tick | None = None) -> Report:
    """Run `graph` (forward, backward, RF probe, gradient check) and compare every layer with
    `analysis`, which must be for the same batch and dtype. Reads the analysis as data only."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    trace, _ = run(graph, options, tick)
    seconds["run"] = time.perf_counter() - start
    probes: dict[str, RFProbe] = {}
    if receptive_field:
        start = time.perf_counter()
        probes = probe(graph, options.seed, tick)
        seconds["receptive field"] = time.perf_counter() - start
    checks = [_layer(report, node, probes.get(report.name), options.batch)
              for report, node in zip(analysis.layers, trace.nodes, strict=True)]
    grads: list[GradCheck] = []
    if gradcheck_samples:
        start = time.perf_counter()
        grads = gradcheck(graph, options, gradcheck_samples, tick)
        seconds["gradient check"] = time.perf_counter() - start
    return Report(graph.network, graph.input, options, checks, _totals(analysis, trace),
                  trace, grads, seconds)


def _same(expected: Any, got: Any) -> Comparison:
    return Comparison(expected, got, expected == got)


def _layer(report: LayerReport, node: NodeTrace, rf: RFProbe | None, batch: int) -> LayerCheck:
    macs = Fraction(node.macs_forward, batch)
    figures = {Column.output: _same(tuple(report.output), node.output),
               Column.params: _same(report.params, node.params),
               Column.buffers: _same(report.buffers, node.buffers),
               Column.macs: _same(report.macs, macs if macs.denominator != 1 else int(macs)),
               Column.memory: _same(report.memory, node.kept_bytes)}
    if rf is not None:
        figures[Column.rf] = rf_check(report, rf)
    return LayerCheck(report.name, report.kind, figures, node, rf)


def _totals(analysis: Analysis, trace: Trace) -> dict[Column, Comparison]:
    """Params, buffers, the MACs of the whole batch, forward memory (input + every kept
    output)."""
    t = analysis.totals
    kept = trace.input_bytes + sum(n.kept_bytes for n in trace.nodes)
    return {
        Column.params: _same(t.params, sum(n.params for n in trace.nodes)),
        Column.buffers: _same(t.buffers, sum(n.buffers for n in trace.nodes)),
        Column.macs: _same(t.macs * trace.batch, sum(n.macs_forward for n in trace.nodes)),
        Column.memory: _same(t.memory, kept),
    }


# ---- receptive fields -------------------------------------------------------------------


def rf_check(report: LayerReport, measured: RFProbe) -> Comparison:
    """Exact probes: size, jump and start per axis, equal. Otherwise (a field that leaves the
    probe input, or a layer after FC/GAP/FLATTEN that sees the whole input), each probed
    unit's static interval [centre ± (size − 1)/2] against its support: equal (as pixel
    ranges) when the units read no padding, so that every tap of the field is an input pixel;
    else the support must lie within the interval clipped to the input — padding, at the input
    or at any layer, and strides larger than windows leave rows of a field unread."""
    axes = (("h", report.rf.h, measured.h), ("w", report.rf.w, measured.w))
    if measured.h.exact and measured.w.exact:
        expected = {a: (s.size, s.jump, s.start) for a, s, _ in axes}
        got = {a: (m.size, m.jump, m.start) for a, _, m in axes}
        return Comparison(_fields(expected), _fields(got), expected == got)
    intervals = {a: _static_intervals(s, m, measured.whole) for a, s, m in axes}
    # A layer after FC/GAP/FLATTEN unites every unit of a feature map, border units of a
    # transposed conv included, whose theoretical sources lie beyond the layer they read:
    # its support is bounded by the field, not equal to it.
    exact = measured.inside and not measured.whole
    ok = all(_unit_ok([(intervals[a][t], m.supports[t], m.extent) for a, _, m in axes],
                      exact) for t in range(len(intervals["h"])))
    got_iv = {a: [list(iv) for iv in m.supports] for a, _, m in axes}
    return Comparison({a: [[lo, hi] for lo, hi in ivs] for a, ivs in intervals.items()},
                      got_iv, ok)


def _static_intervals(axis: Any, m: AxisProbe, whole: bool) -> list[tuple[Fraction, Fraction]]:
    """The pixels the analysis says each probed unit sees: its periodic spans (the pixels of
    units 0 … P − 1; unit p + k·P sees them moved by k·P·jump), read as data."""
    period = len(axis.spans)
    intervals = []
    for u in [0] if whole else m.units:
        k, p = divmod(u, period)
        lo, hi = axis.spans[p]
        shift = Fraction(k * period) * Fraction(axis.jump)
        intervals.append((lo + shift, hi + shift))
    return intervals


UnitAxis = tuple[tuple[Fraction, Fraction], tuple[int, int], int]  # interval, support, extent


def _unit_ok(axes: list[UnitAxis], inside: bool) -> bool:
    """One probed unit, on both axes (a support is empty on both or on neither: a unit that
    sees nothing along one axis — a transposed conv's hole — sees nothing at all)."""
    clipped = [(max(0, math.ceil(a)), min(extent - 1, math.floor(b)))
               for (a, b), _, extent in axes]
    if any(lo > hi for lo, hi in clipped) and inside:
        return all(support[0] < 0 for _, support, _ in axes)
    whole = [(math.ceil(a), math.floor(b)) for (a, b), _, _ in axes]
    if inside and clipped == whole:  # no padding read, nothing outside the input: exact
        return all(support == want for want, (_, support, _) in zip(clipped, axes, strict=True))
    # Bounded: padding read, or a field reaching past the input (a transposed conv's border
    # units have sources outside it), whose clipped end may fall in a gap between taps.
    return all(support[0] < 0 or want[0] <= support[0] <= support[1] <= want[1]
               for want, (_, support, _) in zip(clipped, axes, strict=True))


def _fields(per_axis: dict[str, tuple[Any, Any, Any]]) -> dict[str, dict[str, Any]]:
    return {a: {"size": s, "jump": j, "start": st} for a, (s, j, st) in per_axis.items()}
