"""Renderings of `archcalc check`, sheet by sheet: a score line, a table of expected vs got
laid out by render/grid.py, and each wrong answer with its formula; or JSON (values as data:
counts, shapes as lists, fields as [H, W], fits as booleans), CSV or Markdown. The class
summary is render/grading.py's."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from archcalc.analyze import Analysis
from archcalc.check import Got, NoExpects, Result, canonical
from archcalc.errors import ArchError, printable
from archcalc.figures import Column
from archcalc.grading import Sheet, Summary, score
from archcalc.render.explain import formula_for
from archcalc.render.grid import Col, Laid, Row, dropped_note, layout, wrap
from archcalc.render.notes import note_text
from archcalc.render.text import error_object, safe_cells
from archcalc.units import grouped, json_number, markdown_text, number_text, shape_text

Lines = list[tuple[str, str]]
Outcome = tuple[str, Sheet | ArchError]  # a file as given, and its checks or why it has none

# `line` drops first, then `got` (each wrong answer's got is repeated under the table), then
# `expected`; the name, the figure and ✓/✗ stay.
COLUMNS = (Col("line", right=True, keep=1), Col("name", keep=10), Col("figure", keep=9),
           Col("expected", right=True, keep=4), Col("got", right=True, keep=3),
           Col("", keep=10))


def value_text(column: Column, got: Got) -> str:
    """A value as printed: 34,944 · 6×6×256 · 11 (or 11x7) · 602,112 B · true."""
    if isinstance(got, bool):
        return "true" if got else "false"
    if column is Column.output:
        return shape_text(got)  # type: ignore[arg-type]
    if column is Column.rf:
        h, w = got  # type: ignore[misc]
        return number_text(h) if h == w else f"{number_text(h)}x{number_text(w)}"
    return grouped(got) + (" B" if column.unit == "bytes" else "")  # type: ignore[arg-type]


def got_text(r: Result, analysis: Analysis) -> str:
    """The value got, and for a layer that does not fit, why: `false (…)`."""
    if r.column is not Column.fits or r.got:
        return value_text(r.column, r.got)
    why = note_text(analysis[r.target].notes) if r.target in analysis.names() else \
        "a member does not fit"
    return f"false ({why})"


def got_data(got: Got) -> object:
    """The value got as JSON data: a number, a list for a shape or a field, a boolean."""
    if isinstance(got, tuple):
        return [json_number(v) for v in got]
    return got


def expected_data(column: Column, text: str) -> object:
    """An answer as JSON data, as it is compared: a number (`35K` is 35000, `"expected"`
    keeps the text), a shape or a field as a list (`11` is [11, 11]), a boolean."""
    value = canonical(column, text)
    if column is Column.fits:
        return text == "true"
    if column in (Column.output, Column.rf):
        return list(value)  # type: ignore[call-overload]
    return json_number(value[0])  # type: ignore[index]


def score_text(name: str, sheet: Sheet) -> tuple[str, str]:
    """`answers.arch  12/14 correct`, green when every answer is right."""
    right, total = score(sheet)
    return f"{printable(name)}  {right}/{total} correct", \
        "bold green" if right == total else "bold red"


def checks_table(name: str, sheet: Sheet, width: int | None = None, full: bool = True
                 ) -> Lines:
    """One sheet at `width`: its score line, its table (with `full`), each wrong answer with
    its formula."""
    analysis, results = sheet
    out: Lines = [score_text(name, sheet)]
    if full:
        rows = [Row([str(r.span.line), r.target, r.figure, r.expected,
                     got_text(r, analysis), "✓" if r.passed else "✗"],
                    "" if r.passed else "red") for r in results]
        out += table_lines(layout(COLUMNS, rows, width), width)
    for r in results:
        if not r.passed:
            head, _, formula = failure_message(r, analysis).partition("\n")
            out += [(line, "red") for line in
                    wrap(f"✗ {printable(name)}:{r.span.line}: {head}", width, "    ")]
            if formula:
                out += [(line, "") for line in wrap(formula, width, "      ")]
    return out


def table_lines(laid: Laid, width: int | None) -> Lines:
    """A laid-out table and, when it left columns out, which (broken between words)."""
    note = [(line, "dim") for line in wrap(dropped_note(laid.dropped), width, " ")]
    return laid.lines + (note if laid.dropped else [])


def error_line(name: str, err: ArchError) -> tuple[str, str]:
    """A file that could not be checked, in the list of sheets (the error itself, located,
    goes to standard error)."""
    return f"{printable(name)}  error: {printable(err.message)}", "bold red"


def failure_message(r: Result, analysis: Analysis, indent: str = "    ") -> str:
    """`conv1 params: expected 34,848, got 34,944` and the arithmetic on the next line."""
    formula = formula_for(analysis, r.target, r.column)
    return (f"{r.target} {r.figure}: expected {r.expected}, got "
            f"{got_text(r, analysis)}" + (f"\n{indent}{formula}" if formula else ""))


def counts(files: Sequence[Outcome]) -> tuple[int, int, int, int]:
    """Answers right, answers wrong, files with input errors, files with nothing to check."""
    sheets = [s for _, s in files if not isinstance(s, ArchError)]
    passed = sum(score(s)[0] for s in sheets)
    empty = sum(isinstance(s, NoExpects) for _, s in files)
    errors = sum(isinstance(s, ArchError) for _, s in files) - empty
    return passed, sum(score(s)[1] for s in sheets) - passed, errors, empty


def final_line(files: Sequence[Outcome]) -> tuple[str, str]:
    """pytest's last line: `4 passed, 2 failed, 1 with input errors in 3 files`."""
    passed, failed, errors, empty = counts(files)
    parts = [f"{passed} passed", f"{failed} failed"]
    parts += [f"{errors} with input errors"] if errors else []
    parts += [f"{empty} with no expect lines"] if empty else []
    style = "bold red" if failed or errors or empty else "bold green"
    return f"{', '.join(parts)} in {len(files)} file{'s' * (len(files) != 1)}", style


