"""Receptive fields per axis, exactly: which input pixels each output unit sees.

Input pixel i is unit i, seeing [i, i]. A layer's unit o sees the union of what the units it
reads see. Along an axis the units of a layer are periodic: unit o = p + k·P (phase p < P)
sees the pixels of unit p moved by k·P·j, where j is the jump (input pixels per unit) and
P·j is an integer. Without upsampling P = 1 and this is the classic rule (CS231n, Dang-Ha):
a window of F' = D·(F − 1) + 1 pixels, stride S and leading padding P_b gives
    r' = r + (F' − 1)·j,   j' = j·S,   start' = start + ((F' − 1)/2 − P_b)·j.
After UPSAMPLE or DECONV the jump is a fraction and units differ by phase: the reported size
is the largest over the phases, the start the mean centre of a period moved back to unit 0
(docs/language.md §8). Sizes are theoretical: not clipped to the image.

A unit that sees the whole input (after GAP, FC or FLATTEN) is global: its field has jump 0,
so every unit made from it — by upsampling, or by broadcasting in a merge — sees the same
pixels, and a window over it only reads more of the same unit (or padding). Periods are kept
as short as the spans allow (`_compact`), so a global field never multiplies phases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from archcalc.errors import ArchError
from archcalc.values import Pair

Number = int | Fraction  # kept an int whenever it is one: Fraction arithmetic is slow
Interval = tuple[int, int]  # first and last input pixel seen (last < first: sees nothing)
MAX_PERIOD = 4096  # phases tracked per axis: upsampling factors multiplied along a path


@dataclass(frozen=True, slots=True)
class AxisRF:
    """The field along one axis: the jump, the pixels seen by units 0 … P − 1, and the
    figures reported: the size (the largest over the phases) and the start (the centre of
    unit 0; with phases, their mean centre moved back to unit 0)."""

    jump: Number
    spans: tuple[Interval, ...]
    size: int
    start: Number

    def span(self, unit: int) -> Interval:
        """The pixels unit `unit` (any integer, even negative) sees."""
        period = len(self.spans)
        k, p = divmod(unit, period)
        lo, hi = self.spans[p]
        shift = int(k * period * self.jump)
        return lo + shift, hi + shift


def _field(jump: Number, spans: tuple[Interval, ...]) -> AxisRF:
    spans = _compact(jump, spans)
    seen = [(p, lo + hi) for p, (lo, hi) in enumerate(spans) if hi >= lo]
    if len(spans) == 1:
        start: Number = _exact(Fraction(seen[0][1], 2)) if seen else 0
    else:
        total = sum((Fraction(twice, 2) - p * Fraction(jump) for p, twice in seen),
                    Fraction(0))
        start = _exact(total / len(seen)) if seen else 0
    return AxisRF(jump, spans, max(hi - lo + 1 for lo, hi in spans), start)


def _compact(jump: Number, spans: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """The shortest period p of `spans` (units p apart see pixels p·jump apart)."""
    n = len(spans)
    for p in range(1, n):
        if n % p or (p * Fraction(jump)).denominator != 1:
            continue
        shift = int(p * jump)
        if all(_same(spans[i + p], _moved(spans[i], shift)) for i in range(n - p)):
            return spans[:p]
    return spans


def _moved(span: Interval, shift: int) -> Interval:
    return span[0] + shift, span[1] + shift


def _same(a: Interval, b: Interval) -> bool:
    return a == b or (a[1] < a[0] and b[1] < b[0])  # equal, or both see nothing


RF = Pair[AxisRF]

PIXEL = AxisRF(1, ((0, 0),), 1, 0)
INPUT_RF: RF = Pair(PIXEL, PIXEL)


def window(rf: AxisRF, f: int, stride: int, pad_before: int, dilation: int = 1) -> AxisRF:
    """After a sliding window (conv, pool, and FC/GAP as a whole-input window): unit o
    reads units o·S − P_b + t·D for t = 0 … F − 1."""
    if len(rf.spans) == 1 and isinstance(rf.jump, int) and rf.spans[0][1] >= rf.spans[0][0]:
        return _classic(rf.spans[0], rf.jump, f, stride, pad_before, dilation)
    period = len(rf.spans) // math.gcd(len(rf.spans), stride)
    return _field(_exact(rf.jump * stride),
                  tuple(_window_span(rf, o * stride - pad_before, f, dilation)
                        for o in range(period)))


def _classic(span: Interval, jump: int, f: int, stride: int, pad_before: int, dilation: int
             ) -> AxisRF:
    """`window` for one phase and a whole jump, in integers: unit 0 reads units −P_b …
    −P_b + (F − 1)·D, which see [lo + u·j, hi + u·j] — the classic rule, r' = r + (F' − 1)·j
    (the general path gives the same; most layers of most networks take this one)."""
    lo, hi = span
    first = lo - pad_before * jump
    last = hi + (-pad_before + (f - 1) * dilation) * jump
    twice = first + last
    start: Number = twice // 2 if twice % 2 == 0 else Fraction(twice, 2)
    return AxisRF(jump * stride, ((first, last),), last - first + 1, start)


def _window_span(rf: AxisRF, first: int, f: int, dilation: int) -> Interval:
    """The union of the spans of units first + t·D: lows grow with the unit within a phase,
    so the first P taps hold the lowest and the last P the highest."""
    reach = min(f, len(rf.spans))
    heads = [rf.span(first + t * dilation) for t in range(reach)]
    tails = [rf.span(first + t * dilation) for t in range(f - reach, f)]
    return _hull(heads, tails)


def _hull(heads: list[Interval], tails: list[Interval]) -> Interval:
    """The lowest first pixel of `heads` and highest last pixel of `tails`, leaving out units
    that see nothing (a phase that sees nothing never does, so both lists meet every phase
    that sees something)."""
    lows = [lo for lo, hi in heads if hi >= lo]
    highs = [hi for lo, hi in tails if hi >= lo]
    return (min(lows), max(highs)) if lows else (1, 0)


def whole(rf: AxisRF, extent: int) -> AxisRF:
    """A global unit (GAP, FC, FLATTEN): it reads units 0 … extent − 1; jump 0."""
    seen = [rf.span(u) for u in range(min(extent, len(rf.spans)))]
    last = [rf.span(u) for u in range(max(0, extent - len(rf.spans)), extent)]
    return _field(0, (_hull(seen, last),))


def adaptive(rf: AxisRF, extent: int, outputs: int) -> AxisRF:
    """After an adaptive pool (PyTorch's index rule): unit i reads input units
    ⌊i·W/w⌋ … ⌈(i + 1)·W/w⌉ − 1. Windows may differ in size; each of the w units is a
    phase, so every real unit's field is exact (and the period shrinks when W/w is whole)."""
    if outputs == 1:
        return whole(rf, extent)
    _period(outputs)
    spans = []
    for i in range(outputs):
        first, end = i * extent // outputs, -(-(i + 1) * extent // outputs)
        units = range(first, end)
        heads = [rf.span(u) for u in units[:len(rf.spans)]]
        tails = [rf.span(u) for u in units[-len(rf.spans):]]
        spans.append(_hull(heads, tails))
    return _field(_exact(Fraction(rf.jump) * extent / outputs), tuple(spans))


def transposed(rf: AxisRF, f: int, stride: int, pad: int, dilation: int = 1) -> AxisRF:
    """After a transposed conv: unit o receives from the units u with u·S − P + t·D = o."""
    period = _period(len(rf.spans) * stride)
    # Sources move monotonically with t, so the extremes lie among the first and last P·S
    # taps (P·S covers every phase of the sources and every residue of the stride).
    near = len(rf.spans) * stride
    taps = range(f) if f <= 2 * near else [*range(near), *range(f - near, f)]
    spans = []
    for o in range(period):
        sources = [rf.span((o + pad - t * dilation) // stride) for t in taps
                   if (o + pad - t * dilation) % stride == 0]
        spans.append(_hull(sources, sources))
    return _field(_exact(Fraction(rf.jump) / stride), tuple(spans))


def upsampled(rf: AxisRF, factor: int) -> AxisRF:
    """After nearest-neighbour upsampling: unit o sees what unit o // S sees."""
    if rf.jump == 0:
        return rf  # every unit of a global field sees the same pixels
    period = _period(len(rf.spans) * factor)
    return _field(_exact(Fraction(rf.jump) / factor),
                  tuple(rf.span(o // factor) for o in range(period)))


def union(fields: list[AxisRF], extent: int) -> AxisRF:
    """The field of a merge of `extent` units: unit by unit, the pixels any path's unit sees.

    Global paths (jump 0: GAP, FC, a broadcast gate) see the same pixels at every unit. When
    those cover what every unit of the other paths sees, the merge is global too; otherwise its
    `extent` real units are spelled out, one phase each."""
    constant = [f for f in fields if f.jump == 0]
    moving = [f for f in fields if f.jump != 0]
    if constant:
        common = _hull([f.spans[0] for f in constant], [f.spans[0] for f in constant])
        if all(_covers(common, f, extent) for f in moving):
            return _field(0, (common,))
        spans = tuple(_hull([common, *seen], [common, *seen]) for seen in
                      ([f.span(o) for f in moving] for o in range(_period(extent))))
        return _field(max(f.jump for f in moving), spans)
    period = _period(math.lcm(*(len(f.spans) for f in moving)))
    spans = tuple(_hull(seen, seen) for seen in
                  ([f.span(o) for f in moving] for o in range(period)))
    return _field(max(f.jump for f in moving), spans)


def _covers(common: Interval, rf: AxisRF, extent: int) -> bool:
    """Whether `common` holds what each of units 0 … extent − 1 of `rf` sees (lows and highs
    grow with the unit within a phase: the first and last period decide)."""
    period = len(rf.spans)
    edge = [rf.span(u) for u in (*range(min(period, extent)),
                                 *range(max(0, extent - period), extent))]
    return all(common[0] <= lo and hi <= common[1] for lo, hi in edge if hi >= lo)


def _period(period: int) -> int:
    if period > MAX_PERIOD:
        raise ArchError(f"the receptive field would need {period:,} phases per axis", None,
                        f"upsampling factors multiply along the network, and an adaptive pool "
                        f"or a merge with a global path has a phase per output unit; archcalc "
                        f"tracks at most {MAX_PERIOD:,}")
    return period


def _exact(value: Number) -> Number:
    """An int when the value is one."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value
