"""The substituted arithmetic of a layer's figures, as `--explain` prints it:
`(227 − 11 + 2·0)/4 + 1 = 55`, `(11·11·3)·96 + 96 = 34,944`, `1 + (11 − 1)·1 = 11`."""

from __future__ import annotations

import math
from fractions import Fraction

from archcalc import rf as rflib
from archcalc.layers import Output
from archcalc.layers.base import Axis, Figure, product_text, shape_text
from archcalc.units import grouped


def decimal(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


def layer_formulas(out: Output, params: Figure, macs: Figure, elementwise: Figure, flops: int,
              before: rflib.RF, after: rflib.RF, stored: bool) -> tuple[tuple[str, str], ...]:
    rows = [("output", _output_formula(out))]
    if params.value:
        rows.append(("params", f"{params.formula} = {grouped(params.value)}"))
    if macs.value:
        rows.append(("MACs", f"{macs.formula} = {grouped(macs.value)}"))
    if flops:
        parts = ([f"2·{grouped(macs.value)}"] if macs.value else []) + \
            ([elementwise.formula] if elementwise.value else [])
        formula = " + ".join(parts)
        rows.append(("FLOPs", grouped(flops) if formula == str(flops)
                     else f"{formula} = {grouped(flops)}"))
    dims = product_text(out.shape)
    size = math.prod(out.shape)
    rows.append(("activations", (f"{dims} = {grouped(size)}" if len(out.shape) > 1 else
                                 grouped(size)) + ("" if stored else " (in place)")))
    if after != before:
        rows.append(("RF", _rf_formula(before, after)))
    return tuple(rows)


def _output_formula(out: Output) -> str:
    shape = shape_text(out.shape)
    if not out.axes:
        return shape
    h, w = out.axes
    if h.formula == w.formula:
        return f"{_axis(h)} → {shape}"
    return f"H {_axis(h)}, W {_axis(w)} → {shape}"


def _axis(axis: Axis) -> str:
    if not axis.rounded:
        return f"{axis.formula} = {axis.size}"
    return f"{axis.formula} = {decimal(axis.exact)} → {axis.size} ({axis.rounded})"


def _rf_formula(before: rflib.RF, after: rflib.RF) -> str:
    parts = []
    for name, b, a in (("H", before.h, after.h), ("W", before.w, after.w)):
        if b.jump == 0:  # a global unit before: windows over it read only it
            parts.append(f"{name} size {_n(a.size)}, a global unit (jump 0)")
            continue
        step = Fraction(a.jump) / b.jump
        f_eff = Fraction(a.size - b.size) / b.jump + 1
        if a.jump == 0 and f_eff.denominator == 1:  # GAP, FC, FLATTEN: the whole input
            parts.append(f"{name} {_n(b.size)} + ({_n(f_eff)} − 1)·{_n(b.jump)} = "
                         f"{_n(a.size)}, the whole input: a global unit (jump 0)")
            continue
        if step.denominator == 1 and f_eff.denominator == 1:
            parts.append(f"{name} {_n(b.size)} + ({_n(f_eff)} − 1)·{_n(b.jump)} = "
                         f"{_n(a.size)}, jump {_n(b.jump)}·{_n(step)} = {_n(a.jump)}")
        else:
            parts.append(f"{name} size {_n(a.size)}, jump {_n(a.jump)}")
    return parts[0].removeprefix("H ") if parts[0][2:] == parts[1][2:] else "; ".join(parts)


def _n(value: int | Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