def _result_object(r: Result, analysis: Analysis) -> dict[str, object]:
    return {"line": r.span.line, "column": r.span.column, "name": r.target,
            "figure": r.figure, "expected": r.expected,
            "expected_value": expected_data(r.column, r.expected), "got": got_data(r.got),
            "passed": r.passed, "formula": formula_for(analysis, r.target, r.column)}


def checks_json(files: Sequence[Outcome], summaries: Sequence[Summary] = ()) -> str:
    """{"files": [{"file", "network", "correct", "total", "results": [...]} or {"file",
    "error"}, ...], "passed", "failed", "errors", "empty", "summaries": [...]} — one entry per
    file given, in order."""
    from archcalc.render.grading import summary_object

    doc: list[dict[str, object]] = []
    for name, sheet in files:
        if isinstance(sheet, ArchError):
            doc.append({"file": name, "error": error_object(sheet)})
            continue
        analysis, results = sheet
        right, total = score(sheet)
        doc.append({"file": name, "network": analysis.network, "correct": right,
                    "total": total, "results": [_result_object(r, analysis)
                                                for r in results]})
    passed, failed, errors, empty = counts(files)
    return json.dumps({"files": doc, "passed": passed, "failed": failed, "errors": errors,
                       "empty": empty, "summaries": [summary_object(s) for s in summaries]},
                      indent=1, ensure_ascii=False) + "\n"


CSV_HEADER = ["file", "line", "column", "name", "figure", "expected", "got", "passed", "error"]


def csv_value(column: Column, got: Got) -> object:
    """A value for a spreadsheet: a plain integer, `55x55x96`, `11` or `11x7`, true/false."""
    if isinstance(got, bool):
        return "true" if got else "false"
    if isinstance(got, tuple):
        return value_text(column, got).replace("×", "x")
    return got


def checks_csv(files: Sequence[Outcome]) -> str:
    """A row per checked figure of every file; a file with an error is one row saying it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for name, sheet in files:
        if isinstance(sheet, ArchError):
            writer.writerow(safe_cells([name, "", "", "", "", "", "", "", sheet.message]))
            continue
        for r in sheet[1]:
            writer.writerow(safe_cells([name, r.span.line, r.span.column, r.target, r.figure,
                                        r.expected, csv_value(r.column, r.got),
                                        "true" if r.passed else "false", ""]))
    return out.getvalue()


def checks_markdown(files: Sequence[Outcome], summaries: Sequence[Summary] = ()) -> str:
    """Per sheet a bold score line, a table and its wrong answers; the class summaries; the
    last line."""
    from archcalc.render.grading import summary_markdown

    lines: list[str] = []
    for name, sheet in files:
        if isinstance(sheet, ArchError):
            lines += [f"**{markdown_text(name)}** — error: {markdown_text(sheet.message)}", ""]
            continue
        analysis, results = sheet
        right, total = score(sheet)
        lines += [f"**{markdown_text(name)}** — {right}/{total} correct", "",
                  "| line | name | figure | expected | got | |", "|--:|---|---|--:|--:|---|"]
        lines += [f"| {r.span.line} | {markdown_text(r.target)} | {markdown_text(r.figure)} "
                  f"| {markdown_text(r.expected)} | {markdown_text(got_text(r, analysis))} "
                  f"| {'✓' if r.passed else '✗'} |" for r in results]
        wrong = [r for r in results if not r.passed]
        lines += [""] + [_markdown_failure(r, analysis) for r in wrong] + ([""] if wrong else [])
    for summary in summaries:
        lines += summary_markdown(summary)
    return "\n".join([*lines, f"_{final_line(files)[0]}_"]) + "\n"


def _markdown_failure(r: Result, analysis: Analysis) -> str:
    formula = formula_for(analysis, r.target, r.column)
    return (f"- ✗ line {r.span.line}: {markdown_text(r.target)} {markdown_text(r.figure)}: "
            f"expected {markdown_text(r.expected)}, got "
            f"{markdown_text(got_text(r, analysis))}"
            + (f" — `{formula}`" if formula else ""))
