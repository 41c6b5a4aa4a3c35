"""Where the receptive-field probe reads its supports at one probe input size: field maps
(`FieldMaps`, what `verify` uses: one pass over the network for every node, each node costing
its height plus its width), or gradient supports (`GradientSupports`, the reference the tests
compare the maps with, and the probe's fallback where a map is not separable: one backward
pass per node).

Both answer, for a node and some of its output units (or the whole output), the rows and
columns of the input pixels the units depend on and whether any unit reads padding
(docs/executor.md, "The receptive-field probe").
"""

from __future__ import annotations

import math
from copy import copy
from typing import Protocol

import numpy as np

from archcalc.graph import INPUT, Graph

from . import fields
from .base import Array
from .kernels import KERNELS
from .network import ExecutionError, Net, Options, backward, forward

Support = tuple[tuple[int, int], tuple[int, int]]  # (row lo, hi), (col lo, hi); -1 if empty
Unit = tuple[int, int]


class Supports(Protocol):
    def shape(self, i: int) -> tuple[int, ...]:
        """Node i's output shape (batch axis first)."""

    def read(self, i: int, units: list[Unit] | None) -> tuple[list[Support], bool]:
        """The support of each unit (units=None: one support, the whole output's) and whether
        no unit reads padding."""


class FieldMaps:
    """Field maps (archcalc/executor/fields.py) of the nodes in `needed`, all made at once, in
    graph order; `fields.NotSeparable` when a unit of one reads no input pixel."""

    def __init__(self, graph: Graph, extent: tuple[int, int], needed: set[int]) -> None:
        self.maps: dict[int, fields.Field] = {INPUT: fields.input_field(extent)}
        for k in sorted(needed):
            node = graph.nodes[k]
            try:
                made = KERNELS[node.layer.kind].run_field([self.maps[j] for j in node.inputs],
                                                          node.layer)
            except (ValueError, IndexError) as exc:  # as the forward pass reports one
                raise ExecutionError(node.name, "receptive field", exc) from exc
            self.maps[k] = made if made is self.maps[node.inputs[0]] else fields.checked(made)

    def shape(self, i: int) -> tuple[int, ...]:
        return self.maps[i].shape

    def read(self, i: int, units: list[Unit] | None) -> tuple[list[Support], bool]:
        m = self.maps[i]
        if units is None:
            m = fields.whole(m)
            units = [(0, 0)]
        return [m.box(r, c) for r, c in units], not any(m.reads_padding(r, c) for r, c in units)


class GradientSupports:
    """The reference: the support of an input gradient. For a node, ∂/∂(output) is seeded with
    ones at each probed unit (one per batch element, all channels) in a positive network —
    weights U(0.5, 1.5)/fan_in, zero biases, a positive input, and each kind's `probe`
    stand-in where a gradient could vanish or cancel — and backpropagated with each node's
    input gradient replaced by its indicator [g > 0]; the network run with NaN padding shows
    which units read padding (their values are not finite). `thin` runs it one channel wide."""

    def __init__(self, graph: Graph, extent: tuple[int, int], needed: set[int], batch: int,
                 seed: int, thin: bool = True) -> None:
        self.net = Net(graph, Options(batch=batch, seed=seed, dtype="float32"), thin=thin,
                       positive=True)
        x = self.net.input((*extent, 1 if thin else graph.input[2]))
        self.state = forward(self.net, x.copy(), loss=False, only=needed)
        self.net.pad_value = math.nan
        self.finite = [np.isfinite(v) if v is not None else np.zeros(0, bool)
                       for v in forward(self.net, x, loss=False, only=needed).values]

    def shape(self, i: int) -> tuple[int, ...]:
        out = self.state.values[i]
        assert out is not None
        return tuple(out.shape)

    def read(self, i: int, units: list[Unit] | None) -> tuple[list[Support], bool]:
        out = self.state.values[i]
        assert out is not None
        seed = np.zeros_like(out)
        if units is None:
            seed[0] = 1.0
            count, inside = 1, bool(self.finite[i][0].all())
        else:
            for t, (r, c) in enumerate(units):
                seed[t, r, c, :] = 1.0
            count = len(units)
            inside = all(self.finite[i][t, r, c, :].all() for t, (r, c) in enumerate(units))
        self.state.seeds = {i: seed}
        twin = copy(self.state)  # the backward pass drops the caches it used
        twin.caches = list(self.state.caches)
        dx, _ = backward(self.net, twin, support=True)
        return ([_support(dx, t) for t in range(count)] if dx is not None else []), inside


def _support(dx: Array, t: int) -> Support:
    """(lo, hi) of the rows and of the columns where batch element t's gradient is non-zero."""
    live = np.any(dx[t] != 0, axis=-1)
    rows, cols = np.flatnonzero(live.any(axis=1)), np.flatnonzero(live.any(axis=0))
    if rows.size == 0:
        return (-1, -1), (-1, -1)
    return (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))
