"""A sweep's analysis, shared between configurations: each layer is analyzed once per distinct
prefix of the network before it.

A layer's figures, output and receptive field depend only on the layer, where its output is
stored, and the outputs and fields of the layers before it — that is, on the path from the
input to it. The configurations of a sweep share long prefixes (`K` changes only the head;
`M` adds blocks to the same first ones), so the layers are kept in a trie keyed by the input
shape and then, layer by layer, by what the layer is (name, bound layer, inputs, where it is
written, placement): a configuration walks the trie and analyzes (with the analyzer's own
`_layer`) only from the first layer that differs from every configuration before it. Each
step keeps the running sums, so the totals of a configuration cost nothing more. Placements
depend on the layers after a layer too, so they are computed for the whole graph first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from archcalc import memory as memlib
from archcalc import rf as rflib
from archcalc.analyze import Notes, Rules, _layer
from archcalc.errors import ArchError
from archcalc.graph import Graph, Node
from archcalc.layers import Layer, Shape
from archcalc.placement import Placement, placements
from archcalc.settings import Settings

MAX_STEPS = 50_000  # the trie is emptied when it holds more (~70 MB at the most)


@dataclass(slots=True)
class Step:
    """One layer on one path: its output and field, and the sums of the path up to it."""

    output: Shape
    rf: rflib.RF
    sums: tuple[int, ...]  # params, weights, buffers, macs, flops, stored activations and
    # trainable params
    noted: tuple[str, Notes] | None  # the first layer on the path with a note
    children: dict[tuple[object, ...], Step] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Summary:
    """What a sweep reports of a valid configuration (archcalc/sweep.py's Outcome)."""

    params: int
    weights: int
    buffers: int
    macs: int
    flops: int
    activations: int  # the input's and every stored output's elements
    memory: int  # forward bytes at the batch
    memory_training: int
    layers: int
    rf: int | Fraction
    noted: tuple[str, Notes] | None


class Steps:
    """The trie of analyzed layers of one sweep (one settings value)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.roots: dict[Shape, dict[tuple[object, ...], Step]] = {}
        self.rules: dict[tuple[Layer, Shape], Rules] = {}  # as analyze_graph's, shared
        self.size = 0

    def figures(self, graph: Graph) -> Summary:
        """The totals of `graph`, as analyze_graph gives them; its ArchError if a layer
        cannot be built (named and located as analyze_graph names and locates it)."""
        if self.size > MAX_STEPS:
            self.roots.clear()
            self.rules.clear()
            self.size = 0
        level = self.roots.setdefault(graph.input, {})
        shapes: list[Shape] = []
        fields: list[rflib.RF] = []
        step: Step | None = None
        for node, place in zip(graph.nodes, placements(graph, self.settings.count_inplace),
                               strict=True):
            key = (node.name, node.layer, node.inputs, node.span.start, node.implied, place)
            found = level.get(key)
            if found is None:
                found = level[key] = self._step(graph, node, place, shapes, fields, step)
                self.size += 1
            step = found
            shapes.append(step.output)
            fields.append(step.rf)
            level = step.children
        assert step is not None  # a graph has layers
        if self.settings.freeze:
            memlib.check_freeze(self.settings.freeze, [n.name for n in graph.nodes],
                                [sc.path for sc in graph.scopes])
        return self._totals(graph, step, len(shapes))

    def _step(self, graph: Graph, node: Node, place: Placement, shapes: list[Shape],
              fields: list[rflib.RF], parent: Step | None) -> Step:
        try:
            r = _layer(graph, node, place, shapes, fields, self.settings, False, self.rules)
        except ArchError as err:  # as analyze_graph names and locates it
            raise ArchError(f"{node.name}: {err.message}", err.span or node.span, err.hint,
                            graph.source, calls=node.calls, uses=graph.uses) from None
        before = parent.sums if parent else (0,) * 7
        own = (r.params, r.weights, r.buffers, r.macs, r.flops,
               r.activations if r.stored else 0, 0 if r.frozen else r.params)
        noted = parent.noted if parent and parent.noted else \
            ((r.name, r.notes) if r.notes else None)
        return Step(r.output, r.rf, tuple(a + b for a, b in zip(before, own, strict=True)),
                    noted)

    def _totals(self, graph: Graph, last: Step, layers: int) -> Summary:
        """analyze.py's totals from the last step's sums: the input and every stored output
        (archcalc/memory.py's parts)."""
        params, weights, buffers, macs, flops, stored, trainable = last.sums
        inputs = math.prod(graph.input)
        parts = memlib.memory(inputs, inputs + stored, params, trainable, buffers,
                              self.settings)
        return Summary(params, weights, buffers, macs, flops, inputs + stored, parts.forward,
                       parts.training, layers, max(last.rf.h.size, last.rf.w.size),
                       last.noted)
