"""Renderings of init-stats (table, JSON, CSV, Markdown): the activation mean and std per
layer, with bars, formatted only."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from archcalc.units import markdown_text, shape_text

from .report import OVERFLOW, finite
from .stats import Stats

BARS = " ▁▂▃▄▅▆▇█"


def bar(value: float, top: float, width: int = 24) -> str:
    """A horizontal bar of `value` against `top`, in eighths of a character; `!` for a value
    that overflowed (inf or NaN)."""
    if not math.isfinite(value):
        return "!"
    eighths = round(width * 8 * value / top) if top > 0 else 0
    return "█" * (eighths // 8) + (BARS[eighths % 8] if eighths % 8 else "")


def sparkline(values: list[float]) -> str:
    top = _top(values)
    return "".join("!" if not math.isfinite(v) else BARS[min(8, round(8 * v / top))]
                   if top > 0 else " " for v in values)


def _top(values: list[float]) -> float:
    """The largest finite value (the bars' scale)."""
    return max((v for v in values if math.isfinite(v)), default=0.0)


def stats_table(stats: Stats) -> Any:
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False)
    for title, justify in (("layer", "left"), ("kind", "left"), ("output", "left"),
                           ("mean", "right"), ("std", "right"), ("std", "left")):
        table.add_column(title, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    top = _top([row.std for row in stats.rows])
    for row in stats.rows:
        table.add_row(row.name, row.kind, shape_text(row.shape), _small(row.mean), _small(row.std),
                      bar(row.std, top))
    parts: list[Any] = [Text(f"{stats.network}: {stats.describe()}", style="bold"), table,
                        Text("std by layer: " + sparkline([r.std for r in stats.rows]))]
    first = stats.overflow()
    if first is not None:
        parts.append(Text(f"! the activations overflow (inf or NaN) from {first} on: {OVERFLOW}",
                          style="yellow"))
    return Group(*parts)


def _small(value: float) -> str:
    """Six decimals as the slide prints them, three digits and an exponent when tiny or huge,
    nan or inf after an overflow."""
    if not math.isfinite(value):
        return str(value)
    return f"{value:.6f}" if value == 0 or 1e-4 <= abs(value) < 1e6 else f"{value:.2e}"


def stats_csv(stats: Stats) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "kind", "output", "mean", "std"])
    for r in stats.rows:
        writer.writerow([r.name, r.kind, "x".join(map(str, r.shape)), repr(r.mean), repr(r.std)])
    return out.getvalue()


def stats_markdown(stats: Stats) -> str:
    lines = [f"**{markdown_text(stats.network)}**: {markdown_text(stats.describe())}", "",
             "| layer | kind | output | mean | std | |", "|---|---|---|---|---|---|"]
    top = _top([row.std for row in stats.rows])
    lines += [f"| {markdown_text(r.name)} | {r.kind} | {shape_text(r.shape)} | {_small(r.mean)} "
              f"| {_small(r.std)} | {bar(r.std, top, 12)} |" for r in stats.rows]
    return "\n".join(lines) + "\n"


def stats_json(stats: Stats) -> str:
    doc = {"network": stats.network, "init": stats.init, "std": stats.std,
           "batch": stats.batch, "seed": stats.seed,
           "layers": [{"name": r.name, "kind": r.kind, "output": list(r.shape),
                       "mean": r.mean, "std": r.std} for r in stats.rows]}
    return json.dumps(finite(doc), indent=1, allow_nan=False) + "\n"
