"""Machine-readable and plain-text renderings: JSON (README, "Python API" and
docs/language.md), CSV, Markdown."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from archcalc import paused_gc
from archcalc.analyze import Analysis, LayerReport
from archcalc.conventions import ChannelsFirst
from archcalc.errors import ArchError, Span
from archcalc.figures import COUNTS, MEMORY, Column
from archcalc.render.common import LEGEND, rf_size, settings_line
from archcalc.render.explain import explain_lines, layer_rows, total_rows
from archcalc.render.notes import note_text, warning_text
from archcalc.units import (
    compact,
    grouped,
    json_number,
    markdown_text,
    shape_text,
    size_bibytes,
    size_bytes,
)
from archcalc.values import show


def to_json(analysis: Analysis, explain: bool = False) -> str:
    """The stable JSON interface: its keys are documented and kept."""
    return "\n".join(json_lines(analysis, explain)) + "\n"


def json_lines(analysis: Analysis, explain: bool = False) -> Iterator[str]:
    """to_json's text line by line: a million layers stream (one layer's object at a time,
    the cyclic GC paused: they are acyclic)."""
    s = analysis.settings
    t = analysis.totals
    totals: dict[str, Any] = {c.value: t[c] for c in COUNTS if c is not Column.memory}
    totals["trainable"] = t.trainable
    totals["memory_bytes"] = {c.value.removeprefix("memory_") if c is not Column.memory
                              else "forward": t[c] for c in MEMORY}
    doc: dict[str, Any] = {
        "network": analysis.network,
        "input": list(analysis.input),
        "params": {name: _value(v) for name, v in analysis.params},
        "settings": {"batch": s.batch, "dtype": str(s.dtype), "optimizer": str(s.optimizer),
                     "strict": s.strict, "count_inplace": s.count_inplace, "amp": s.amp,
                     "freeze": list(s.freeze), "floor": s.floor},
        "layers": (_layer(r, explain) for r in analysis.layers),
        "totals": totals,
        "warnings": [warning_object(w) for w in analysis.warnings],
    }
    if explain:
        doc["totals"]["formulas"] = dict(total_rows(analysis))
    with paused_gc():
        yield from _one_per_line(doc, "layers")


def warning_object(warning: ChannelsFirst) -> dict[str, Any]:
    """A warning as data: its kind, the input as read, the size probably meant, in words."""
    return {"kind": "channels_first", "input": list(warning.shape),
            "meant": list(warning.meant), "message": warning_text(warning)}


def _one_per_line(doc: dict[str, Any], listed: str) -> Iterator[str]:
    """JSON lines: each top-level key, and each item of the `listed` array, on one line."""
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    yield "{"
    for n, (key, value) in enumerate(doc.items()):
        end = "," if n < len(doc) - 1 else ""
        if key != listed:
            yield f" {dump(key)}: {dump(value)}{end}"
            continue
        yield f" {dump(key)}: ["
        held = None  # each item but the last ends with a comma
        for item in value:
            if held is not None:
                yield held + ","
            held = f"  {dump(item)}"
        yield "" if held is None else held
        yield f" ]{end}"
    yield "}"


def _value(value: object) -> object:
    return value if isinstance(value, (int, bool)) else show(value)


def _layer(r: LayerReport, explain: bool) -> dict[str, Any]:
    row: dict[str, Any] = {key: get(r) for _, key, get in _getters()}
    if explain:
        row["formulas"] = dict(layer_rows(r))
    return row


Getter = Callable[[LayerReport], object]


@cache
def _getters() -> tuple[tuple[Column, str, Getter], ...]:
    """Each layer column, its key, and the function that gives a layer's value of it as JSON
    data — looked up once, not once per layer (a million layers stream)."""
    return tuple((column, column.key, _count(column.value) if column in COUNTS
                  else _CELLS[column]) for column in LAYER_COLUMNS)


def _count(name: str) -> Getter:
    return lambda r: int(getattr(r, name))


_CELLS: dict[Column, Callable[[LayerReport], object]] = {
    Column.name: lambda r: r.name, Column.kind: lambda r: r.kind,
    Column.layer: lambda r: r.layer, Column.inputs: lambda r: list(r.inputs),
    Column.output: lambda r: list(r.output), Column.kernel: lambda r: list(r.rules.kernel),
    Column.in_place: lambda r: not r.stored, Column.rf: lambda r: _rf(r),
    Column.fits: lambda r: r.fits, Column.frozen: lambda r: r.frozen,
    Column.note: lambda r: note_text(r.notes)}


def _rf(r: LayerReport) -> dict[str, list[int | float]]:
    return {"size": [json_number(r.rf.h.size), json_number(r.rf.w.size)],
            "jump": [json_number(r.rf.h.jump), json_number(r.rf.w.jump)],
            "start": [float(r.rf.h.start), float(r.rf.w.start)]}


# The columns of a layer in JSON (the documented order) and CSV.
LAYER_COLUMNS = (Column.name, Column.kind, Column.layer, Column.inputs, Column.output,
                 Column.kernel, Column.params, Column.weights, Column.buffers, Column.macs,
                 Column.flops, Column.activations, Column.in_place, Column.memory, Column.rf,
                 Column.fits, Column.frozen, Column.note)


def error_object(err: ArchError) -> dict[str, object]:
    """An input error as data: kind, message, hint, file, span, and the block calls and the
    `use` lines of other files it was reached through (innermost first)."""
    return {"kind": err.kind, "message": err.message, "hint": err.hint,
            "file": err.source.name if err.source else None, "span": _span(err.span),
            "calls": [_span(call) for call in err.calls],
            "uses": [{"file": source.name, "span": _span(use)} for source, use in err.uses]}


def _span(span: Span | None) -> dict[str, int] | None:
    return None if span is None else {"line": span.line, "column": span.column,
                                      "end_line": span.end_line, "end_column": span.end_column}


def error_json(err: ArchError) -> str:
    """A machine-readable error object for --format json."""
    return json.dumps({"error": error_object(err)}, indent=1, ensure_ascii=False) + "\n"


@paused_gc()
def to_csv(analysis: Analysis) -> str:
    """One row per layer and a final `total` row; exact integers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header: list[str] = []
    for column in LAYER_COLUMNS:
        header += [f"rf_{a}" for a in ("size", "jump", "start")] if column is Column.rf \
            else [column.key]
    writer.writerow(header)
    getters = _getters()
    for r in analysis.layers:
        writer.writerow(safe_cells([text for column, _, get in getters
                                    for text in _csv_cells(r, column, get)]))
    writer.writerow(safe_cells([cell for column in LAYER_COLUMNS
                                for cell in _total_cells(analysis, column)]))
    return out.getvalue()


