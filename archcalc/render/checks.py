"""Renderings of `archcalc check`: a pass/fail table with formulas for failures, or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archcalc.check import Result
from archcalc.errors import ArchError, printable
from archcalc.render.text import error_object


def checks_table(name: str, results: Sequence[Result]) -> RenderableType:
    """One file's checks: name, figure, expected, got, ✓/✗; then each failure's formula."""
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
        table.add_row(str(r.span.line), Text(r.target), r.key, Text(r.expected), Text(r.got),
                      mark)
    failures = [Text(f"✗ {name}:{r.span.line}: {r.target} {r.key}: expected {r.expected}, "
                     f"got {r.got}" + (f"\n    {r.formula}" if r.formula else ""),
                     style="red") for r in results if not r.passed]
    return Group(table, *failures)


def summary(passed: int, failed: int, files: int, errors: int) -> Text:
    parts = [f"{passed} passed", f"{failed} failed"] + ([f"{errors} with input errors"]
                                                        if errors else [])
    style = "bold red" if failed or errors else "bold green"
    return Text(f"{', '.join(parts)} in {files} file{'s' * (files != 1)}", style=style)


def checks_json(files: Mapping[str, Sequence[Result] | ArchError]) -> str:
    """{"files": {name: {"results": [...]} or {"error": {...}}}, "passed": n, "failed": n}."""
    doc: dict[str, object] = {}
    passed = failed = 0
    for name, results in files.items():
        if isinstance(results, ArchError):
            doc[name] = {"error": error_object(results)}
            continue
        passed += sum(r.passed for r in results)
        failed += sum(not r.passed for r in results)
        doc[name] = {"results": [{"line": r.span.line, "column": r.span.column,
                                  "name": r.target, "figure": r.key, "expected": r.expected,
                                  "got": r.got, "passed": r.passed, "formula": r.formula}
                                 for r in results]}
    return json.dumps({"files": doc, "passed": passed, "failed": failed}, indent=1,
                      ensure_ascii=False) + "\n"
