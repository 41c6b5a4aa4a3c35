"""Renderings of `archcalc check`: a pass/fail table with formulas for failures, or JSON
(values as numbers: counts, shapes as lists, fields as [H, W], fits as booleans)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archcalc.analyze import Analysis
from archcalc.check import Result, expect_key
from archcalc.errors import ArchError, printable
from archcalc.figures import Column
from archcalc.render.explain import formula_for
from archcalc.render.notes import note_text
from archcalc.render.text import error_object
from archcalc.units import grouped, number_text, shape_text

Sheet = tuple[Analysis, Sequence[Result]]  # a file's analysis and its checked figures


def got_text(r: Result, analysis: Analysis) -> str:
    """The value got, as printed: 34,944 · 6×6×256 · 11 (or 11x7) · false (why)."""
    if r.column is Column.output:
        return shape_text(r.got)  # type: ignore[arg-type]
    if r.column is Column.rf:
        h, w = r.got  # type: ignore[misc]
        return number_text(h) if h == w else f"{number_text(h)}x{number_text(w)}"
    if r.column is Column.fits:
        if r.got:
            return "true"
        why = note_text(analysis[r.target].notes) if r.target in analysis.names() else \
            "a member does not fit"
        return f"false ({why})"
    return grouped(r.got)  # type: ignore[arg-type]


def checks_table(name: str, sheet: Sheet) -> RenderableType:
    """One file's checks: name, figure, expected, got, ✓/✗; then each failure's formula."""
    analysis, results = sheet
    name = printable(name)  # a file name: no control characters in the title
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, title=Text(name),
                  title_justify="left", title_style="bold")
    table.add_column("line", justify="right")
    table.add_column("name", overflow="fold")
    table.add_column("figure")
    table.add_column("expected", justify="right", overflow="fold")
    table.add_column("got", justify="right", overflow="fold")
    table.add_column("", no_wrap=True)
    for r in results:
        mark = Text("✓", style="green") if r.passed else Text("✗", style="bold red")
        table.add_row(str(r.span.line), Text(r.target), expect_key(r.column), Text(r.expected),
                      Text(got_text(r, analysis)), mark)
    failures = [Text(f"✗ {name}:{r.span.line}: {failure_message(r, analysis)}", style="red")
                for r in results if not r.passed]
    return Group(table, *failures)


def failure_message(r: Result, analysis: Analysis, indent: str = "    ") -> str:
    """`conv1 params: expected 34,848, got 34,944` and the arithmetic on the next line."""
    formula = formula_for(analysis, r.target, r.column)
    return (f"{r.target} {expect_key(r.column)}: expected {r.expected}, got "
            f"{got_text(r, analysis)}" + (f"\n{indent}{formula}" if formula else ""))


def summary(passed: int, failed: int, files: int, errors: int) -> Text:
    parts = [f"{passed} passed", f"{failed} failed"] + ([f"{errors} with input errors"]
                                                        if errors else [])
    style = "bold red" if failed or errors else "bold green"
    return Text(f"{', '.join(parts)} in {files} file{'s' * (files != 1)}", style=style)


def _got_json(r: Result) -> object:
    if isinstance(r.got, tuple):
        return [int(v) if float(v).is_integer() else float(v) for v in r.got]
    return r.got


def checks_json(files: Sequence[tuple[str, Sheet | ArchError]]) -> str:
    """{"files": [{"file": name, "results": [...]} or {"file": name, "error": {...}}, ...],
    "passed": n, "failed": n} — one entry per file given, in order."""
    doc: list[dict[str, object]] = []
    passed = failed = 0
    for name, sheet in files:
        if isinstance(sheet, ArchError):
            doc.append({"file": name, "error": error_object(sheet)})
            continue
        analysis, results = sheet
        passed += sum(r.passed for r in results)
        failed += sum(not r.passed for r in results)
        doc.append({"file": name, "results": [{"line": r.span.line, "column": r.span.column,
                                  "name": r.target, "figure": expect_key(r.column),
                                  "expected": r.expected, "got": _got_json(r),
                                  "passed": r.passed,
                                  "formula": formula_for(analysis, r.target, r.column)}
                                 for r in results]})
    return json.dumps({"files": doc, "passed": passed, "failed": failed}, indent=1,
                      ensure_ascii=False) + "\n"