def _total_cells(analysis: Analysis, column: Column) -> list[object]:
    """The `total` row's cells of a column: the sums, the forward memory, and the training
    memory in the note."""
    t = analysis.totals
    if column is Column.rf:
        return ["", "", ""]
    if column in COUNTS:
        return [t[column]]
    return [{Column.name: "total",
             Column.note: f"training memory {t.memory_training} bytes"}.get(column, "")]


def _csv_cells(r: LayerReport, column: Column, get: Getter) -> list[object]:
    if column is Column.rf:
        return [_pair(r, "size"), _pair(r, "jump"), _pair(r, "start")]
    value = get(r)
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, list):
        return ["x".join(map(str, value)) if column in (Column.output, Column.kernel)
                else " ".join(value)]
    return [value]


def _pair(r: LayerReport, attr: str) -> str:
    h, w = show(getattr(r.rf.h, attr)), show(getattr(r.rf.w, attr))
    return h if h == w else f"{h}x{w}"


NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def safe_cells(row: list[object]) -> list[object]:
    """Cells that a spreadsheet would run as formulas get a leading quote (OWASP); a plain
    number such as -0.5 is a number, not a formula, and stays as it is."""
    return [f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not NUMBER.fullmatch(c) else c for c in row]


def _code(text: str) -> str:
    """Text for a code span in a GFM table: only `|` needs escaping there."""
    return text.replace("|", "\\|")


@paused_gc()
def to_markdown(analysis: Analysis, explain: bool | str = False) -> str:
    """A GitHub table with exact figures, the totals and the legend."""
    lines = [f"**{markdown_text(analysis.network)}** — input {shape_text(analysis.input)}", "",
             "| name | layer | output | params | MACs | FLOPs | activations | RF |",
             "|---|---|---|--:|--:|--:|--:|--:|"]
    for r in analysis.layers:
        act = grouped(r.activations) + ("" if r.stored else " *")
        out = shape_text(r.output) + (" ⚠" if not r.fits else "")
        lines.append(f"| {markdown_text(r.name)} | `{_code(r.layer)}` | {out} | "
                     f"{grouped(r.params)} | "
                     f"{grouped(r.macs)} | {grouped(r.flops)} | {act} | {rf_size(r.rf)} |")
    t, s = analysis.totals, analysis.settings
    lines += ["", f"- params: {grouped(t.params)} (buffers {grouped(t.buffers)})",
              f"- MACs: {grouped(t.macs)} ({compact(t.macs)}), FLOPs: {grouped(t.flops)}",
              f"- memory ({settings_line(s.batch, s.dtype, s.optimizer)}): forward "
              f"{size_bytes(t.memory)} ({size_bibytes(t.memory)}), training "
              f"{size_bytes(t.memory_training)}", "", f"_{LEGEND}_"]
    notes = [f"- ⚠ {markdown_text(r.name)}: {markdown_text(note_text(r.notes))}"
             for r in analysis.layers if r.notes]
    notes += [f"- ⚠ {markdown_text(warning_text(w))}" for w in analysis.warnings]
    if notes:
        lines += ["", *notes]
    if explain:
        pattern = "*" if explain is True else str(explain)
        lines += ["", "```", *explain_lines(analysis, pattern), "```"]
    return "\n".join(lines) + "\n"
