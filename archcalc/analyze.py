"""Graph → Analysis: every layer's figures and the totals, exactly, with their arithmetic.

Memory convention (CS231n VGG table, design.md §2): forward memory per image is the input
plus every layer's output, except the in-place kinds (activations other than MAXOUT,
DROPOUT, FLATTEN, IDENTITY) unless `count_inplace`. Training adds a gradient for every
stored activation, plus parameters, their gradients and the optimizer's state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from archcalc import rf as rflib
from archcalc.errors import ArchError
from archcalc.exprs import MAX_MAGNITUDE
from archcalc.formulas import decimal, layer_formulas
from archcalc.graph import INPUT, Graph, Node, Scope
from archcalc.layers import Layer, Output, Shape
from archcalc.layers.base import MAX_COUNT, Figure, shape_text
from archcalc.layers.merge import Merge
from archcalc.placement import Placement, placements
from archcalc.settings import Settings
from archcalc.units import grouped
from archcalc.values import Pair, Value


@dataclass(frozen=True, slots=True)
class Rules:
    """What a layer's rules give for one input: the same for every identical layer."""

    out: Output
    params: Figure
    biases: Figure
    buffers: Figure
    macs: Figure
    elementwise: Figure
    text: str


@dataclass(frozen=True, slots=True)
class LayerReport:
    """Every figure of one layer, per image, and how each was computed."""

    name: str
    kind: str
    layer: str  # the layer with every argument that differs from the kind's defaults
    brief: str  # the layer as called, leaving out what `defaults` statements set
    inputs: tuple[str, ...]
    output: Shape
    params: int
    weights: int
    buffers: int
    macs: int
    flops: int
    activations: int
    stored: bool  # a new tensor, counted in memory (False: in place)
    memory: int  # bytes this layer adds to forward memory at the batch and dtype
    rf: rflib.RF
    fits: bool
    note: str
    node: Node
    rules: Rules  # what the layer's rules gave (shared by identical layers)
    rf_in: rflib.RF  # the receptive field of the (first) input

    @property
    def formulas(self) -> tuple[tuple[str, str], ...]:
        """(figure, substituted arithmetic = value) pairs, as --explain prints them."""
        return layer_formulas(self.rules.out, self.rules.params, self.rules.macs,
                         self.rules.elementwise, self.flops, self.rf_in, self.rf, self.stored)


@dataclass(frozen=True, slots=True)
class Totals:
    params: int
    weights: int
    buffers: int
    macs: int
    flops: int
    activations: int
    memory_forward: int
    memory_training: int
    formulas: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class GroupReport:
    """A block call, labeled group or labeled repeat: its members' figures summed, the
    output and receptive field of its last member."""

    name: str
    title: str
    first: int
    last: int
    depth: int
    output: Shape
    params: int
    weights: int
    buffers: int
    macs: int
    flops: int
    activations: int
    memory: int
    rf: rflib.RF
    fits: bool
    formulas: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Analysis:
    network: str
    input: Shape
    layers: tuple[LayerReport, ...]
    totals: Totals
    settings: Settings
    groups: tuple[GroupReport, ...]
    params: tuple[tuple[str, Value], ...]
    graph: Graph

    def __getitem__(self, name: str) -> LayerReport:
        return self._by_name[0][name]

    def group(self, name: str) -> GroupReport:
        """A block call, labeled group or labeled repeat by its path."""
        return self._by_name[1][name]

    @cached_property
    def _by_name(self) -> tuple[dict[str, LayerReport], dict[str, GroupReport]]:
        """Layers and groups by name, built once (checks look up every expect line)."""
        return {r.name: r for r in self.layers}, {g.name: g for g in self.groups}

    def names(self) -> list[str]:
        return [report.name for report in self.layers]


def analyze_graph(graph: Graph, settings: Settings = Settings(), detail: bool = True
                  ) -> Analysis:
    """Compute every figure of `graph` under `settings`; without `detail`, skip the
    descriptions (for sweeps, which only need the numbers). Formulas are made on demand
    (`LayerReport.formulas`)."""
    shapes: list[Shape] = []
    fields: list[rflib.RF] = []
    reports = []
    memo: dict[tuple[Layer, Shape], Rules] = {}
    for node, place in zip(graph.nodes, placements(graph, settings.count_inplace),
                           strict=True):
        try:
            report = _layer(graph, node, place, shapes, fields, settings, detail, memo)
        except ArchError as err:
            raise ArchError(f"{node.name}: {err.message}", err.span or node.span,
                            err.hint) from None
        shapes.append(report.output)
        fields.append(report.rf)
        reports.append(report)
    return Analysis(graph.network, graph.input, tuple(reports),
                    _totals(graph.input, reports, settings), settings,
                    tuple(_group(scope, reports) for scope in graph.scopes), graph.params,
                    graph)


def _rules(layer: Layer, xs: list[Shape], paths: list[str], detail: bool) -> Rules:
    text = layer.describe() if detail else layer.kind
    if isinstance(layer, Merge):
        out = layer.merge_shape(xs, paths)
        zero = Figure(0)
        return Rules(out, zero, zero, zero, zero, layer.merge_flops(xs, out.shape), text)
    x = xs[0]
    out = layer.out_shape(x)
    y = out.shape
    return Rules(out, layer.params(x, y), layer.biases(x, y), layer.buffers(x, y),
                 layer.macs(x, y), layer.flops(x, y), text)


