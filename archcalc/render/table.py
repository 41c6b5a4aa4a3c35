"""The terminal table of `archcalc analyze`: a row per layer (groups as header rows, or one
row each when collapsed by `--depth`), the notes, the totals panel and the legend, laid out
by render/grid.py for the terminal's width."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from archcalc import paused_gc, units
from archcalc.analyze import Analysis, GroupReport, LayerReport
from archcalc.render.common import LEGEND, rf_size
from archcalc.render.explain import explain_lines
from archcalc.render.grid import Col, Row, dropped_note, layout, wrap
from archcalc.render.notes import misfit_text, placement_text
from archcalc.render.totals import totals_lines
from archcalc.values import show

# The same few counts and shapes recur down a long network: each is worded once, and its
# text shared by the rows (compact is exact, with Fractions: most of a long table's time).
compact = lru_cache(maxsize=4096)(units.compact)
grouped = lru_cache(maxsize=4096)(units.grouped)
shape_text = lru_cache(maxsize=4096)(units.shape_text)

Lines = list[tuple[str, str]]
Report = LayerReport | GroupReport


@dataclass(frozen=True)
class Shown:
    """A column `--columns` can choose: its layout and its cell for a layer or a group."""

    col: Col
    cell: Callable[[Report, Analysis], str]
    default: bool = False


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _input(r: Report, a: Analysis) -> str:
    if isinstance(r, GroupReport):
        r = a.layers[r.first]
    shapes = [shape_text(a.input if n == "input" else a[n].output) for n in r.inputs]
    return " | ".join(dict.fromkeys(shapes))


def _kernel(r: Report, a: Analysis) -> str:
    return "×".join(map(str, r.rules.kernel)) if isinstance(r, LayerReport) else ""


def _output(r: Report, a: Analysis) -> str:
    return shape_text(r.output) + ("" if r.fits else "!")


def _act(r: Report, a: Analysis) -> str:
    stored = not isinstance(r, LayerReport) or r.stored
    return compact(r.activations) + ("" if stored else "*")


def _layer(r: Report, a: Analysis) -> str:
    if isinstance(r, LayerReport):
        return r.brief
    return f"{r.title} · {r.last - r.first} layers"


COLUMNS: dict[str, Shown] = {
    "name": Shown(Col("name", keep=10), lambda r, a: "", True),  # filled with the indent
    "layer": Shown(Col("layer", shrink=12, keep=5), _layer, True),
    "input": Shown(Col("input", keep=1), _input),
    "output": Shown(Col("output", keep=8), _output, True),
    "kernel": Shown(Col("kernel", keep=1), _kernel),
    "params": Shown(Col("params", right=True, keep=7), lambda r, a: grouped(r.params), True),
    "weights": Shown(Col("weights", right=True, keep=3), lambda r, a: grouped(r.weights)),
    "buffers": Shown(Col("buffers", right=True, keep=3), lambda r, a: grouped(r.buffers)),
    "params%": Shown(Col("params%", right=True, keep=3),
                     lambda r, a: _percent(r.params, a.totals.params)),
    "macs": Shown(Col("MACs", right=True, keep=6),
                  lambda r, a: compact(r.macs) if r.macs else "–", True),
    "macs%": Shown(Col("MACs%", right=True, keep=3),
                   lambda r, a: _percent(r.macs, a.totals.macs)),
    "flops": Shown(Col("FLOPs", right=True, keep=3),
                   lambda r, a: compact(r.flops) if r.flops else "–"),
    "act": Shown(Col("act.", right=True, keep=3), _act, True),
    "memory": Shown(Col("memory", right=True, keep=3),
                    lambda r, a: compact(r.memory) + "B" if r.memory else "–"),
    "rf": Shown(Col("RF", right=True, keep=4), lambda r, a: rf_size(r.rf), True),
}
DEFAULT_COLUMNS = tuple(k for k, s in COLUMNS.items() if s.default)


@paused_gc()  # a long network's rows are acyclic: no collections while made
def to_table(analysis: Analysis, explain: str | bool | None = None, width: int | None = None,
             columns: Sequence[str] = DEFAULT_COLUMNS, depth: int | None = None) -> Lines:
    """The whole terminal rendering at `width`: title, layer table (groups nested deeper than
    `depth` collapsed), notes, totals, legend, and the arithmetic of the layers `explain`
    names (a glob; "*" or True: all)."""
    explain = "*" if explain is True else explain or None
    keys = ["name", *(k for k in columns if k != "name")]
    laid = layout([COLUMNS[k].col for k in keys], _rows(analysis, keys, depth), width)
    out: Lines = [*_title(analysis), *laid.lines]
    if laid.dropped:
        out += [(line, "dim") for line in wrap(dropped_note(laid.dropped), width, " ")]
    for r in analysis.layers:
        if r.notes:
            said = [misfit_text(r.notes.misfit)] if r.notes.misfit else []
            said += [placement_text(r.notes.placement)] if r.notes.placement.blocker else []
            out += [(line, "yellow") for line in
                    wrap(f"! {r.name}: {'; '.join(said)}", width, "    ")]
    out += totals_lines(analysis, width)
    out += [(line, "dim") for line in wrap(LEGEND, width)]
    if explain is not None:
        out.append(("", ""))
        for line in explain_lines(analysis, explain):
            indent = " " * (14 if line.startswith("  ") else 4)
            out += [(part, "") for part in wrap(line, width, indent)]
    return out


def _title(analysis: Analysis) -> Lines:
    text = f"{analysis.network}  input {shape_text(analysis.input)}"
    if analysis.params:
        text += "  " + ", ".join(f"{k}={show(v)}" for k, v in analysis.params)
    return [(text, "bold"), *((line, "dim") for line in analysis.graph.defaults)]


def _rows(analysis: Analysis, keys: list[str], depth: int | None) -> list[Row]:
    """Layers as rows; a block call or labeled group is a bold header row with its
    subtotals, its members indented under it and named relative to it — or, nested deeper
    than `depth`, one row with its subtotals in place of its members."""
    starts: dict[int, list[GroupReport]] = {}
    for group in analysis.groups:
        starts.setdefault(group.first, []).append(group)
    rows: list[Row] = []
    open_scopes: list[GroupReport] = []
    i = 0
    while i < len(analysis.layers):
        open_scopes = [s for s in open_scopes if s.last > i]
        collapsed = None
        for scope in starts.get(i, []):
            if depth is not None and scope.depth >= depth:
                collapsed = scope
                break
            rows.append(_row(scope, analysis, keys, open_scopes, "bold"))
            open_scopes.append(scope)
        if collapsed is not None:
            rows.append(_row(collapsed, analysis, keys, open_scopes, "",
                             _ends_top(collapsed.last, open_scopes, collapsed)))
            i = collapsed.last
            continue
        report = analysis.layers[i]
        rows.append(_row(report, analysis, keys, open_scopes, "",
                         _ends_top(i + 1, open_scopes, None)))
        i += 1
    return rows


def _ends_top(end: int, open_scopes: list[GroupReport], itself: GroupReport | None) -> bool:
    """Whether a top-level group ends here: a rule is drawn under it."""
    return any(s.last == end and s.depth == 0 for s in [*open_scopes, *([itself] if itself
                                                                         else [])])


def _row(r: Report, analysis: Analysis, keys: list[str], open_scopes: list[GroupReport],
         style: str, rule: bool = False) -> Row:
    cells = [_relative(r.name, open_scopes)] + [COLUMNS[k].cell(r, analysis) for k in keys[1:]]
    if isinstance(r, GroupReport) and style == "bold" and "layer" in keys:  # members follow
        cells[keys.index("layer")] = r.title
    return Row(cells, style, rule)


def _relative(name: str, open_scopes: list[GroupReport]) -> str:
    """`name` relative to the innermost open scope, indented by the nesting depth."""
    if not open_scopes:
        return name
    return "  " * len(open_scopes) + name.removeprefix(open_scopes[-1].name + ".")
