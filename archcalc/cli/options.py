"""What every command shares: the option aliases, reading the FILE argument, `-D` and
`--input` values, the one bridge from the analyzer's Settings to the executor's Options, the
progress bar, warnings on standard error, and reporting an input error (exit 2).

Each command declares its own `--format` enum (the formats it renders, so typer refuses any
other) with `format_option`. No command module imports another: what two share is here."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from archcalc.errors import ArchError, Source, render_error
from archcalc.settings import Dtype, Optimizer, Settings
from archcalc.values import Value, parse_value

if TYPE_CHECKING:
    from archcalc.analyze import Analysis
    from archcalc.executor.network import Options

FileArg = Annotated[str, typer.Argument(
    metavar="FILE", help="An .arch file, a bundled spec's name (see `archcalc zoo`), or - "
                         "for standard input.", show_default=False)]
DefineOpt = Annotated[list[str] | None, typer.Option(
    "-D", "--define", metavar="NAME=VALUE",
    help="Override a `param` of the file (repeatable): -D N=4.", show_default=False)]
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
MaxNestingOpt = Annotated[int, typer.Option(
    "--max-nesting", "--max-depth", min=1, max=400,
    help="Refuse nesting (brackets, repeats, merges, block calls) deeper than this "
         "(--max-depth is its old name).")]
MaxDepthOpt = MaxNestingOpt
WidthOpt = Annotated[int | None, typer.Option(
    "--width", "-w", min=20, max=10_000, show_default=False,
    help="Lay tables out for this many columns (default: the terminal's; unlimited in a "
         "pipe or file).")]
AmpOpt = Annotated[bool, typer.Option(
    "--amp", help="Mixed precision, as PyTorch's autocast trains: activations at --dtype "
                  "(float16/bfloat16), parameters, gradients and optimizer state float32.")]
FreezeOpt = Annotated[list[str] | None, typer.Option(
    "--freeze", metavar="NAME", show_default=False,
    help="Layers or groups that do not train (repeatable; globs: 'conv*', 'layer1'): no "
         "gradients, no optimizer state; trainable and frozen params are shown apart.")]
FloorOpt = Annotated[bool, typer.Option(
    "--floor", help="Accept a floored output size (PyTorch's rule, as every ResNet "
                    "downsampling has) without marking the layer (default: marked with !).")]


def format_option(help: str = "Output format.") -> Any:
    """`--format`/`-f`, case-insensitive: annotate a command's own format enum with it."""
    return typer.Option("--format", "-f", help=help, case_sensitive=False)


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
            if name in params:
                raise ValueError(f"{name} is given twice; give it once")
            params[name] = parse_value(text.strip())
        except ValueError as exc:
            raise ArchError(f"-D {item}: {exc}", None, "", Source("<command line>", "")
                            ) from None
    return params


def command_line_error(message: str, hint: str) -> ArchError:
    """An error in an option's value, headed by the command line."""
    return ArchError(message, None, hint, Source("<command line>", ""))


def fail(err: ArchError, fmt: str | None = None) -> NoReturn:
    """Report an input error (on stdout as JSON too with --format json) and exit 2."""
    if fmt == "json":
        from archcalc.render.text import error_json

        sys.stdout.write(error_json(err))
    sys.stderr.write(render_error(err) + "\n")
    raise typer.Exit(2)


def executor_options(settings: Settings, seed: int = 0, init: str = "he", std: float = 0.01
                     ) -> Options:
    """The executor's Options for a run under the analyzer's `settings` (its batch and
    dtype): the one bridge between the two, so that a run and its analysis agree. NumPy is
    imported here, when a command runs the executor, never by the analyzer."""
    from archcalc.executor.init import Init
    from archcalc.executor.network import Options

    return Options(batch=settings.batch, seed=seed, init=Init(init), std=std,
                   dtype=str(settings.dtype))


def warn(analysis: Analysis) -> None:
    """The analysis' warnings on standard error, headed by the file (for the outputs that
    have no place for them: CSV, and `check`, whose sheets show answers)."""
    from archcalc.errors import printable
    from archcalc.render.notes import warning_text

    for warning in analysis.warnings:
        sys.stderr.write(f"{printable(analysis.graph.source.name)}: warning: "
                         f"{warning_text(warning)}\n")


Tick = Callable[[str], None]


@contextmanager
def progress() -> Iterator[Callable[[int], Tick] | None]:
    """A transient rich progress bar on stderr when it is a terminal (None otherwise): yields
    `start(total)`, which returns the `tick(label)` the library calls once per step."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<40.40}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True),
                  transient=True) as bar:

        def start(total: int) -> Tick:
            task = bar.add_task("", total=total)

            def tick(label: str) -> None:
                bar.update(task, description=label, advance=1)

            return tick

        yield start