def _group(scope: Scope, reports: list[LayerReport]) -> GroupReport:
    members = reports[scope.first:scope.last]
    sums = {key: sum(getattr(r, key) for r in members) for key in
            ("params", "weights", "buffers", "macs", "flops", "activations", "memory")}
    count = f"the sum over its {len(members)} layers"
    formulas = tuple((label, f"{count} = {grouped(sums[key])}") for label, key in
                     (("params", "params"), ("MACs", "macs"), ("FLOPs", "flops"),
                      ("activations", "activations")))
    last = members[-1]
    return GroupReport(scope.path, scope.title, scope.first, scope.last, scope.depth,
                       last.output, rf=last.rf, fits=all(r.fits for r in members),
                       formulas=(("output", f"the output of {last.name}"), *formulas),
                       **sums)


def _layer(graph: Graph, node: Node, place: Placement, shapes: list[Shape],
           fields: list[rflib.RF], settings: Settings, detail: bool,
           memo: dict[tuple[Layer, Shape], Rules]) -> LayerReport:
    def shape(i: int) -> Shape:
        return graph.input if i == INPUT else shapes[i]

    def field(i: int) -> rflib.RF:
        return rflib.INPUT_RF if i == INPUT else fields[i]

    layer = node.layer
    xs = [shape(i) for i in node.inputs]
    if isinstance(layer, Merge):
        rules = _rules(layer, xs, [_path_name(graph, k, i) for k, i in
                                   enumerate(node.inputs, 1)], detail)
    else:
        key = (layer, xs[0])
        if key not in memo:  # identical layers on identical inputs share their rules
            memo[key] = _rules(layer, xs, [], detail)
        rules = memo[key]
    _check_output(rules.out.shape)
    if isinstance(layer, Merge):
        y = rules.out.shape
        extent = (y[0], y[1]) if len(y) == 3 else (1, 1)
        field_out = Pair(rflib.union([field(i).h for i in node.inputs], extent[0]),
                         rflib.union([field(i).w for i in node.inputs], extent[1]))
    else:
        field_out = layer.rf(xs[0], field(node.inputs[0]))
    _check_field(field_out, field(node.inputs[0]))
    out, params, macs, elementwise = rules.out, rules.params, rules.macs, rules.elementwise
    y = out.shape
    note = _fit_note(out, settings, node)
    stored = place.stored
    note = "; ".join(n for n in (note, place.why) if n)
    activations = math.prod(y)
    flops = 2 * macs.value + elementwise.value
    memory = activations * settings.dtype.bytes * settings.batch if stored else 0
    brief = layer.describe(node.implied) if node.implied and detail else rules.text
    return LayerReport(
        node.name, layer.kind, rules.text, brief,
        tuple("input" if i == INPUT else graph.nodes[i].name for i in node.inputs), y,
        params.value, params.value - rules.biases.value, rules.buffers.value, macs.value,
        flops, activations, stored, memory, field_out, out.fits, note, node, rules,
        field(node.inputs[0]))


def _check_output(y: Shape) -> None:
    """Refuse an output beyond what any network needs (chained UPSAMPLE grows it)."""
    if max(y) > MAX_COUNT:
        raise ArchError(f"the output {shape_text(y)} is too large", None,
                        f"every dimension (H, W, C or a vector's length) is limited to "
                        f"{MAX_COUNT:,}")


def _check_field(field_out: rflib.RF, field_in: rflib.RF) -> None:
    """Refuse a receptive field whose numbers grow beyond 10^18 (`p=same` strides grow them
    without growing the output). Bounded sizes and jumps bound the starts too."""
    if field_out is not field_in and any(
            a.size > MAX_MAGNITUDE or abs(a.jump.numerator) > MAX_MAGNITUDE
            or a.jump.denominator > MAX_MAGNITUDE for a in field_out):
        raise ArchError("the receptive field grows beyond 10^18 input pixels", None,
                        "strides (and upsampling factors) multiply along the network; use "
                        "smaller ones")


def _path_name(graph: Graph, k: int, i: int) -> str:
    return f"path {k} (ends at {'the input' if i == INPUT else graph.nodes[i].name})"


def _fit_note(out: Output, settings: Settings, node: Node) -> str:
    """'does not fit: (7 − 3)/3 + 1 = 2.33, floored to 2', or an error under --strict."""
    odd = [a for a in out.axes if not a.fits]
    if not odd:
        return ""
    axis = odd[0]
    how = "floored" if axis.rounded == "floor" else "rounded up (ceil=true)"
    note = f"does not fit: {axis.formula} = {decimal(axis.exact)}, {how} to {axis.size}"
    if settings.strict and any(a.rounded == "floor" for a in odd):
        raise ArchError(f"the layer does not fit its input: {axis.formula} = "
                        f"{decimal(axis.exact)} is not an integer", node.span,
                        "change the stride, filter or padding (without --strict the size is "
                        "floored, as PyTorch does)")
    return note


def _totals(input_shape: Shape, reports: list[LayerReport], settings: Settings) -> Totals:
    params = sum(r.params for r in reports)
    buffers = sum(r.buffers for r in reports)
    stored = sum(r.activations for r in reports if r.stored)
    activations = math.prod(input_shape) + stored
    size, batch = settings.dtype.bytes, settings.batch
    forward = activations * size * batch
    copies = 2 + settings.optimizer.states
    training = 2 * forward + (params * copies + buffers) * size
    formulas = (
        ("activations", f"{grouped(math.prod(input_shape))} input + {grouped(stored)} "
                        f"stored outputs = {grouped(activations)}"),
        ("forward", f"{grouped(activations)}·{size} B·{batch} = {grouped(forward)} B"),
        ("training", f"2·{grouped(forward)} + ({grouped(params)}·{copies} + "
                     f"{grouped(buffers)})·{size} = {grouped(training)} B"),
    )
    return Totals(params, sum(r.weights for r in reports), buffers,
                  sum(r.macs for r in reports), sum(r.flops for r in reports), activations,
                  forward, training, formulas)

