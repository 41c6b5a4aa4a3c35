"""Window arithmetic shared by CONV, LOCAL and the pools: `same`/`valid` padding, the dilated
extent, the output size with its exact quotient, and the receptive field of a window."""

from __future__ import annotations

import math
from fractions import Fraction

from archcalc import rf as rflib
from archcalc.layers.base import Extent, fail
from archcalc.units import fraction_text
from archcalc.values import Pair, Word


def word_padding(pad: Word, size: int, f_eff: int, stride: int) -> tuple[int, int]:
    """(before, after) for `valid` (none) or `same` as TF/Keras (the extra at the end)."""
    if pad.text == "valid":
        return 0, 0
    total = max((-(-size // stride) - 1) * stride + f_eff - size, 0)
    return total // 2, total - total // 2


def paddings(pad: Pair[int] | Word, hw: tuple[int, int], f_eff: Pair[int], stride: Pair[int]
             ) -> Pair[tuple[int, int]]:
    """(before, after) padding for both axes."""
    if isinstance(pad, Word):
        return Pair(word_padding(pad, hw[0], f_eff.h, stride.h),
                    word_padding(pad, hw[1], f_eff.w, stride.w))
    return Pair((pad.h, pad.h), (pad.w, pad.w))


def effective(f: int, d: int) -> int:
    """The dilated extent F' = D·(F − 1) + 1."""
    return d * (f - 1) + 1


def window_axis(size: int, f_eff: int, stride: int, pad: tuple[int, int],
                ceil: bool = False, same: bool = False) -> Extent:
    """Output extent (W − F' + P_before + P_after)/S + 1, floored (or ceiled, as Caffe).

    With `p=same` the size is ⌈W/S⌉ by definition (TF/Keras), so it always fits.
    """
    before, after = pad
    span = size - f_eff + before + after
    exact = Fraction(span, stride) + 1
    pads = f"2·{before}" if before == after else f"{before} + {after}"
    formula = f"({size} − {f_eff} + {pads})/{stride} + 1"
    if span < 0 and not (ceil and exact > 0):  # ceil mode: one window, as PyTorch and Caffe
        floored = "" if exact <= 0 else f", floored to {math.floor(exact)}"
        raise fail(f"window {f_eff} is larger than the padded input {size + before + after}",
                   f"output would be {formula} = {fraction_text(exact)}{floored} ≤ 0")
    out = math.floor(exact)
    if ceil and exact.denominator != 1:
        out = math.ceil(exact)
        if (out - 1) * stride >= size + before:  # PyTorch: the last window starts inside
            out -= 1
    if exact.denominator == 1:
        return Extent(out, exact, formula)
    return Extent(out, exact, formula, "same" if same else "ceil" if ceil else "floor")


def spatial_rf(field_in: rflib.RF, f: Pair[int], stride: Pair[int],
               pads: Pair[tuple[int, int]], dilation: Pair[int]) -> rflib.RF:
    """The receptive field after a window of F taps D apart, per axis."""
    return Pair(rflib.window(field_in.h, f.h, stride.h, pads.h[0], dilation.h),
                rflib.window(field_in.w, f.w, stride.w, pads.w[0], dilation.w))
