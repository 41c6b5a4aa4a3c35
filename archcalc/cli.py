"""The command line: a thin typer shell that loads, calls the library, and renders."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from archcalc import sweep as sweep_module
    from archcalc.check import Result

import archcalc
from archcalc.analyze import Dtype, Optimizer
from archcalc.errors import ArchError, Source, render_error
from archcalc.expand import Limits
from archcalc.render import Format
from archcalc.values import Value, parse_value

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Exact, explained CNN arithmetic — output shapes, parameters, MACs/FLOPs, memory "
         "and receptive fields — from a short .arch description.",
    context_settings={"help_option_names": ["-h", "--help"]})

FileArg = Annotated[str, typer.Argument(
    metavar="FILE", help="An .arch file, a bundled spec's name (see `archcalc zoo`), or - "
                         "for standard input.", show_default=False)]
DefineOpt = Annotated[list[str] | None, typer.Option(
    "-D", "--define", metavar="NAME=VALUE",
    help="Override a `param` of the file (repeatable): -D N=4.", show_default=False)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output format.", case_sensitive=False)]
BatchOpt = Annotated[int, typer.Option("--batch", "-b", min=1, help="Images per batch "
                                       "(scales memory; figures stay per image).")]
DtypeOpt = Annotated[Dtype, typer.Option("--dtype", help="Bytes per number for memory.",
                                         case_sensitive=False)]
OptimizerOpt = Annotated[Optimizer, typer.Option(
    "--optimizer", help="Optimizer state counted in training memory (sgd: none, "
                        "momentum: 1, adam: 2 values per parameter).", case_sensitive=False)]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="A layer whose output size is not an integer is an error "
                     "(default: floor it, as PyTorch does, and mark it).")]
NoOptionalOpt = Annotated[bool, typer.Option(
    "--no-optional", help="Leave out the elements marked with ?.")]
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", "-e", help="Show the substituted arithmetic of every figure.")]
InplaceOpt = Annotated[bool, typer.Option(
    "--count-inplace", help="Count the outputs of activations and DROPOUT as new memory "
                            "(default: in place, as the CS231n VGG table does).")]
MaxLayersOpt = Annotated[int, typer.Option(
    "--max-layers", min=1, help="Refuse descriptions that expand to more layers.")]
InputOpt = Annotated[str | None, typer.Option(
    "--input", "-i", metavar="HxWxC", show_default=False,
    help="Replace the file's input: 160x160x3 (height × width × channels) or a vector size "
         "like 3072.")]
MaxDepthOpt = Annotated[int, typer.Option(
    "--max-depth", min=1, max=400, help="Refuse nesting (brackets, block calls) deeper "
                                        "than this.")]


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"archcalc {archcalc.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=version_callback,
                                          is_eager=True, help="Show the version and exit.")]
    = False,
) -> None:
    """archcalc answers what CNN courses and architecture reviews ask, exactly."""


@app.command()
def analyze(file: FileArg, define: DefineOpt = None, format: FormatOpt = Format.table,
            batch: BatchOpt = 1, dtype: DtypeOpt = Dtype.float32,
            optimizer: OptimizerOpt = Optimizer.sgd, strict: StrictOpt = False,
            no_optional: NoOptionalOpt = False, explain: ExplainOpt = False,
            count_inplace: InplaceOpt = False, max_layers: MaxLayersOpt = 1_000_000,
            max_depth: MaxDepthOpt = 100, input: InputOpt = None) -> None:
    """Print every layer's output shape, params, MACs, activations and receptive field,
    and the totals (params, buffers, MACs, FLOPs, forward and training memory)."""
    try:
        analysis = archcalc.analyze(
            load(file), params=defines(define), batch=batch, dtype=dtype,
            optimizer=optimizer, strict=strict, optional=not no_optional,
            count_inplace=count_inplace, limits=Limits(max_layers, max_depth),
            input_shape=input_size(input))
    except ArchError as err:
        fail(err, format)
    emit(analysis, format, explain)


@app.command()
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
    outcome: dict[str, Sequence[Result] | ArchError] = {}
    try:
        params, shape = defines(define), input_size(input)
    except ArchError as err:
        fail(err, format)
    for file in files:
        try:
            analysis = archcalc.analyze(load(file), params=params, batch=batch,
                                        dtype=dtype, optimizer=optimizer, input_shape=shape)
            results = run_checks(analysis)
        except ArchError as err:
            sys.stderr.write(render_error(err) + "\n")
            outcome[file] = err
            continue
        outcome[file] = results
        if format is not Format.json:
            console.print(checks_table(file, results))
    checked = [r for v in outcome.values() if not isinstance(v, ArchError) for r in v]
    errors = sum(isinstance(v, ArchError) for v in outcome.values())
    failed = sum(not r.passed for r in checked)
    if format is Format.json:
        sys.stdout.write(checks_json(outcome))
    else:
        console.print(summary(len(checked) - failed, failed, len(files), errors))
    raise typer.Exit(2 if errors else 1 if failed else 0)


@app.command()
def sweep(file: FileArg, define: Annotated[list[str] | None, typer.Option(
              "-D", "--define", metavar="NAME=RANGE",
              help="A param's values: N=1..5, N=1,2,4 or N=3 (repeatable).",
              show_default=False)] = None,
          sort: Annotated[str | None, typer.Option(
              "--sort", help="Order by params, macs, memory, rf or layers (valid first).",
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
    from archcalc.analyze import Settings

    try:
        if sort is not None and sort not in sweeping.SORT_KEYS:
            raise ValueError(f"--sort {sort}: use one of {', '.join(sweeping.SORT_KEYS)}")
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
    try:
        outcomes = [o for o in outcomes if keep is None or keep(o)]
    except ValueError as exc:
        fail(ArchError(str(exc), None, "", Source("<command line>", "")), format)
    _emit_sweep(sweeping.sort(outcomes, sort)[:limit], job, total, format)


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


@app.command()
def zoo() -> None:
    """List the bundled specs; analyze one by its bare name: `archcalc analyze alexnet`."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from archcalc.source import zoo as entries

    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, summary in entries():
        table.add_row(Text(name), Text(summary))
    Console(highlight=False).print(table)


