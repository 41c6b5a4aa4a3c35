"""`archcalc sweep`: every combination of param ranges and `?` elements, filtered, ordered and
cut to the best few."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from archcalc.cli import sink
from archcalc.cli.options import (
    BatchOpt,
    DtypeOpt,
    FileArg,
    InputOpt,
    OptimizerOpt,
    WidthOpt,
    command_line_error,
    fail,
    input_size,
    load,
)
from archcalc.errors import ArchError
from archcalc.settings import Dtype, Optimizer

if TYPE_CHECKING:
    from archcalc.sweep import Outcome, Sweep


class SweepFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FIGURES = ("params, weights, buffers, macs, flops, activations, memory, memory_training, rf, "
           "layers")  # archcalc/sweep_where.py's SWEEP_COLUMNS (a test keeps them equal)


def sweep(file: FileArg, define: Annotated[list[str] | None, typer.Option(
              "-D", "--define", metavar="NAME=RANGE",
              help="A param's values: N=1..5, N=1,2,4 or N=3 (repeatable).",
              show_default=False)] = None,
          sort: Annotated[list[str] | None, typer.Option(
              "--sort", metavar="[-]KEY,…", help=f"Order by figures ({FIGURES}) or swept "
              "params, valid configurations first; -KEY for descending; several keys "
              "break ties in turn: --sort -rf,params (repeatable).", show_default=False)]
          = None,
          where: Annotated[str | None, typer.Option(
              "--where", metavar="EXPR", help="Keep configurations where EXPR holds: "
              "clauses NAME OP VALUE (OP: < <= > >= == !=) joined by and, or, not and "
              "parentheses, e.g. 'params < 1M and (rf >= 32 or not N == 2)'.",
              show_default=False)] = None,
          top: Annotated[int | None, typer.Option(
              "--top", "--limit", min=1, help="Show only the first N (after --where and "
              "--sort; --limit is its old name).", show_default=False)] = None,
          max_configs: Annotated[int, typer.Option(
              "--max-configs", min=1, help="Refuse sweeps with more configurations.")]
          = 100_000,
          jobs: Annotated[int, typer.Option(
              "--jobs", "-j", min=1, max=256, help="Processes to analyze with (the output "
              "is the same for any number).")] = 1,
          format: Annotated[SweepFormat, typer.Option(
              "--format", "-f", help="Output format.", case_sensitive=False)]
          = SweepFormat.table,
          batch: BatchOpt = 1, dtype: DtypeOpt = Dtype.float32,
          optimizer: OptimizerOpt = Optimizer.sgd, width: WidthOpt = None,
          input: InputOpt = None) -> None:
    """Analyze every combination of param ranges, each `?` present and absent: which
    configurations are valid (and which layer stops fitting, and why), their params,
    weights, MACs, FLOPs, forward and training memory and final receptive field."""
    from archcalc import sweep as sweeping
    from archcalc.settings import Settings
    from archcalc.sweep_where import where as parse_where

    try:
        ranges = sweeping.parse_ranges(define or [], max_configs)
        keys = [k for text in sort or [] for k in sweeping.parse_sort(text, list(ranges))]
        keep = parse_where(where, ranges) if where else None
        job = sweeping.Sweep(load(file), ranges, Settings(batch=batch, dtype=dtype,
                                                          optimizer=optimizer),
                             input_shape=input_size(input))
    except ValueError as exc:
        fail(command_line_error(str(exc), ""), format)
    except ArchError as err:
        fail(err, format)
    total = job.configurations
    if total > max_configs:
        many = f"{total:,}" if total < 10**30 else "more than 10^30"
        fail(ArchError(f"{many} configurations to analyze", None,
                       f"narrow the ranges or mark fewer elements with ?, or raise the limit "
                       f"with --max-configs (now {max_configs:,})",
                       job.source), format)
    outcomes = _run(job, total, jobs)
    shared = _shared_error(outcomes, job)
    if shared is not None:  # not a property of the configurations: an input error
        fail(shared, format)
    try:
        outcomes = [o for o in outcomes if keep is None or keep(o)]
    except ValueError as exc:
        fail(command_line_error(str(exc), ""), format)
    _emit(sweeping.sort(outcomes, keys)[:top], job, total, format, width)


def _shared_error(outcomes: list[Outcome], job: Sweep) -> ArchError | None:
    """The error every configuration fails with, at the same place, if there is one."""
    errors = {(o.error, o.hint, o.error_at) for o in outcomes if not o.valid}
    if not outcomes or any(o.valid for o in outcomes) or len(errors) != 1:
        return None
    message, hint, span = errors.pop()
    return ArchError(message, span, hint, job.source)


def _run(job: Sweep, total: int, jobs: int) -> list[Outcome]:
    """All outcomes, with a progress bar on standard error for long sweeps on a terminal."""
    import sys

    from archcalc.sweep import run_jobs

    outcomes = run_jobs(job, jobs)
    if total < 2_000 or not sys.stderr.isatty():
        return list(outcomes)
    from rich.console import Console
    from rich.progress import track

    return list(track(outcomes, total=total, description="sweeping",
                      console=Console(stderr=True), transient=True))


def _emit(outcomes: list[Outcome], job: Sweep, total: int, fmt: SweepFormat,
          width: int | None) -> None:
    from archcalc.render import sweep as render
    from archcalc.sweep import optional_labels

    labels = optional_labels(job.source, job.spans)
    if fmt is SweepFormat.json:
        sink.write(render.sweep_json(outcomes, labels, total))
    elif fmt is SweepFormat.csv:
        sink.write(render.sweep_csv(outcomes, labels))
    else:
        sink.lines(render.sweep_table(outcomes, labels, sink.width(width), total))
