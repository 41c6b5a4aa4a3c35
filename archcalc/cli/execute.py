"""The executor's commands, `verify` and `init-stats`, registered on the app in cli/__init__.py.

NumPy is imported inside the commands, never at import time: `archcalc analyze` starts fast.
Each run's analysis and its executor Options come from one Settings (options.executor_options).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer

from archcalc.cli import sink
from archcalc.cli.options import (
    BatchOpt,
    DefineOpt,
    FileArg,
    InputOpt,
    NoOptionalOpt,
    WidthOpt,
    command_line_error,
    defines,
    executor_options,
    fail,
    format_option,
    input_size,
    load,
    progress,
    warn,
)
from archcalc.errors import ArchError
from archcalc.settings import Settings


class RunFormat(StrEnum):
    """What the executor's reports render (executor/report.py, executor/stats_report.py)."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class InitKind(StrEnum):
    he = "he"
    xavier = "xavier"
    normal = "normal"


SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed of the input, weights, "
                                                            "labels and dropout masks.")]
InitOpt = Annotated[InitKind, typer.Option(
    "--init", case_sensitive=False,
    help="Weights: he (Var = 2/fan_in), xavier (Var = 1/fan_in) or normal (--std).")]
def _finite_std(value: float) -> float:
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a standard deviation; give a finite one")
    return value


StdOpt = Annotated[float, typer.Option("--std", min=0.0, callback=_finite_std,
                                       help="σ of --init normal.")]
FormatOpt = Annotated[RunFormat, format_option()]
MaxMemoryOpt = Annotated[str | None, typer.Option(
    "--max-memory", metavar="BYTES", show_default=False,
    help="Refuse runs estimated to need more (4GiB, 500MB; default: 3/4 of the available "
         "RAM).")]


def verify(
    file: FileArg, define: DefineOpt = None, format: FormatOpt = RunFormat.table,
    batch: BatchOpt = 1, seed: SeedOpt = 0,
    gradcheck: Annotated[bool, typer.Option(
        "--gradcheck", help="Also compare every gradient with central differences (float64, "
                            "sampled coordinates of each parameter array and the input).")]
    = False,
    samples: Annotated[int, typer.Option("--samples", min=1, help="Coordinates per array "
                                                                  "for --gradcheck.")] = 3,
    rf: Annotated[bool, typer.Option("--rf/--no-rf", help="Measure receptive fields (the "
                                                          "gradient-support probe).")] = True,
    init: InitOpt = InitKind.he, std: StdOpt = 0.01, max_memory: MaxMemoryOpt = None,
    no_optional: NoOptionalOpt = False, input: InputOpt = None, width: WidthOpt = None,
) -> None:
    """Run the network for real in NumPy (forward and backward on a random batch) and check
    every layer's output shape, parameters, MACs, kept activation bytes and receptive field
    against the static analysis. Exit 1 on any mismatch, 2 on an input error."""
    from archcalc.executor import report as render
    from archcalc.executor.network import ExecutionError
    from archcalc.executor.verify import verify as run_verify

    options = executor_options(Settings(batch=batch), seed, init.value, std)
    try:
        with progress() as start:
            result = run_verify(load(file), defines(define), options=options,
                                receptive_field=rf, gradcheck_samples=samples if gradcheck else 0,
                                max_memory=_bytes(max_memory), optional=not no_optional,
                                progress=start, input_shape=input_size(input))
    except ArchError as err:
        fail(err, format)
    except ExecutionError as err:  # the analyzer accepted a layer a kernel refuses
        sys.stderr.write(f"✗ {err}\n")
        raise typer.Exit(1) from None
    _emit(format, width, result, render.to_table, render.to_json, render.to_csv,
          render.to_markdown)
    if not result.ok:
        raise typer.Exit(1)


def init_stats(
    file: FileArg, define: DefineOpt = None, init: InitOpt = InitKind.he, std: StdOpt = 0.01,
    batch: Annotated[int | None, typer.Option(
        "--batch", "-b", min=1, show_default=False,
        help="Inputs in the batch (default: 1000 for a vector input, as the slide; 16 for "
             "an image).")] = None,
    seed: SeedOpt = 0, format: FormatOpt = RunFormat.table, max_memory: MaxMemoryOpt = None,
    input: InputOpt = None, width: WidthOpt = None,
) -> None:
    """Forward a random N(0, 1) batch and print each layer's activation mean and std: the
    slides' initialization experiment (std collapses with --init normal --std 0.01, holds
    with --init he on ReLU nets)."""
    import archcalc
    from archcalc.analyze import analyze_graph
    from archcalc.executor import stats_report as render
    from archcalc.executor.guard import check_memory
    from archcalc.executor.stats import init_stats as measure

    try:
        graph = archcalc.build_graph(load(file), defines(define),
                                     input_shape=input_size(input))
        settings = Settings(batch=batch or (1000 if len(graph.input) == 1 else 16))
        options = executor_options(settings, seed, init.value, std)
        analysis = analyze_graph(graph, settings)
        warn(analysis)
        check_memory(analysis, options, _bytes(max_memory))
        with progress() as start:
            stats = measure(graph, options, start(len(graph.nodes)) if start else None)
    except ArchError as err:
        fail(err, format)
    _emit(format, width, stats, render.stats_table, render.stats_json, render.stats_csv,
          render.stats_markdown)


def _bytes(text: str | None) -> int | None:
    """--max-memory as bytes: `4GiB`, `500MB`, `1e9` is not accepted (write 1GB)."""
    if text is None:
        return None
    from archcalc.units import parse_number

    try:
        return int(parse_number(text, "bytes").value)
    except ValueError as exc:
        raise command_line_error(f"--max-memory {text}: {exc}",
                                 "write a size like 4GiB or 500MB") from None


def _emit(fmt: RunFormat, width: int | None, result: Any,
          table: Callable[[Any, int | None], list[tuple[str, str]]],
          as_json: Callable[[Any], str], as_csv: Callable[[Any], str],
          as_markdown: Callable[[Any], str]) -> None:
    if fmt is RunFormat.table:
        sink.lines(table(result, sink.width(width)))
    else:
        writer = {RunFormat.json: as_json, RunFormat.csv: as_csv}.get(fmt, as_markdown)
        sink.write(writer(result))
