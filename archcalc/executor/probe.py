"""Receptive fields measured as supports (docs/executor.md, "The receptive-field probe").

For a node's probed output units, the rows and columns of the input pixels they depend on, and
whether they read padding: from field maps (supports.FieldMaps, fields.py — each kind's rule
unites, per axis, the units its kernel reads: one pass over the network per probe size), or
from the reference, the support of an input gradient in a positive network
(supports.GradientSupports: one backward pass per node), which the tests compare the maps
with and which stands in where a map is not a product of its axes.

Units u, u+1, …, u+P around the centre are probed, P being the period of the layout: the
product of the upsampling factors (DECONV, UPSAMPLE) on the way, 1 without them; at most
MAX_PERIOD + 1 units, and beyond that period no size, jump or start is measured: the probed
units are compared one by one. From their
supports [lo_t, hi_t] (centres c_t): size = max extent, jump = (c_P − c_0)/P, start = mean of
c_0 … c_(P−1) − (u + (P−1)/2)·jump. That is exact when the units read no padding on any path
(their padding flag is clear) and their supports keep off
the border; until then the input grows by T·⌈1.3^k⌉ pixels, T a multiple of the product of
strides (which keeps every padding and rounding as it was), and a node is retried only once the
nodes it reads from are settled. Layers after FC, FLATTEN or GAP see the whole input at any
size: for them, and at the size limit, the supports themselves are the measurement. Kinds whose
output size does not follow the input's (`fixed_output`: the adaptive pools) would change their
windows in a grown input, so they and every node after them are measured at the real size
only, unit by unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

from archcalc.graph import INPUT, Graph, ancestors

from .fields import NotSeparable
from .kernels import KERNELS
from .network import Tick
from .supports import FieldMaps, GradientSupports, Supports

MAX_PIXELS = 1 << 24  # pixels × probed units of the grown probe input
MAX_PERIOD = 16
GROWTH = 1.3  # the k-th retry adds T·⌈1.3^k⌉ pixels (more than the last): ≤ 30 % too many
MAX_GROWTH = 40


@dataclass(frozen=True)
class AxisProbe:
    """One axis of a node's measured field."""

    extent: int  # the probe input's length along this axis
    units: tuple[int, ...]  # the output positions probed (empty: the whole output)
    supports: tuple[tuple[int, int], ...]  # (lo, hi) of each unit's input gradient, or (-1, -1)
    size: int | None = None  # measured when the supports are interior and P + 1 units exist
    jump: Fraction | None = None
    start: Fraction | None = None

    @property
    def exact(self) -> bool:
        return self.size is not None


@dataclass(frozen=True)
class RFProbe:
    name: str
    h: AxisProbe
    w: AxisProbe
    whole: bool  # the seed covered the whole output (a layer after FC, FLATTEN or GAP)
    settled: bool = True  # a larger input would not change the supports
    inside: bool = True  # the probed units read no padding: their supports are their fields


@dataclass(frozen=True)
class Layout:
    """Per node: collapsed (sees the whole input), fixed (at or after a kind whose output size
    does not follow the input's: measured at the real size only), period P and growth step T
    per axis."""

    collapsed: list[bool]
    fixed: list[bool]
    period: list[tuple[int, int]]
    step: list[tuple[int, int]]

    def units(self, i: int) -> int:
        """Units probed at node i: a period and one more, at most MAX_PERIOD + 1."""
        return min(math.lcm(*self.period[i]), MAX_PERIOD) + 1

    def periodic(self, i: int) -> bool:
        """Whether size, jump and start can be measured at node i: its units repeat with a
        period the probe covers, and growing the input keeps its geometry."""
        return math.lcm(*self.period[i]) <= MAX_PERIOD and not self.fixed[i]


def layout(graph: Graph) -> Layout:
    """Collapse flags, periods and growth steps from the layers' strides and factors."""
    collapsed: list[bool] = []
    fixed: list[bool] = []
    period: list[tuple[int, int]] = []
    growth: list[tuple[Fraction, Fraction]] = []  # output pixels per input pixel
    step: list[tuple[int, int]] = []
    for node in graph.nodes:
        ins = list(node.inputs)
        kernel = KERNELS[node.layer.kind]
        collapsed.append(kernel.collapses or any(j != INPUT and collapsed[j] for j in ins))
        fixed.append(kernel.fixed_output or any(j != INPUT and fixed[j] for j in ins))
        down, up = kernel.stride(node.layer), kernel.upscale(node.layer)
        g_in = [(Fraction(1), Fraction(1)) if j == INPUT else growth[j] for j in ins]
        p_in = [(1, 1) if j == INPUT else period[j] for j in ins]
        t_in = [(1, 1) if j == INPUT else step[j] for j in ins]
        period.append(tuple(math.lcm(*[p[a] for p in p_in]) * up[a]
                            for a in (0, 1)))  # type: ignore[arg-type]
        growth.append(tuple(g_in[0][a] * up[a] / down[a] for a in (0, 1)))  # type: ignore
        # the input must grow by T with g_in·T a multiple of the stride
        need = [max(_multiple(g[a], down[a]) for g in g_in) for a in (0, 1)]
        step.append(tuple(math.lcm(need[a], *[t[a] for t in t_in]) for a in (0, 1)))  # type: ignore
    return Layout(collapsed, fixed, period, step)


def _multiple(g: Fraction, stride: int) -> int:
    """The least T with g·T a multiple of `stride`."""
    return stride * g.denominator // math.gcd(g.numerator, stride * g.denominator)


