"""Machine-readable and plain-text renderings: JSON (design.md §5), CSV, Markdown."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from archcalc.analyze import Analysis, LayerReport
from archcalc.errors import ArchError
from archcalc.render.common import LEGEND, dims, number, rf_size, settings_line
from archcalc.units import compact, grouped, size_bibytes, size_bytes
from archcalc.values import show


def to_json(analysis: Analysis, explain: bool = False) -> str:
    """The stable JSON interface: design.md §5, plus extra keys."""
    s = analysis.settings
    t = analysis.totals
    doc: dict[str, Any] = {
        "network": analysis.network,
        "input": list(analysis.input),
        "params": {name: _value(v) for name, v in analysis.params},
        "settings": {"batch": s.batch, "dtype": str(s.dtype), "optimizer": str(s.optimizer),
                     "strict": s.strict, "count_inplace": s.count_inplace},
        "layers": [_layer(r, explain) for r in analysis.layers],
        "totals": {"params": t.params, "weights": t.weights, "buffers": t.buffers,
                   "macs": t.macs, "flops": t.flops, "activations": t.activations,
                   "memory_bytes": {"forward": t.memory_forward,
                                    "training": t.memory_training}},
    }
    if explain:
        doc["totals"]["formulas"] = dict(t.formulas)
    return _one_per_line(doc, "layers")


def _one_per_line(doc: dict[str, Any], listed: str) -> str:
    """JSON with each top-level key, and each item of the `listed` array, on one line."""
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    parts = []
    for key, value in doc.items():
        if key == listed:
            items = ",\n".join(f"  {dump(item)}" for item in value)
            parts.append(f" {dump(key)}: [\n{items}\n ]")
        else:
            parts.append(f" {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _value(value: object) -> object:
    return value if isinstance(value, (int, bool)) else show(value)


def _layer(r: LayerReport, explain: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": r.name, "kind": r.kind, "layer": r.layer, "inputs": list(r.inputs),
        "output": list(r.output), "params": r.params, "weights": r.weights,
        "buffers": r.buffers, "macs": r.macs, "flops": r.flops,
        "activations": r.activations, "in_place": not r.stored, "memory_bytes": r.memory,
        "rf": {"size": [number(r.rf.h.size), number(r.rf.w.size)],
               "jump": [number(r.rf.h.jump), number(r.rf.w.jump)],
               "start": [float(r.rf.h.start), float(r.rf.w.start)]},
        "fits": r.fits, "note": r.note,
    }
    if explain:
        row["formulas"] = dict(r.formulas)
    return row


def error_object(err: ArchError) -> dict[str, object]:
    """An input error as data: kind, message, hint, file and span."""
    span = err.span
    where = None if span is None else {"line": span.line, "column": span.column,
                                       "end_line": span.end_line,
                                       "end_column": span.end_column}
    return {"kind": err.kind, "message": err.message, "hint": err.hint,
            "file": err.source.name if err.source else None, "span": where}


def error_json(err: ArchError) -> str:
    """A machine-readable error object for --format json."""
    return json.dumps({"error": error_object(err)}, indent=1, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("name", "kind", "layer", "inputs", "output", "params", "weights", "buffers",
               "macs", "flops", "activations", "in_place", "memory_bytes", "rf_size",
               "rf_jump", "rf_start", "fits", "note")


def to_csv(analysis: Analysis) -> str:
    """One row per layer and a final `total` row; exact integers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in analysis.layers:
        writer.writerow(safe_cells([r.name, r.kind, r.layer, " ".join(r.inputs), "x".join(
            map(str, r.output)), r.params, r.weights, r.buffers, r.macs, r.flops,
            r.activations, str(not r.stored).lower(), r.memory, _pair(r, "size"),
            _pair(r, "jump"), _pair(r, "start"), str(r.fits).lower(), r.note]))
    t = analysis.totals
    writer.writerow(safe_cells(["total", "", "", "", "", t.params, t.weights, t.buffers,
                                t.macs, t.flops, t.activations, "", t.memory_forward, "", "",
                                "", "", f"training memory {t.memory_training} bytes"]))
    return out.getvalue()


def _pair(r: LayerReport, attr: str) -> str:
    h, w = show(getattr(r.rf.h, attr)), show(getattr(r.rf.w, attr))
    return h if h == w else f"{h}x{w}"


def safe_cells(row: list[object]) -> list[object]:
    """Cells that a spreadsheet would run as formulas get a leading quote (OWASP)."""
    return [f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@", "\t", "\r")
            else c for c in row]


def to_markdown(analysis: Analysis, explain: bool = False) -> str:
    """A GitHub table with exact figures, the totals and the legend."""
    lines = [f"**{_md(analysis.network)}** — input {dims(analysis.input)}", "",
             "| name | layer | output | params | MACs | FLOPs | activations | RF |",
             "|---|---|---|--:|--:|--:|--:|--:|"]
    for r in analysis.layers:
        act = grouped(r.activations) + ("" if r.stored else " *")
        out = dims(r.output) + (" ⚠" if not r.fits else "")
        lines.append(f"| {_md(r.name)} | `{r.layer}` | {out} | {grouped(r.params)} | "
                     f"{grouped(r.macs)} | {grouped(r.flops)} | {act} | {rf_size(r.rf)} |")
    t, s = analysis.totals, analysis.settings
    lines += ["", f"- params: {grouped(t.params)} (buffers {grouped(t.buffers)})",
              f"- MACs: {grouped(t.macs)} ({compact(t.macs)}), FLOPs: {grouped(t.flops)}",
              f"- memory ({settings_line(s.batch, s.dtype, s.optimizer)}): forward "
              f"{size_bytes(t.memory_forward)} ({size_bibytes(t.memory_forward)}), training "
              f"{size_bytes(t.memory_training)}", "", f"_{LEGEND}_"]
    notes = [f"- ⚠ {_md(r.name)}: {r.note}" for r in analysis.layers if r.note]
    if notes:
        lines += ["", *notes]
    if explain:
        lines += ["", "```", *explain_lines(analysis), "```"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def explain_lines(analysis: Analysis) -> list[str]:
    """The substituted arithmetic of every figure, layer by layer, then the totals."""
    lines = []
    for r in analysis.layers:
        lines.append(f"{r.name}  {r.layer}  ← {', '.join(r.inputs)}")
        lines += [f"  {label:<12}{formula}" for label, formula in r.formulas]
    lines.append("total")
    lines += [f"  {label:<12}{formula}" for label, formula in analysis.totals.formulas]
    return lines
