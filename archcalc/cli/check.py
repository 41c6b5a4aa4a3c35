"""`archcalc check`: every expect line of one answer sheet or a class of them — a score per
sheet, the formula of each wrong answer, and a class summary per question."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

import archcalc
from archcalc.cli import sink
from archcalc.cli.options import (
    AmpOpt,
    BatchOpt,
    DefineOpt,
    DtypeOpt,
    FloorOpt,
    FreezeOpt,
    InputOpt,
    OptimizerOpt,
    WidthOpt,
    defines,
    fail,
    input_size,
    load,
    warn,
)
from archcalc.errors import ArchError, render_error
from archcalc.settings import Dtype, Optimizer

if TYPE_CHECKING:
    from archcalc.render.checks import Outcome


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


FilesArg = Annotated[list[str], typer.Argument(
    metavar="FILE...", show_default=False,
    help="Answer sheets or specs: .arch files with expect lines (a bundled spec's name, or - "
         "for standard input).")]
FormatOpt = Annotated[CheckFormat, typer.Option(
    "--format", "-f", case_sensitive=False,
    help="Output format (csv: a row per answer, or per question with --summary).")]
SummaryOpt = Annotated[bool | None, typer.Option(
    "--summary/--no-summary", show_default=False,
    help="The class summary per question: sheets right, the right answer, the common wrong "
         "answers (default: for each network that two or more of the files check).")]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", help="Every sheet's table (default: only with one file; with "
                            "several, each sheet's score and wrong answers).")]


def check(files: FilesArg, define: DefineOpt = None, format: FormatOpt = CheckFormat.table,
          summary: SummaryOpt = None, verbose: VerboseOpt = False, width: WidthOpt = None,
          batch: BatchOpt = 1, dtype: DtypeOpt = Dtype.float32,
          optimizer: OptimizerOpt = Optimizer.sgd, amp: AmpOpt = False,
          freeze: FreezeOpt = None, floor: FloorOpt = False, input: InputOpt = None) -> None:
    """Check every `expect` line: a score per sheet (`12/14 correct`), a table of expected vs
    got, the formula of each wrong answer, and with several sheets a class summary. Exit 1
    if any answer is wrong; 2 on input errors and on files with no expect lines.

    An answer sheet states a student's answers as expect lines (`expect conv1: 55x55x96
    params=34,944`) under a copy of the network, or under `use alexnet` (a bundled spec or
    a file). Numbers with a suffix (35K, 1.8G) match at the precision written. See
    examples/answers_alexnet.arch and examples/class/.
    """
    from archcalc.check import NoExpects, run_checks

    try:
        params, shape = defines(define), input_size(input)
    except ArchError as err:
        fail(err, format)
    cells = sink.width(width)
    full = verbose or len(files) == 1
    outcomes: list[Outcome] = []  # a file given twice is checked twice
    for file in files:
        name = "<stdin>" if file == "-" else file
        try:
            analysis = archcalc.analyze(load(file), params=params, batch=batch, dtype=dtype,
                                        optimizer=optimizer, input_shape=shape, amp=amp,
                                        freeze=tuple(freeze or ()), floor=floor)
            warn(analysis)  # on standard error: the sheet shows the answers
            results = run_checks(analysis)
            if not results:
                raise NoExpects(analysis.graph.expect_source, len(analysis.graph.expects))
            outcomes.append((name, (analysis, results)))
        except ArchError as err:
            sys.stderr.write(render_error(err) + "\n")
            outcomes.append((name, err))
        if format is CheckFormat.table:
            _sheet(outcomes[-1], cells, full, len(outcomes) > 1)
    _finish(outcomes, format, summary, cells)


def _sheet(outcome: Outcome, width: int | None, full: bool, after: bool) -> None:
    """A sheet as soon as it is checked (a class streams); whole tables apart by a line."""
    from archcalc.render.checks import checks_table, error_line

    name, sheet = outcome
    sink.lines([("", "")] * (full and after) + ([error_line(name, sheet)] if isinstance(
        sheet, ArchError) else checks_table(name, sheet, width, full)))


def _finish(outcomes: list[Outcome], fmt: CheckFormat, summary: bool | None,
            width: int | None) -> None:
    from archcalc.grading import summaries
    from archcalc.render import checks, grading

    sheets = [s for _, s in outcomes if not isinstance(s, ArchError)]
    classes = [] if summary is False else summaries(sheets, 1 if summary else 2)
    if fmt is CheckFormat.json:
        sink.write(checks.checks_json(outcomes, classes))
    elif fmt is CheckFormat.csv:
        sink.write(grading.summary_csv(classes) if summary else checks.checks_csv(outcomes))
    elif fmt is CheckFormat.markdown:
        sink.write(checks.checks_markdown(outcomes, classes))
    else:
        lines = [line for c in classes for line in [("", ""), *grading.summary_lines(c, width)]]
        sink.lines([*lines, ("", ""), checks.final_line(outcomes)])
    _, failed, errors, empty = checks.counts(outcomes)
    raise typer.Exit(2 if errors or empty else 1 if failed else 0)
