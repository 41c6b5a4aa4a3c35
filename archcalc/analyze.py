"""Graph → Analysis: every layer's figures and the totals, exactly, with their arithmetic.

Memory convention (CS231n VGG table, docs/language.md §8): forward memory per image is the input
plus every layer's output, except the in-place kinds (activations other than MAXOUT,
DROPOUT, FLATTEN, IDENTITY) unless `count_inplace`. Training adds a gradient for every
stored activation, plus parameters, their gradients and the optimizer's state.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import cached_property

from archcalc import memory as memlib
from archcalc import rf as rflib
from archcalc.conventions import ChannelsFirst, input_warnings, lookup, with_warning
from archcalc.errors import ArchError
from archcalc.exprs import MAX_MAGNITUDE
from archcalc.figures import Figures, total
from archcalc.graph import INPUT, Graph, Node, Scope
from archcalc.layers import Layer, Output, Shape
from archcalc.layers.base import MAX_COUNT, Counted, Extent
from archcalc.layers.merge import Merge
from archcalc.placement import Placement, placements
from archcalc.settings import Settings
from archcalc.units import fraction_text, shape_text
from archcalc.values import Pair, Value


@dataclass(frozen=True, slots=True)
class Rules:
    """What a layer's rules give for one input: the same for every identical layer."""

    out: Output
    params: Counted
    biases: Counted
    buffers: Counted
    macs: Counted
    elementwise: Counted
    text: str
    kernel: Shape = ()  # the main weight array's shape, PyTorch's layout


@dataclass(frozen=True, slots=True)
class Notes:
    """What a layer's note says, as data (the renderers word it): the first axis whose window
    does not fit its input (exact quotient, how it was rounded), and where its output is
    stored (and, for an in-place kind that could not write in place, why)."""

    misfit: Extent | None
    placement: Placement

    def __bool__(self) -> bool:
        return self.misfit is not None or self.placement.blocker is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerReport(Figures):
    """Every figure of one layer, per image (memory: the bytes it adds to forward memory at
    the batch and dtype), and what produced them."""

    name: str
    kind: str
    layer: str  # the layer with every argument that differs from the kind's defaults
    brief: str  # the layer as called, leaving out what `defaults` statements set
    inputs: tuple[str, ...]
    output: Shape
    rf: rflib.RF
    notes: Notes
    node: Node
    rules: Rules  # what the layer's rules gave (shared by identical layers)
    rf_in: rflib.RF  # the receptive field of the (first) input
    frozen: bool = False  # does not train (--freeze): no gradients, no optimizer state

    @property
    def stored(self) -> bool:
        """A new tensor, counted in memory (False: in place, or a view)."""
        return self.notes.placement.stored

    @property
    def fits(self) -> bool:
        return self.notes.misfit is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals(Figures):
    """The network's figures summed; `memory` is the forward memory (input + every stored
    output), `activations` its element count per image; the other memory parts are
    archcalc/memory.py's, in bytes."""

    input: int  # elements of the input per image
    trainable: int  # params of the layers not frozen
    memory_input: int
    memory_backward: int
    memory_params: int
    memory_gradients: int
    memory_optimizer: int
    memory_buffers: int
    memory_training: int

    @property
    def memory_forward(self) -> int:
        return self.memory


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupReport(Figures):
    """A block call, labeled group or labeled repeat: its members' figures summed, the
    output and receptive field of its last member."""

    name: str
    title: str
    first: int
    last: int
    depth: int
    output: Shape
    rf: rflib.RF
    fits: bool


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
        """A layer by name (UnknownName, with the nearest names, if none)."""
        return lookup(self._by_name[0], "layer", name)

    def group(self, name: str) -> GroupReport:
        """A block call, labeled group or labeled repeat by its path (UnknownName if none)."""
        return lookup(self._by_name[1], "group", name)

    @cached_property
    def warnings(self) -> tuple[ChannelsFirst, ...]:
        """What the input suggests was meant otherwise (archcalc/conventions.py), as data."""
        return input_warnings(self.input)

    @cached_property
    def _by_name(self) -> tuple[dict[str, LayerReport], dict[str, GroupReport]]:
        """Layers and groups by name, built once (checks look up every expect line)."""
        return {r.name: r for r in self.layers}, {g.name: g for g in self.groups}

    def names(self) -> list[str]:
        return [report.name for report in self.layers]