def load(file: str) -> Source:
    """The named file, or standard input for `-`."""
    from archcalc.source import read_file, read_stream

    if file == "-":
        return read_stream("<stdin>", sys.stdin.buffer)
    return read_file(file)


def input_size(text: str | None) -> tuple[int, ...] | None:
    """`--input 160x160x3` (or a vector size) as a shape; an ArchError for anything else."""
    if text is None:
        return None
    parts = text.strip().replace("\u00d7", "x").split("x")
    if len(parts) in (1, 3) and all(p.isdigit() and len(p) <= 10 and 0 < int(p) <= 10**9
                                    for p in parts):
        return tuple(int(p) for p in parts)
    raise ArchError(f"--input {text}: not a size", None, "write height x width x channels "
                    "like 160x160x3, or a vector size like 3072 (sizes 1 to 10^9)",
                    Source("<command line>", ""))


def defines(items: list[str] | None) -> dict[str, Value]:
    """`-D NAME=VALUE` options as params; an ArchError for a malformed one."""
    params: dict[str, Value] = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name.isidentifier():
                raise ValueError("write -D NAME=VALUE, for example -D N=4")
            params[name] = parse_value(text.strip())
        except ValueError as exc:
            raise ArchError(f"-D {item}: {exc}", None, "", Source("<command line>", "")
                            ) from None
    return params


def emit(analysis: archcalc.Analysis, fmt: Format, explain: bool) -> None:
    from archcalc.render import text

    if fmt is Format.table:
        from rich.console import Console

        from archcalc.render.table import to_table

        Console(highlight=False).print(to_table(analysis, explain))
    elif fmt is Format.json:
        sys.stdout.write(text.to_json(analysis, explain))
    elif fmt is Format.csv:
        sys.stdout.write(text.to_csv(analysis))
    else:
        sys.stdout.write(text.to_markdown(analysis, explain))


def fail(err: ArchError, fmt: Format | None = None) -> NoReturn:
    """Report an input error (on stdout as JSON too with --format json) and exit 2."""
    if fmt is Format.json:
        from archcalc.render.text import error_json

        sys.stdout.write(error_json(err))
    sys.stderr.write(render_error(err) + "\n")
    raise typer.Exit(2)


def main() -> None:
    app()

from archcalc import executor_cli  # noqa: E402  (registers verify and init-stats)

app.command("verify")(executor_cli.verify)
app.command("init-stats")(executor_cli.init_stats)
