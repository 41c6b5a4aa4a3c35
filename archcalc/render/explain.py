"""`--explain`: the substituted arithmetic of every figure, as the slides write it —
`(227 − 11 + 2·0)/4 + 1 = 55`, `(11·11·3)·96 + 96 = 34,944`, `1 + (11 − 1)·1 = 11` — worded
from the rules' terms the analysis keeps (formatting only: every number is the analysis's)."""

from __future__ import annotations

import math
from fnmatch import fnmatchcase
from fractions import Fraction

from archcalc import rf as rflib
from archcalc.analyze import Analysis, GroupReport, LayerReport
from archcalc.figures import Column
from archcalc.layers.base import Extent, Output, product_text
from archcalc.units import fraction_text, grouped, number_text, shape_text

Rows = list[tuple[str, str]]  # (figure, arithmetic = value)

# the row a check's figure is explained by
ROW_OF = {Column.output: "output", Column.params: "params", Column.weights: "params",
          Column.macs: "MACs", Column.flops: "FLOPs", Column.activations: "activations",
          Column.rf: "RF", Column.memory: "forward", Column.memory_training: "training",
          Column.memory_input: "input", Column.memory_backward: "backward",
          Column.memory_params: "params", Column.memory_gradients: "gradients",
          Column.memory_optimizer: "optimizer", Column.memory_buffers: "buffers",
          Column.trainable: "trainable", Column.fits: "output"}


def layer_rows(r: LayerReport) -> Rows:
    """Output, params, MACs, FLOPs, activations and receptive field of one layer."""
    rules = r.rules
    rows = [("output", _output(rules.out))]
    if r.params:
        rows.append(("params", f"{rules.params.formula} = {grouped(r.params)}"))
    if r.macs:
        rows.append(("MACs", f"{rules.macs.formula} = {grouped(r.macs)}"))
    if r.flops:
        parts = ([f"2·{grouped(r.macs)}"] if r.macs else []) + \
            ([rules.elementwise.formula] if rules.elementwise.value else [])
        formula = " + ".join(parts)
        rows.append(("FLOPs", grouped(r.flops) if formula == str(r.flops)
                     else f"{formula} = {grouped(r.flops)}"))
    size = math.prod(r.output)
    count = f"{product_text(r.output)} = {grouped(size)}" if len(r.output) > 1 else grouped(size)
    rows.append(("activations", count + ("" if r.stored else " (in place)")))
    if r.rf != r.rf_in:
        rows.append(("RF", _field(r.rf_in, r.rf)))
    return rows


def group_rows(group: GroupReport, analysis: Analysis) -> Rows:
    """A group's figures: its members' sums, the output of its last member."""
    members = group.last - group.first
    count = f"the sum over its {members} layers"
    last = analysis.layers[group.last - 1].name
    return [("output", f"the output of {last}"),
            *((label, f"{count} = {grouped(group[column])}") for label, column in
              (("params", Column.params), ("MACs", Column.macs), ("FLOPs", Column.flops),
               ("activations", Column.activations)))]


def total_rows(analysis: Analysis) -> Rows:
    """Activations and memory of the whole network: the training memory's parts
    (archcalc/memory.py), each with its arithmetic."""
    t, s = analysis.totals, analysis.settings
    size, batch, states = s.dtype.bytes, s.batch, s.optimizer.states
    weight = 4 if s.amp else size
    frozen = f" of {grouped(t.params)} ({grouped(t.params - t.trainable)} frozen)" \
        if t.trainable != t.params else ""
    return [("activations", f"{grouped(t.input)} input + {grouped(t.activations - t.input)} "
                            f"stored outputs = {grouped(t.activations)}"),
            ("input", f"{grouped(t.input)}·{size} B·{batch} = {grouped(t.memory_input)} B"),
            ("forward", f"{grouped(t.activations)}·{size} B·{batch} = {grouped(t.memory)} B"),
            ("backward", f"2·{grouped(t.memory)} = {grouped(t.memory_backward)} B"),
            ("trainable", f"{grouped(t.trainable)}{frozen}"),
            ("params", f"{grouped(t.params)}·{weight} B = {grouped(t.memory_params)} B"),
            ("gradients", f"{grouped(t.trainable)}·{weight} B = {grouped(t.memory_gradients)} B"),
            ("optimizer", f"{grouped(t.trainable)}·{states}·{weight} B = "
                          f"{grouped(t.memory_optimizer)} B ({s.optimizer})"),
            ("buffers", f"{grouped(t.buffers)}·{weight} B = {grouped(t.memory_buffers)} B"),
            ("training", f"{grouped(t.memory_backward)} + {grouped(t.memory_params)} + "
                         f"{grouped(t.memory_gradients)} + {grouped(t.memory_optimizer)} + "
                         f"{grouped(t.memory_buffers)} = {grouped(t.memory_training)} B")]


