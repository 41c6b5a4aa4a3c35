"""The analyzer's commands check and sweep."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from archcalc import sweep as sweep_module
    from archcalc.render.checks import Sheet

import archcalc
from archcalc.cli.options import (
    BatchOpt,
    DefineOpt,
    DtypeOpt,
    FileArg,
    FormatOpt,
    InputOpt,
    OptimizerOpt,
    defines,
    fail,
    input_size,
    load,
)
from archcalc.errors import ArchError, Source, render_error
from archcalc.figures import Column
from archcalc.render import Format
from archcalc.settings import Dtype, Optimizer


def check(files: Annotated[list[str], typer.Argument(
              metavar="FILE...", help="Answer sheets or specs: .arch files with expect lines.",
              show_default=False)],
          define: DefineOpt = None, format: Annotated[Format, typer.Option(
              "--format", "-f", help="table or json.", case_sensitive=False)] = Format.table,
          batch: BatchOpt = 1, dtype: DtypeOpt = Dtype.float32,
          optimizer: OptimizerOpt = Optimizer.sgd, input: InputOpt = None) -> None:
    """Check every `expect` line: a table of expected vs got, and for each wrong answer
    the formula with its numbers. Exit 1 if any answer is wrong, 2 on input errors.

    An answer sheet is an .arch file whose expect lines are a student's answers, e.g.
    `expect conv1: 55x55x96 params=34,944`; numbers with a suffix (35K, 1.8G) match at the
    precision written. See examples/answers_alexnet.arch.
    """
    from rich.console import Console

    from archcalc.check import run_checks
    from archcalc.render.checks import checks_json, checks_table, summary

    console = Console(highlight=False)
    outcome: list[tuple[str, Sheet | ArchError]] = []  # a file given twice is checked twice
    try:
        params, shape = defines(define), input_size(input)
    except ArchError as err:
        fail(err, format)
    for file in files:
        try:
            analysis = archcalc.analyze(load(file), params=params, batch=batch,
                                        dtype=dtype, optimizer=optimizer, input_shape=shape)
            sheet = (analysis, run_checks(analysis))
        except ArchError as err:
            sys.stderr.write(render_error(err) + "\n")
            outcome.append((file, err))
            continue
        outcome.append((file, sheet))
        if format is not Format.json:
            console.print(checks_table(file, sheet))
    checked = [r for _, v in outcome if not isinstance(v, ArchError) for r in v[1]]
    errors = sum(isinstance(v, ArchError) for _, v in outcome)
    failed = sum(not r.passed for r in checked)
    if format is Format.json:
        sys.stdout.write(checks_json(outcome))
    else:
        console.print(summary(len(checked) - failed, failed, len(files), errors))
    raise typer.Exit(2 if errors else 1 if failed else 0)


def sweep(file: FileArg, define: Annotated[list[str] | None, typer.Option(
              "-D", "--define", metavar="NAME=RANGE",
              help="A param's values: N=1..5, N=1,2,4 or N=3 (repeatable).",
              show_default=False)] = None,
          sort: Annotated[str | None, typer.Option(
              "--sort", help="Order by a figure: params, weights, buffers, macs, flops, "
              "activations, memory, memory_training, rf or layers (valid first).",
              show_default=False)] = None,
          where: Annotated[str | None, typer.Option(
              "--where", metavar="EXPR", help="Keep configurations where EXPR holds, e.g. "
              "'params < 1M and rf >= 32'.", show_default=False)] = None,
          limit: Annotated[int | None, typer.Option(
              "--limit", min=1, help="Show at most this many rows.", show_default=False)]
          = None,
          max_configs: Annotated[int, typer.Option(
              "--max-configs", min=1, help="Refuse sweeps with more configurations.")]
          = 100_000,
          format: FormatOpt = Format.table, dtype: DtypeOpt = Dtype.float32,
          input: InputOpt = None) -> None:
    """Analyze every combination of param ranges, each `?` present and absent: which
    configurations are valid (and which layer stops fitting, and why), their params,
    MACs, forward memory per image and final receptive field."""
    from archcalc import sweep as sweeping
    from archcalc.settings import Settings

    try:
        names = [c.value for c in sweeping.SWEEP_COLUMNS]
        if sort is not None and sort not in names:
            raise ValueError(f"--sort {sort}: use one of {', '.join(names)}")
        keep = sweeping.where(where) if where else None
        job = sweeping.Sweep(load(file), sweeping.parse_ranges(define or [], max_configs),
                             Settings(dtype=dtype), input_shape=input_size(input))
    except ValueError as exc:
        fail(ArchError(str(exc), None, "", Source("<command line>", "")), format)
    except ArchError as err:
        fail(err, format)
    total = job.configurations
    if total > max_configs:
        many = f"{total:,}" if total < 10**30 else "more than 10^30"
        fail(ArchError(f"{many} configurations to analyze", None,
                       f"narrow the ranges or mark fewer elements with ?, or raise the limit "
                       f"with --max-configs (now {max_configs:,})",
                       job.source), format)
    outcomes = _run_sweep(job, total)
    shared = _shared_error(outcomes, job)
    if shared is not None:  # not a property of the configurations: an input error
        fail(shared, format)
    try:
        outcomes = [o for o in outcomes if keep is None or keep(o)]
    except ValueError as exc:
        fail(ArchError(str(exc), None, "", Source("<command line>", "")), format)
    order = None if sort is None else Column(sort)
    _emit_sweep(sweeping.sort(outcomes, order)[:limit], job, total, format)


def _shared_error(outcomes: list[sweep_module.Outcome], job: sweep_module.Sweep
                  ) -> ArchError | None:
    """The error every configuration fails with, at the same place, if there is one."""
    errors = {(o.error, o.hint, o.error_at) for o in outcomes if not o.valid}
    if not outcomes or any(o.valid for o in outcomes) or len(errors) != 1:
        return None
    message, hint, span = errors.pop()
    return ArchError(message, span, hint, job.source)


def _run_sweep(job: sweep_module.Sweep, total: int) -> list[sweep_module.Outcome]:
    """All outcomes, with a progress bar on standard error for long sweeps."""
    from rich.console import Console
    from rich.progress import track

    if total < 500:
        return list(job.run())
    return list(track(job.run(), total=total, description="sweeping",
                      console=Console(stderr=True), transient=True))


def _emit_sweep(outcomes: list[sweep_module.Outcome], job: sweep_module.Sweep,
                total: int, fmt: Format) -> None:
    from rich.console import Console

    from archcalc.render import sweep as render
    from archcalc.sweep import optional_labels

    labels = optional_labels(job.source, job.spans)
    if fmt is Format.json:
        sys.stdout.write(render.sweep_json(outcomes, labels, total))
    elif fmt is Format.csv:
        sys.stdout.write(render.sweep_csv(outcomes, labels))
    else:
        console = Console(highlight=False)
        console.print(render.sweep_table(outcomes, labels))
        valid = sum(o.valid for o in outcomes)
        console.print(f"{len(outcomes)} of {total} configurations shown, {valid} valid")
