"""The class summary of `archcalc check` (archcalc/grading.py), per question: how many sheets
answered it right, the right answer, and the wrong answers most common first — as a table
laid out by render/grid.py, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from archcalc.grading import Question, Summary
from archcalc.render.checks import csv_value, expected_data, got_data, table_lines, value_text
from archcalc.render.grid import Col, Row, layout
from archcalc.render.text import safe_cells
from archcalc.units import markdown_text

Lines = list[tuple[str, str]]
SHOWN = 3  # wrong answers shown per question; the others are counted

# The right answer drops first (each sheet's wrong answers above show it), then the wrong
# answers; name, figure and score stay.
COLUMNS = (Col("name", keep=10), Col("figure", keep=9), Col("right", right=True, keep=8),
           Col("answer", right=True, keep=3), Col("wrong answers", keep=4))


def title(summary: Summary) -> str:
    return f"class summary: {summary.network}, {summary.sheets} sheets"


def wrong_text(q: Question, sheets: int) -> str:
    """`34,848 (6), 35K (1)`, `+2 more` past the first three, and the sheets without an
    answer: `none (2)`."""
    shown = [f"{text} ({n})" for text, n in q.wrong[:SHOWN]]
    more = len(q.wrong) - SHOWN
    blank = sheets - q.answered
    return ", ".join(shown + ([f"+{more} more"] if more > 0 else [])
                     + ([f"none ({blank})"] if blank else []))


def summary_lines(summary: Summary, width: int | None) -> Lines:
    """The summary's title and its table at `width`."""
    n = summary.sheets
    rows = [Row([q.target, q.figure, f"{q.right}/{n}", value_text(q.column, q.answer),
                 wrong_text(q, n)], "" if q.right == n else "yellow")
            for q in summary.questions]
    return [(title(summary), "bold"), *table_lines(layout(COLUMNS, rows, width), width)]


def summary_object(summary: Summary) -> dict[str, object]:
    """The summary as JSON data; answers as numbers, lists and booleans."""
    return {"network": summary.network, "sheets": summary.sheets, "questions": [
        {"name": q.target, "figure": q.figure, "answer": got_data(q.answer),
         "answered": q.answered, "right": q.right,
         "wrong": [{"expected": text, "value": expected_data(q.column, text), "sheets": n}
                   for text, n in q.wrong]}
        for q in summary.questions]}


SUMMARY_HEADER = ["network", "sheets", "name", "figure", "answer", "answered", "right",
                  "wrong"]


def summary_csv(summaries: Sequence[Summary]) -> str:
    """A row per question; the wrong answers in one cell: `34,848 (6); 35K (1)`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SUMMARY_HEADER)
    for s in summaries:
        for q in s.questions:
            writer.writerow(safe_cells([s.network, s.sheets, q.target, q.figure,
                                        csv_value(q.column, q.answer), q.answered, q.right,
                                        "; ".join(f"{t} ({n})" for t, n in q.wrong)]))
    return out.getvalue()


def summary_markdown(summary: Summary) -> list[str]:
    lines = [f"**{markdown_text(title(summary))}**", "",
             "| name | figure | right | answer | wrong answers |",
             "|---|---|--:|--:|---|"]
    lines += [f"| {markdown_text(q.target)} | {markdown_text(q.figure)} | {q.right}/"
              f"{summary.sheets} | {markdown_text(value_text(q.column, q.answer))} | "
              f"{markdown_text(wrong_text(q, summary.sheets))} |" for q in summary.questions]
    return [*lines, ""]
