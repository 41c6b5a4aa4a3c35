"""Renderings of `archcalc sweep`: a table laid out by render/grid.py for the terminal's
width, JSON or CSV of the configurations."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Sequence

from archcalc.figures import Column
from archcalc.render.grid import NARROW_GAP, Col, Laid, Row, dropped_note, layout, width_of, wrap
from archcalc.render.notes import note_text
from archcalc.render.text import safe_cells
from archcalc.sweep import Outcome
from archcalc.sweep_where import SWEEP_COLUMNS
from archcalc.units import compact, grouped, json_number, size_bytes
from archcalc.values import show

Lines = list[tuple[str, str]]

# The figures the table shows, in order, each with its `keep`: when the table is too wide
# columns drop lowest `keep` first (layers, buffers, act., weights, FLOPs, memory, training,
# MACs, RF); params, the swept values and the `?` elements stay; the notes take the room
# left. JSON and CSV hold every sweep column.
TABLE = {Column.params: 9, Column.weights: 4, Column.buffers: 2, Column.macs: 7,
         Column.flops: 4, Column.activations: 3, Column.memory: 5, Column.memory_training: 6,
         Column.rf: 8, Column.layers: 1}
NOTE_WANT, NOTE_MIN = 24, 12  # cells kept for the notes, and the fewest they are shown in
REASONS = 3  # distinct reasons of invalid configurations worded in full under the table


def _cell(o: Outcome, column: Column) -> str:
    value = o.value(column)
    if column.unit == "bytes":
        return size_bytes(int(value))
    if column in (Column.params, Column.weights, Column.buffers):
        return grouped(int(value))
    if column in (Column.macs, Column.flops, Column.activations):
        return compact(value) if value else "–"
    return show(value)


def sweep_table(outcomes: Sequence[Outcome], labels: Sequence[str], width: int | None = None,
                total: int | None = None) -> Lines:
    """The table at `width` cells: a row per configuration (its swept values, each `?`
    present ✓ or absent –, the figures, a one-line note; ✗ for an invalid one), then what
    was left out, the count shown, and the reasons of the invalid ones in full."""
    names = [name for name, _ in outcomes[0].values] if outcomes else []
    figures = [c for c in SWEEP_COLUMNS if c in TABLE]
    cols = [*(Col(n, right=True) for n in names), *(Col(label) for label in labels),
            *(Col(c.header, right=True, keep=TABLE[c]) for c in figures)]
    rows, notes = [], []
    for o in outcomes:
        cells = [show(v) for _, v in o.values] + ["✓" if p else "–" for p in o.optional]
        if o.valid:
            rows.append(Row([*cells, *(_cell(o, c) for c in figures)]))
        else:
            rows.append(Row([*cells, "✗", *[""] * (len(figures) - 1)], "red"))
        notes.append(note(o) if o.valid else brief(o))
    laid = _with_notes(cols, rows, notes, width)
    out = list(laid.lines)
    if laid.dropped:
        out += [(line, "dim") for line in wrap(dropped_note(laid.dropped), width, " ")]
    valid = sum(o.valid for o in outcomes)
    out.append((f"{len(outcomes):,} of {total if total is not None else len(outcomes):,} "
                f"configurations shown, {valid:,} valid", ""))
    return out + _reasons(outcomes, width)


def _with_notes(cols: list[Col], rows: list[Row], notes: list[str], width: int | None) -> Laid:
    """The table laid out without the notes in the width less up to NOTE_WANT cells kept
    for them, then with the notes in the room it leaves, each cut between words with "…"
    (less than NOTE_MIN cells left: the notes are left out)."""
    if not any(notes):
        return layout(cols, rows, width)
    want = min(max(width_of(text) for text in notes), NOTE_WANT) + NARROW_GAP
    laid = layout(cols, rows, None if width is None else max(width - want, 1))
    room = None if width is None else width - width_of(laid.lines[1][0]) - NARROW_GAP
    if room is not None and room < NOTE_MIN:
        return Laid(laid.lines, [*laid.dropped, "note"])
    noted = [Row([*row.cells, _clip(text, room)], row.style) for row, text in
             zip(rows, notes, strict=True)]
    return layout([*cols, Col("note")], noted, width)


def _clip(text: str, room: int | None) -> str:
    """`text` in `room` cells: whole, or its first words and "…"."""
    if room is None or width_of(text) <= room:
        return text
    kept = ""
    for word in text.split(" "):
        longer = f"{kept} {word}" if kept else word
        if width_of(longer) > room - 1:
            break
        kept = longer
    return (kept or text[:room - 1]) + "…"


def _reasons(outcomes: Sequence[Outcome], width: int | None) -> Lines:
    """Each distinct reason a shown configuration is invalid, once, in full (with where it
    is written and the hint), the commonest first."""
    reasons = Counter(note(o) for o in outcomes if not o.valid)
    out: Lines = []
    for text, times in reasons.most_common(REASONS):
        said = f"✗ {text}" + (f" ({times:,} configurations)" if times > 1 else "")
        out += [(line, "red") for line in wrap(said, width, "    ")]
    if len(reasons) > REASONS:
        more = f"  and {len(reasons) - REASONS:,} other reasons (--format json lists each)"
        out += [(line, "dim") for line in wrap(more, width, "    ")]
    return out


def note(o: Outcome) -> str:
    """Why a configuration is invalid (where, what, the hint), or the first layer's note
    (`conv1: does not fit …`)."""
    if not o.valid:
        at = f"line {o.error_at.line}, column {o.error_at.column}: " if o.error_at else ""
        return at + o.error + (f" ({o.hint})" if o.hint else "")
    return f"{o.noted[0]}: {note_text(o.noted[1])}" if o.noted else ""


def brief(o: Outcome) -> str:
    """An invalid configuration's reason in one line: the error without its arithmetic in
    brackets (`pool6: window 2 is larger than the padded input 1`)."""
    return re.sub(r"\s*\([^()]*(\([^()]*\)[^()]*)*\)\s*$", "", o.error) or o.error


def _figures(o: Outcome) -> dict[str, object]:
    return {c.key: json_number(o.value(c)) for c in SWEEP_COLUMNS}


def _row(o: Outcome, labels: Sequence[str]) -> dict[str, object]:
    return {"values": {name: (v if isinstance(v, int) else show(v)) for name, v in o.values},
            "optional": dict(zip(labels, o.optional, strict=True)), "valid": o.valid,
            **_figures(o), "note": note(o)}


def sweep_json(outcomes: Sequence[Outcome], labels: Sequence[str], total: int) -> str:
    """{"configurations": n, "shown": n, "results": [{"values": {param: value}, "optional":
    {label: present}, "valid": …, figures …, "note": …}]} — swept params apart from the
    figures, so that a param named like a figure keeps its value."""
    return json.dumps({"configurations": total, "shown": len(outcomes),
                       "results": [_row(o, labels) for o in outcomes]},
                      indent=1, ensure_ascii=False) + "\n"


def sweep_csv(outcomes: Sequence[Outcome], labels: Sequence[str]) -> str:
    """One row per configuration: the swept params (a name that is also a column's is
    written `param:NAME`), each `?` element, valid, the figures, the note."""
    out = io.StringIO()
    if not outcomes:
        return ""
    taken = {c.key for c in SWEEP_COLUMNS} | {"valid", "note"} | set(labels)
    names = [name if name not in taken else f"param:{name}" for name, _ in outcomes[0].values]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_cells([*names, *labels, "valid", *(c.key for c in SWEEP_COLUMNS),
                                "note"]))
    for o in outcomes:
        figures = list(_figures(o).values())
        writer.writerow(safe_cells([*(v if isinstance(v, int) else show(v) for _, v in o.values),
                                    *o.optional, o.valid, *figures, note(o)]))
    return out.getvalue()
