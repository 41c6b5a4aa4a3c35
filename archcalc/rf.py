"""Receptive field per axis: size r, jump j (effective stride), start (centre of unit 0).

Input pixels have r = 1, j = 1, start = 0 (the centre of pixel 0). A window of effective
size F' = D·(F − 1) + 1, stride S and leading padding P gives (CS231n / Dang-Ha's rules)
    r' = r + (F' − 1)·j,   j' = j·S,   start' = start + ((F' − 1)/2 − P)·j.
Sizes are theoretical: not clipped to the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from archcalc.values import Pair

Number = int | Fraction  # kept an int whenever it is one: Fraction arithmetic is slow


@dataclass(frozen=True, slots=True)
class AxisRF:
    size: Number
    jump: Number
    start: Number


RF = Pair[AxisRF]

PIXEL = AxisRF(1, 1, 0)
INPUT_RF: RF = Pair(PIXEL, PIXEL)


def window(rf: AxisRF, f_eff: int, stride: int, pad_before: int) -> AxisRF:
    """The field after a sliding window (conv, pool, and FC/GAP as a whole-input window)."""
    return AxisRF(rf.size + (f_eff - 1) * rf.jump, rf.jump * stride,
                  rf.start + (_half(f_eff - 1) - pad_before) * rf.jump)


def _half(n: Number) -> Number:
    return _div(n, 2)


def _div(a: Number, b: Number) -> Number:
    """a / b exactly: an int when it divides, else a Fraction."""
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    q = Fraction(a) / b
    return q.numerator if q.denominator == 1 else q


def transposed(rf: AxisRF, f_eff: int, stride: int, pad: int) -> AxisRF:
    """A transposed conv: outputs step 1/S input units and see at most ⌈F'/S⌉ of them."""
    reach = math.ceil(Fraction(f_eff, stride))
    return AxisRF(rf.size + (reach - 1) * rf.jump, _div(rf.jump, stride),
                  rf.start + _div((pad - _half(f_eff - 1)) * rf.jump, stride))


def upsampled(rf: AxisRF, factor: int) -> AxisRF:
    """Nearest-neighbour upsampling: each output sees one input unit, S outputs per unit."""
    return AxisRF(rf.size, _div(rf.jump, factor),
                  rf.start - _div((factor - 1) * rf.jump, 2 * factor))


def union(fields: list[AxisRF]) -> AxisRF:
    """The field of a merge: the smallest interval covering every path's field."""
    lo = min(f.start - _half(f.size - 1) for f in fields)
    hi = max(f.start + _half(f.size - 1) for f in fields)
    return AxisRF(hi - lo + 1, max(f.jump for f in fields), _half(lo + hi))


def _n(value: Number) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
