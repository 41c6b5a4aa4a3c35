"""The rich table for terminals: a row per layer, groups as header rows, totals, legend."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archcalc.analyze import Analysis, GroupReport, LayerReport
from archcalc.render.common import LEGEND, rf_size, settings_line
from archcalc.render.explain import explain_lines
from archcalc.render.notes import misfit_text, placement_text
from archcalc.units import compact, grouped, shape_text, size_bibytes, size_bytes
from archcalc.values import show


def to_table(analysis: Analysis, explain: bool = False) -> RenderableType:
    """The whole terminal rendering: title, layer table, notes, totals, legend."""
    parts: list[RenderableType] = [_title(analysis), _layers(analysis)]
    for r in analysis.layers:
        if r.notes:
            said = [misfit_text(r.notes.misfit)] if r.notes.misfit else []
            said += [placement_text(r.notes.placement)] if r.notes.placement.blocker else []
            parts.append(Text(f"! {r.name}: {'; '.join(said)}", style="yellow"))
    parts += [_totals(analysis), Text(LEGEND, style="dim")]
    if explain:
        parts.append(Text("\n" + "\n".join(explain_lines(analysis))))
    return Group(*parts)


def _title(analysis: Analysis) -> Text:
    text = Text(analysis.network, style="bold")
    text.append(f"  input {shape_text(analysis.input)}")
    if analysis.params:
        text.append("  " + ", ".join(f"{k}={show(v)}" for k, v in analysis.params),
                    style="dim")
    for line in analysis.graph.defaults:
        text.append("\n" + line, style="dim")
    return text


def _layers(analysis: Analysis) -> Table:
    """Layers as rows; a block call or labeled group is a bold header row with its
    subtotals, and its members are indented under it, named relative to it (the full
    name joins the header's path and the member's name with a dot)."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False)
    table.add_column("name", overflow="fold")
    table.add_column("layer", overflow="fold")
    table.add_column("output", no_wrap=True)
    for column in ("params", "MACs", "act.", "RF"):
        table.add_column(column, justify="right", no_wrap=True)
    starts: dict[int, list[GroupReport]] = {}
    for group in analysis.groups:
        starts.setdefault(group.first, []).append(group)
    open_scopes: list[GroupReport] = []
    for i, report in enumerate(analysis.layers):
        open_scopes = [s for s in open_scopes if s.last > i]
        for scope in starts.get(i, []):
            table.add_row(*_scope_row(scope, open_scopes), style="bold")
            open_scopes.append(scope)
        end = any(s.last == i + 1 and s.depth == 0 for s in open_scopes)
        table.add_row(*_row(report, open_scopes), end_section=end)
    return table


def _relative(name: str, open_scopes: list[GroupReport]) -> str:
    """`name` relative to the innermost open scope, indented by the nesting depth."""
    if not open_scopes:
        return name
    return "  " * len(open_scopes) + name.removeprefix(open_scopes[-1].name + ".")


def _row(r: LayerReport, open_scopes: list[GroupReport]) -> list[Text]:
    output = shape_text(r.output) + ("" if r.fits else "!")
    act = compact(r.activations) + ("*" if not r.stored else "")
    return [Text(_relative(r.name, open_scopes)), Text(r.brief),
            Text(output, style="" if r.fits else "yellow"), Text(grouped(r.params)),
            Text(compact(r.macs) if r.macs else "–"),
            Text(act, style="" if r.stored else "dim"), Text(rf_size(r.rf))]


def _scope_row(group: GroupReport, open_scopes: list[GroupReport]) -> list[Text]:
    title = group.title if len(group.title) <= 24 else group.title[:23] + "…"
    return [Text(_relative(group.name, open_scopes)), Text(title), Text(shape_text(group.output)),
            Text(grouped(group.params)), Text(compact(group.macs) if group.macs else "–"),
            Text(""), Text("")]


def _totals(analysis: Analysis) -> Table:
    t, s = analysis.totals, analysis.settings
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("params", f"{grouped(t.params)}   buffers {grouped(t.buffers)}")
    grid.add_row("compute", f"{compact(t.macs)} MACs ({grouped(t.macs)})   "
                            f"{compact(t.flops)} FLOPs")
    per = "image" if s.batch == 1 else f"batch of {s.batch}"
    grid.add_row("memory", f"forward {size_bytes(t.memory)} "
                           f"({size_bibytes(t.memory)}) per {per}, training "
                           f"{size_bytes(t.memory_training)}")
    grid.add_row("", Text(f"{grouped(t.activations)} activations per image; "
                          f"{settings_line(s.batch, s.dtype, s.optimizer)}", style="dim"))
    return grid
