"""Renderings of init-stats (table, JSON, CSV, Markdown): the activation mean and std per
layer, with bars, formatted only."""

from __future__ import annotations

import csv
import io
import json
import math

from archcalc.render.grid import Col, Row, dropped_note, layout, wrap
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


def stats_table(stats: Stats, width: int | None = None) -> list[tuple[str, str]]:
    """A row per layer: name, kind, output, mean, std and a bar of the std; the sparkline
    of the stds; where the activations overflow."""
    top = _top([row.std for row in stats.rows])
    cols = [Col("layer", keep=10), Col("kind", keep=3), Col("output", keep=4),
            Col("mean", right=True, keep=6), Col("std", right=True, keep=9),
            Col("std", keep=5)]
    rows = [Row([r.name, r.kind, shape_text(r.shape), _small(r.mean), _small(r.std),
                 bar(r.std, top)]) for r in stats.rows]
    laid = layout(cols, rows, width)
    out = [(f"{stats.network}: {stats.describe()}", "bold"), *laid.lines]
    if laid.dropped:
        out += [(line, "dim") for line in wrap(dropped_note(laid.dropped), width, " ")]
    out.append(("std by layer: " + sparkline([r.std for r in stats.rows]), ""))
    first = stats.overflow()
    if first is not None:
        out += [(line, "yellow") for line in wrap(
            f"! the activations overflow (inf or NaN) from {first} on: {OVERFLOW}", width,
            "    ")]
    return out


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
