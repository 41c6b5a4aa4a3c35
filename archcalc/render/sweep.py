"""Renderings of `archcalc sweep`: a rich table, JSON or CSV of the configurations."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from archcalc.render.common import number
from archcalc.render.text import safe_cells
from archcalc.sweep import Outcome
from archcalc.units import compact, grouped, size_bytes
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
                      Text(show(o.rf)), Text(o.reason, style="yellow")]
        else:
            cells += [Text("✗", style="bold red")] + [Text("")] * 3 + \
                [Text(o.reason, style="red")]
        table.add_row(*cells)
    return table


def _row(o: Outcome, labels: Sequence[str]) -> dict[str, object]:
    row: dict[str, object] = {name: (v if isinstance(v, int) else show(v))
                              for name, v in o.values}
    row.update({label: present for label, present in zip(labels, o.optional, strict=True)})
    row.update({"valid": o.valid, "layers": o.layers, "params": o.params, "macs": o.macs,
                "memory_bytes": o.memory, "rf": number(o.rf), "note": o.reason})
    return row


def sweep_json(outcomes: Sequence[Outcome], labels: Sequence[str], total: int) -> str:
    return json.dumps({"configurations": total, "shown": len(outcomes),
                       "results": [_row(o, labels) for o in outcomes]},
                      indent=1, ensure_ascii=False) + "\n"


def sweep_csv(outcomes: Sequence[Outcome], labels: Sequence[str]) -> str:
    out = io.StringIO()
    rows = [_row(o, labels) for o in outcomes]
    if rows:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(safe_cells(list(rows[0])))
        writer.writerows(safe_cells(list(row.values())) for row in rows)
    return out.getvalue()
