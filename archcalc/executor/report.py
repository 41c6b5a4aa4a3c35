"""Renderings of a verify Report (table, JSON, CSV, Markdown): formatting only, never computing
a figure. init-stats has its own: stats_report.py."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from archcalc.figures import Column
from archcalc.render.grid import Col, Row, dropped_note, layout, wrap
from archcalc.units import compact, grouped, markdown_text, number_text, shape_text, size_bytes

from .gradcheck_net import GradCheck
from .verify import COMPARED, Comparison, LayerCheck, Report

OK, BAD = "✓", "✗"
OVERFLOW = ("weights too large for float32 (try --init he, or a smaller --std), or a division "
            "by zero such as LRN with k = 0 and α = 0")
HEADERS = {Column.memory: "kept"}  # the table's headers that differ from Column.header
TOTAL_NOTES = {Column.macs: "at batch {batch}", Column.memory: "input + every kept output"}


def _num(value: Any) -> str:
    return number_text(value) if isinstance(value, (int, Fraction)) else str(value)


def _rf(value: Any) -> str:
    """`11 /4 @5` (size, jump, start) or `0–31` supports; axes joined by × when they differ."""
    if isinstance(value, dict) and "h" in value:
        parts = [_rf_axis(value[a]) for a in ("h", "w")]
        return parts[0] if parts[0] == parts[1] else f"{parts[0]} × {parts[1]}"
    return str(value)


def _rf_axis(axis: Any) -> str:
    if isinstance(axis, dict):
        return f"{_num(axis['size'])} /{_num(axis['jump'])} @{_num(axis['start'])}"
    # (-1, -1) is an empty support; a static interval may start before pixel 0
    return ",".join("none" if (lo, hi) == (-1, -1) or hi < lo else f"{_num(lo)}–{_num(hi)}"
                    for lo, hi in axis)


SHOW: dict[Column, Callable[[Any], str]] = {
    Column.output: shape_text, Column.params: grouped, Column.buffers: grouped,
    Column.macs: compact, Column.memory: size_bytes, Column.rf: _rf}


def cell(column: Column, check: Comparison | None, mark: bool = True,
         in_place: bool = False) -> str:
    """`✓ value`, or `✗ static ≠ ran` on a mismatch (without the mark: `value`,
    `static ≠ ran`); `–` when not measured; `in place` for kept bytes of 0 in another node's
    storage."""
    if check is None:
        return "–"
    show = SHOW[column]
    if check.ok:
        text = "in place" if in_place and check.got == 0 else show(check.got)
        return f"{OK} {text}" if mark else text
    text = f"{show(check.expected)} ≠ {show(check.got)}"
    return f"{BAD} {text}" if mark else text


def memory_note(layer: LayerCheck) -> str:
    """Where an output lives: `in place (in relu1)`, or why an in-place kind allocated."""
    t = layer.trace
    if t.lives_in:
        return f"in place (in {t.lives_in})"
    if t.blocked is None:
        return ""
    why = "keeps that storage for its backward pass" if t.blocked.kept else "reads it later"
    return f"not in place: {t.blocked.by} {why}"


def rf_note(layer: LayerCheck) -> str:
    """How a field was compared when its probe was not exact."""
    probe = layer.probe
    if probe is None or (probe.h.exact and probe.w.exact):
        return ""
    return ("whole input" if probe.whole else "clipped by the input's border") + \
        ("" if probe.inside else ", reads padding")


def _figure(layer: LayerCheck, column: Column) -> Comparison | None:
    return layer.figures.get(column)


def summary(report: Report) -> str:
    bad = [layer.name for layer in report.layers if not layer.ok]
    bad += [f"total {k}" for k, c in report.totals.items() if not c.ok]
    bad += [f"gradient {g.node}.{g.key}" + ("" if g.conclusive else " (inconclusive)")
            for g in report.gradcheck if not g.ok]
    if not bad:
        return f"{OK} verified: every figure of {len(report.layers)} layers matches the run"
    more = f" (+{len(bad) - 5} more)" if len(bad) > 5 else ""
    return f"{BAD} {len(bad)} mismatches: {', '.join(bad[:5])}{more}"


def settings(report: Report) -> str:
    o, t = report.options, report.trace
    init = f"{o.init} init" + (f" (std {o.std:g})" if str(o.init) == "normal" else "")
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
    return (f"batch {o.batch} · seed {o.seed} · {init} · {o.dtype} · loss {t.loss} = "
            f"{t.loss_value:.4g} · {timing}")


def to_table(report: Report, width: int | None = None) -> list[tuple[str, str]]:
    """The terminal rendering at `width`: a row per layer with ✓/✗ and each figure, the
    totals, notes, the gradient check, settings and the verdict."""
    keys = [k for k in COMPARED if not (k is Column.buffers and _all_zero(report, k))
            and not (k is Column.rf and all(k not in layer.figures for layer in report.layers))]
    cols = [Col("", keep=10), Col("name", keep=10),
            *(Col(HEADERS.get(k, k.header), right=k in (Column.params, Column.buffers,
                                                          Column.macs), keep=_KEEP.get(k, 5))
              for k in keys)]
    rows = [Row([OK if layer.ok else BAD, layer.name,
                 *(cell(k, _figure(layer, k), mark=False, in_place=bool(layer.trace.lives_in))
                   for k in keys)], "" if layer.ok else "red") for layer in report.layers]
    ok = all(c.ok for c in report.totals.values())
    rows.append(Row([OK if ok else BAD, "total",
                     *(cell(k, report.totals.get(k), mark=False) if k in report.totals else ""
                       for k in keys)], "bold"))
    laid = layout(cols, rows, width)
    out = [(f"{report.network}  input {shape_text(report.input)}", "bold"), *laid.lines]
    if laid.dropped:
        out += [(line, "dim") for line in wrap(dropped_note(laid.dropped), width, " ")]
    for note in _notes(report):
        out += [(line, "yellow") for line in wrap(note, width, "    ")]
    if report.gradcheck:
        out += layout([Col("gradient", keep=10), Col("samples", keep=5),
                       Col("max rel. error", keep=8), Col("", keep=10)],
                      [_gradient_row(g) for g in report.gradcheck], width).lines
    out += [(line, "dim") for line in wrap(settings(report), width, "  ")]
    out += [(line, "dim") for line in wrap(LEGEND, width, "  ")]
    out += [(line, "bold green" if report.ok else "bold red")
            for line in wrap(summary(report), width, "  ")]
    return out


LEGEND = ("analyzer ≠ executor on a mismatch · kept: new storage at the batch · RF: size "
          "/jump @start, or the supports a–b of clipped probes")
_KEEP = {Column.output: 8, Column.params: 7, Column.macs: 6, Column.memory: 4, Column.rf: 3,
         Column.buffers: 2}  # which figure columns stay longest at a narrow width


def _notes(report: Report) -> list[str]:
    notes = [f"! {layer.name}: {memory_note(layer)}" for layer in report.layers
             if layer.trace.blocked is not None]
    notes += [f"! {layer.name}: parameter gradients do not match the parameters' shapes"
              for layer in report.layers if not layer.trace.grads_ok]
    if not math.isfinite(report.trace.loss_value):
        notes.append(f"! the run's values overflow (the loss is {report.trace.loss_value}): "
                     f"{OVERFLOW}; shapes, sizes, MACs, memory and fields do not depend on them")
    return notes


def _gradient_row(g: GradCheck) -> Row:
    drawn = f"{g.samples} ({g.kinks} on kinks skipped)" if g.kinks else str(g.samples)
    verdict = OK if g.ok else BAD if g.conclusive else f"{BAD} inconclusive"
    return Row([f"{g.node}.{g.key}", drawn, f"{g.max_error:.1e}", verdict],
               "" if g.ok else "red")


def _all_zero(report: Report, column: Column) -> bool:
    return all(layer.figures[column].expected == 0 == layer.figures[column].got
               for layer in report.layers)


def _plain(value: Any) -> Any:
    """A JSON-ready copy: tuples as lists, exact fractions as int or float."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _check_json(check: Comparison | None, note: str = "") -> Any:
    if check is None:
        return None
    doc = {"expected": _plain(check.expected), "got": _plain(check.got), "ok": check.ok}
    if note:
        doc["note"] = note
    return doc