def probe(graph: Graph, seed: int = 0, tick: Tick | None = None, gradients: bool = False,
          thin: bool = True) -> dict[str, RFProbe]:
    """Measure every node's receptive field (an empty dict for a vector input).

    From field maps, one pass over the network per probe input size; `gradients=True` reads
    the supports of input gradients instead, one backward pass per node (the reference the
    tests compare the maps with), `thin=False` then at the net's real widths."""
    if len(graph.input) != 3:
        return {}
    lay = layout(graph)
    base = (graph.input[0], graph.input[1])
    extent, pending = base, set(range(len(graph.nodes)))
    found: dict[str, RFProbe] = {}
    more = 0
    for k in range(MAX_GROWTH + 1):
        batch = max(lay.units(i) for i in pending)
        step = [math.lcm(*[lay.step[i][a] for i in pending]) for a in (0, 1)]
        more = max(more + 1, math.ceil(GROWTH ** (k + 1)))  # never the same size twice
        grown = (base[0] + step[0] * more, base[1] + step[1] * more)
        final = k == MAX_GROWTH or grown[0] * grown[1] * batch > MAX_PIXELS
        needed = ancestors(pending, lambda i: graph.nodes[i].inputs)
        source = _supports(graph, extent, needed, batch, seed, gradients, thin)
        clipped: set[int] = set()
        for i in sorted(pending):
            source_node = _pointwise_input(graph, i)
            if source_node is not None and graph.nodes[source_node].name in found:
                found[graph.nodes[i].name] = replace(found[graph.nodes[source_node].name],
                                                     name=graph.nodes[i].name)
                pending.discard(i)
                continue
            if not (final or lay.collapsed[i] or lay.fixed[i]) and \
                    any(j in clipped for j in graph.nodes[i].inputs):
                clipped.add(i)  # its field holds a clipped one: wait for a larger input
                continue
            result = _measure(graph.nodes[i].name, source, i, lay, extent)
            if result.whole or result.settled or final or lay.fixed[i]:
                found[graph.nodes[i].name] = result
                pending.discard(i)
                if tick:
                    tick(f"receptive field {graph.nodes[i].name}")
            else:
                clipped.add(i)
        if not pending:
            break
        extent = grown
    return found


def _supports(graph: Graph, extent: tuple[int, int], needed: set[int], batch: int, seed: int,
              gradients: bool, thin: bool) -> Supports:
    """Field maps, or gradient supports when asked for or where a map is not separable."""
    if not gradients:
        try:
            return FieldMaps(graph, extent, needed)
        except NotSeparable:
            pass
    return GradientSupports(graph, extent, needed, batch, seed, thin)


def _pointwise_input(graph: Graph, i: int) -> int | None:
    """The node a pointwise node reads, if it is not the input: in the positive net its
    stand-in is the identity (or acts as one on positive inputs), so its field is that
    node's, copied rather than probed again."""
    node = graph.nodes[i]
    if KERNELS[node.layer.kind].pointwise and node.inputs[0] != INPUT:
        return node.inputs[0]
    return None


def _measure(name: str, source: Supports, i: int, lay: Layout, extent: tuple[int, int]
             ) -> RFProbe:
    """Read node i's probed units (or its whole output, after FC, FLATTEN or GAP): their
    supports, and whether they read padding."""
    shape = source.shape(i)
    whole = lay.collapsed[i] or len(shape) != 4
    units: list[tuple[int, int]] = []
    if not whole:
        p = lay.units(i) - 1
        centre = [max(0, (shape[1 + a] - 1 - p) // 2) for a in (0, 1)]
        units = [(centre[0] + t, centre[1] + t) for t in range(p + 1)
                 if centre[0] + t < shape[1] and centre[1] + t < shape[2]]
    supports, inside = source.read(i, None if whole else units)
    periodic = lay.periodic(i)
    axes = [_axis(extent[a], [u[a] for u in units], [s[a] for s in supports],
                  lay.period[i][a], inside and periodic) for a in (0, 1)]
    settled = whole or (inside and (len(units) >= lay.units(i) or not periodic) and
                        all(_interior(s[a], extent[a]) for s in supports for a in (0, 1)))
    return RFProbe(name, axes[0], axes[1], whole, settled, inside)


def _interior(support: tuple[int, int], extent: int) -> bool:
    """Off the border (or empty: a unit no input reaches, as between a transposed layer's
    taps when F < S)."""
    lo, hi = support
    return lo < 0 or (lo > 0 and hi < extent - 1)


def _axis(extent: int, units: list[int], supports: list[tuple[int, int]], period: int,
          inside: bool) -> AxisProbe:
    """Size, jump and start when the units' fields lie inside the input (they read no
    padding, and their supports keep off the border, where a transposed layer's field would
    run past the input); else only the supports."""
    probed = AxisProbe(extent, tuple(units), tuple(supports))
    interior = all(lo > 0 and hi < extent - 1 for lo, hi in supports)  # none empty either
    if not inside or not supports or not interior or len(units) < period + 1:
        return probed
    centres = [Fraction(lo + hi, 2) for lo, hi in supports]
    jump = (centres[period] - centres[0]) / period
    mean = sum(centres[:period], Fraction(0)) / period
    start = mean - (units[0] + Fraction(period - 1, 2)) * jump
    size = max(hi - lo + 1 for lo, hi in supports)
    return AxisProbe(extent, tuple(units), tuple(supports), size, jump, start)
