"""Renderings of `archcalc sweep`: a rich table, JSON or CSV of the configurations."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from archcalc.figures import COUNTS, Column
from archcalc.render.notes import note_text
from archcalc.render.text import safe_cells
from archcalc.sweep import Outcome
from archcalc.units import compact, grouped, json_number, size_bytes
from archcalc.values import show


def sweep_table(outcomes: Sequence[Outcome], labels: Sequence[str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    names = [name for name, _ in outcomes[0].values] if outcomes else []
    for name in names:  # headers as Text: a label like `[relu]?` is not rich markup
        table.add_column(Text(name), justify="right")
    for label in labels:
        table.add_column(Text(label), justify="center")
    for column in ("params", "MACs", "memory", "RF"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("note", overflow="fold", ratio=1)
    for o in outcomes:
        cells = [Text(show(v)) for _, v in o.values]
        cells += [Text("✓" if p else "–") for p in o.optional]
        if o.valid:
            cells += [Text(grouped(o.params)), Text(compact(o.macs)), Text(size_bytes(o.memory)),
                      Text(show(o.rf)), Text(note(o), style="yellow")]
        else:
            cells += [Text("✗", style="bold red")] + [Text("")] * 3 + \
                [Text(note(o), style="red")]
        table.add_row(*cells)
    return table


def note(o: Outcome) -> str:
    """Why a configuration is invalid, or the first layer's note (`conv1: does not fit …`)."""
    if not o.valid:
        at = f"line {o.error_at.line}, column {o.error_at.column}: " if o.error_at else ""
        return at + o.error + (f" ({o.hint})" if o.hint else "")
    return f"{o.noted[0]}: {note_text(o.noted[1])}" if o.noted else ""


FIGURES = (Column.layers, *COUNTS, Column.memory_training, Column.rf)  # JSON and CSV columns


def _figures(o: Outcome) -> dict[str, object]:
    return {c.key: json_number(o.value(c)) for c in FIGURES}


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
    taken = {c.key for c in FIGURES} | {"valid", "note"} | set(labels)
    names = [name if name not in taken else f"param:{name}" for name, _ in outcomes[0].values]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_cells([*names, *labels, "valid", *(c.key for c in FIGURES), "note"]))
    for o in outcomes:
        figures = list(_figures(o).values())
        writer.writerow(safe_cells([*(v if isinstance(v, int) else show(v) for _, v in o.values),
                                    *o.optional, o.valid, *figures, note(o)]))
    return out.getvalue()