def _layer_json(layer: LayerCheck) -> dict[str, Any]:
    t = layer.trace
    notes = {Column.memory: memory_note(layer), Column.rf: rf_note(layer)}
    return {"name": layer.name, "kind": layer.kind, "ok": layer.ok,
            **{k.value: _check_json(_figure(layer, k), notes.get(k, "")) for k in COMPARED},
            "weights": {k: list(v) for k, v in t.weights.items()},
            "gradients_ok": t.grads_ok, "macs_backward": t.macs_backward,
            "workspace_bytes": t.workspace_bytes, "lives_in": t.lives_in or None,
            "seconds": {"forward": t.seconds_forward, "backward": t.seconds_backward}}


def to_json(report: Report) -> str:
    o, t = report.options, report.trace
    doc = {"network": report.network, "input": list(report.input), "ok": report.ok,
           "settings": {"batch": o.batch, "seed": o.seed, "init": str(o.init), "std": o.std,
                        "dtype": o.dtype},
           "loss": {"kind": t.loss, "value": t.loss_value},
           "layers": [_layer_json(layer) for layer in report.layers],
           "totals": {k.value: _check_json(c, TOTAL_NOTES.get(k, "").format(batch=o.batch))
                      for k, c in report.totals.items()},
           "gradcheck": [{"node": g.node, "key": g.key, "samples": g.samples,
                          "kinks_skipped": g.kinks, "max_rel_error": g.max_error,
                          "conclusive": g.conclusive, "ok": g.ok}
                         for g in report.gradcheck],
           "gemm_calls": len(t.records), "seconds": report.seconds}
    return json.dumps(finite(doc), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _rows(report: Report) -> list[list[str]]:
    rows = [["name", "kind", "ok", *(k.value for k in COMPARED)]]
    for layer in report.layers:
        rows.append([layer.name, layer.kind, OK if layer.ok else BAD,
                     *[cell(k, _figure(layer, k), in_place=bool(layer.trace.lives_in))
                       for k in COMPARED]])
    rows.append(["total", "", OK if report.ok else BAD,
                 *[cell(k, report.totals[k]) if k in report.totals else "" for k in COMPARED]])
    return rows


def to_csv(report: Report) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(_rows(report))
    return out.getvalue()


def to_markdown(report: Report) -> str:
    rows = _rows(report)
    lines = ["| " + " | ".join(map(markdown_text, r)) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join([f"**{markdown_text(report.network)}**", "", *lines, "",
                      markdown_text(settings(report)), "", markdown_text(summary(report))]) + "\n"


def finite(value: Any) -> Any:
    """A JSON-ready copy in which NaN and ±inf (an overflow) are null: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value