def analyze_graph(graph: Graph, settings: Settings = Settings(), detail: bool = True
                  ) -> Analysis:
    """Compute every figure of `graph` under `settings`; without `detail`, skip the
    descriptions (for sweeps, which only need the numbers). The arithmetic is worded on
    demand by archcalc/render/explain.py, from each report's rules. An error is located in
    the graph's source."""
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
                            with_warning(err.hint, graph.input), graph.source,
                            calls=node.calls, uses=graph.uses) from None
        shapes.append(report.output)
        fields.append(report.rf)
        reports.append(report)
    memlib.check_freeze(settings.freeze, [r.name for r in reports],
                        [s.path for s in graph.scopes])
    return Analysis(graph.network, graph.input, tuple(reports),
                    _totals(graph.input, reports, settings), settings,
                    tuple(_group(scope, reports) for scope in graph.scopes), graph.params,
                    graph)


def _rules(layer: Layer, xs: list[Shape], paths: list[str], detail: bool) -> Rules:
    text = layer.describe() if detail else layer.kind
    if isinstance(layer, Merge):
        out = layer.merge_shape(xs, paths)
        zero = Counted(0)
        return Rules(out, zero, zero, zero, zero, layer.merge_flops(xs, out.shape), text)
    x = xs[0]
    out = layer.out_shape(x)
    y = out.shape
    return Rules(out, layer.params(x, y), layer.biases(x, y), layer.buffers(x, y),
                 layer.macs(x, y), layer.flops(x, y), text, layer.kernel(x, y))


def _group(scope: Scope, reports: list[LayerReport]) -> GroupReport:
    members = reports[scope.first:scope.last]
    last = members[-1]
    return GroupReport(**asdict(total(members)), name=scope.path, title=scope.title,
                       first=scope.first, last=scope.last, depth=scope.depth,
                       output=last.output, rf=last.rf, fits=all(r.fits for r in members))


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
    out, params, macs = rules.out, rules.params, rules.macs
    y = out.shape
    activations = math.prod(y)
    memory = activations * settings.dtype.bytes * settings.batch if place.stored else 0
    brief = layer.describe(node.implied) if node.implied and detail else rules.text
    return LayerReport(
        params=params.value, weights=params.value - rules.biases.value,
        buffers=rules.buffers.value, macs=macs.value,
        flops=2 * macs.value + rules.elementwise.value, activations=activations,
        memory=memory, name=node.name, kind=layer.kind, layer=rules.text, brief=brief,
        inputs=tuple("input" if i == INPUT else graph.nodes[i].name for i in node.inputs),
        output=y, rf=field_out, notes=Notes(_misfit(out, settings, node), place), node=node,
        rules=rules, rf_in=field(node.inputs[0]),
        frozen=memlib.frozen(node.name, settings.freeze))


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


def _misfit(out: Output, settings: Settings, node: Node) -> Extent | None:
    """The first axis whose window does not fit (`(7 − 3)/3 + 1 = 2.33`, floored to 2), or
    None; an error under --strict when an axis was floored."""
    odd = [a for a in out.axes if not a.fits]
    if not odd or (settings.floor and all(a.rounded == "floor" for a in odd)):
        return None
    axis = odd[0]
    if settings.strict and any(a.rounded == "floor" for a in odd):
        raise ArchError(f"the layer does not fit its input: {axis.formula} = "
                        f"{fraction_text(axis.exact)} is not an integer", node.span,
                        "change the stride, filter or padding (without --strict the size is "
                        "floored, as PyTorch does)")
    return axis


def _totals(input_shape: Shape, reports: list[LayerReport], settings: Settings) -> Totals:
    """The sums; activations and memory count the input and every stored output; the
    training memory's parts are archcalc/memory.py's."""
    sums = total(reports)
    inputs = math.prod(input_shape)
    activations = inputs + sum(r.activations for r in reports if r.stored)
    trainable = sum(r.params for r in reports if not r.frozen)
    parts = memlib.memory(inputs, activations, sums.params, trainable, sums.buffers, settings)
    return Totals(**{**asdict(sums), "activations": activations, "memory": parts.forward},
                  input=inputs, trainable=trainable, memory_input=parts.input,
                  memory_backward=parts.backward, memory_params=parts.params,
                  memory_gradients=parts.gradients, memory_optimizer=parts.optimizer,
                  memory_buffers=parts.buffers, memory_training=parts.training)