def formula_for(analysis: Analysis, target: str, column: Column) -> str:
    """The arithmetic behind a checked figure of `target` (a layer, a group, `total` or
    `input`), or "" when it has none."""
    if target == "input":
        return ""
    if target == "total":
        rows = total_rows(analysis)
    elif target in analysis.names():
        rows = layer_rows(analysis[target])
    else:
        rows = group_rows(analysis.group(target), analysis)
    return dict(rows).get(ROW_OF.get(column, column.header), "")


def explain_lines(analysis: Analysis, pattern: str = "*") -> list[str]:
    """The substituted arithmetic of the layers and groups whose names match `pattern` (a
    glob; "*", every layer and the totals; "total", the totals alone)."""
    lines = []
    every = pattern == "*"
    for r in analysis.layers:
        if every or fnmatchcase(r.name, pattern):
            lines.append(f"{r.name}  {r.layer}  ← {', '.join(r.inputs)}")
            lines += [f"  {label:<12}{formula}" for label, formula in layer_rows(r)]
    for g in () if every else analysis.groups:
        if fnmatchcase(g.name, pattern):
            lines.append(f"{g.name}  {g.title}")
            lines += [f"  {label:<12}{formula}" for label, formula in group_rows(g, analysis)]
    if every or pattern == "total":
        lines.append("total")
        lines += [f"  {label:<12}{formula}" for label, formula in total_rows(analysis)]
    return lines


def explained(analysis: Analysis, pattern: str) -> bool:
    """Whether `pattern` names anything `explain_lines` would explain."""
    return pattern in ("*", "total") or any(
        fnmatchcase(name, pattern) for name in [*analysis.names(),
                                                *(g.name for g in analysis.groups)])


def _output(out: Output) -> str:
    shape = shape_text(out.shape)
    if not out.axes:
        return shape
    h, w = out.axes
    if h.formula == w.formula:
        return f"{_axis(h)} → {shape}"
    return f"H {_axis(h)}, W {_axis(w)} → {shape}"


def _axis(axis: Extent) -> str:
    if not axis.rounded:
        return f"{axis.formula} = {axis.size}"
    return f"{axis.formula} = {fraction_text(axis.exact)} → {axis.size} ({axis.rounded})"


def _field(before: rflib.RF, after: rflib.RF) -> str:
    """r' = r + (F' − 1)·j and j' = j·S per axis, as the slides write them."""
    parts = [_field_axis(name, b, a) for name, b, a in
             (("H", before.h, after.h), ("W", before.w, after.w))]
    return parts[0].removeprefix("H ") if parts[0][2:] == parts[1][2:] else "; ".join(parts)


def _field_axis(name: str, b: rflib.AxisRF, a: rflib.AxisRF) -> str:
    n = number_text
    if b.jump == 0:  # a global unit before: windows over it read only it
        return f"{name} size {n(a.size)}, a global unit (jump 0)"
    step = Fraction(a.jump) / b.jump
    f_eff = Fraction(a.size - b.size) / b.jump + 1
    if a.jump == 0 and f_eff.denominator == 1:  # GAP, FC, FLATTEN: the whole input
        return (f"{name} {n(b.size)} + ({n(f_eff)} − 1)·{n(b.jump)} = {n(a.size)}, the whole "
                "input: a global unit (jump 0)")
    if step.denominator == 1 and f_eff.denominator == 1:
        return (f"{name} {n(b.size)} + ({n(f_eff)} − 1)·{n(b.jump)} = {n(a.size)}, jump "
                f"{n(b.jump)}·{n(step)} = {n(a.jump)}")
    return f"{name} size {n(a.size)}, jump {n(a.jump)}"
