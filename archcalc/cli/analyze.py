"""`archcalc analyze` and `archcalc zoo`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

import archcalc
from archcalc.cli import sink
from archcalc.cli.options import (
    AmpOpt,
    BatchOpt,
    DefineOpt,
    DtypeOpt,
    FileArg,
    FloorOpt,
    FreezeOpt,
    InplaceOpt,
    InputOpt,
    MaxLayersOpt,
    MaxNestingOpt,
    NoOptionalOpt,
    OptimizerOpt,
    StrictOpt,
    WidthOpt,
    command_line_error,
    defines,
    fail,
    format_option,
    input_size,
    load,
    warn,
)
from archcalc.errors import ArchError
from archcalc.limits import Limits
from archcalc.settings import Dtype, Optimizer


class AnalyzeFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


ALL = "*"


class OptionalExplain(TyperCommand):
    """`--explain` alone explains every layer; `--explain NAME` only NAME (a layer or group,
    a glob). The word after `--explain` is its NAME unless it names the file: a path that
    exists, `-`, or a bundled spec."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _explain_values(args))


def _explain_values(args: list[str]) -> list[str]:
    out: list[str] = []
    for i, arg in enumerate(args):
        out.append(arg)
        if arg in ("--explain", "-e"):
            after = args[i + 1] if i + 1 < len(args) else None
            if after is None or after.startswith("-") or _is_file(after):
                out.append(ALL)
    return out


def _is_file(word: str) -> bool:
    from pathlib import Path

    from archcalc.source import bundled

    return word.endswith((".arch", ".onnx")) or Path(word).exists() or \
        bundled(word) is not None


ExplainOpt = Annotated[str | None, typer.Option(
    "--explain", "-e", metavar="[NAME]", show_default=False,
    help="Show the substituted arithmetic of every figure; with NAME (a layer or group, "
         "globs allowed: 'layer2.*', total) only of those.")]
ColumnsOpt = Annotated[str | None, typer.Option(
    "--columns", "-c", metavar="COL,COL", show_default=False,
    help="The table's columns, in order: name, layer, input, output, kernel, params, "
         "weights, buffers, params%, macs, macs%, flops, act, memory, rf (default: layer, "
         "output, params, macs, act, rf; a leading + adds to them: +kernel,flops).")]
DepthOpt = Annotated[int | None, typer.Option(
    "--depth", "-d", min=0, show_default=False,
    help="Collapse groups (block calls, labeled groups and repeats) nested this deep or "
         "deeper into one row with their subtotals: --depth 0 shows only the top level.")]



def analyze(file: FileArg, define: DefineOpt = None,
            format: Annotated[AnalyzeFormat, format_option()] = AnalyzeFormat.table,
            batch: BatchOpt = 1, dtype: DtypeOpt = Dtype.float32,
            optimizer: OptimizerOpt = Optimizer.sgd, amp: AmpOpt = False,
            freeze: FreezeOpt = None, strict: StrictOpt = False, floor: FloorOpt = False,
            no_optional: NoOptionalOpt = False, explain: ExplainOpt = None,
            columns: ColumnsOpt = None, depth: DepthOpt = None, width: WidthOpt = None,
            count_inplace: InplaceOpt = False, max_layers: MaxLayersOpt = 1_000_000,
            max_nesting: MaxNestingOpt = 100, input: InputOpt = None) -> None:
    """Print every layer's output shape, params, MACs, activations and receptive field,
    and the totals (params, buffers, MACs, FLOPs, memory part by part)."""
    from archcalc.render.explain import explained

    try:
        chosen = _columns(columns)
        analysis = archcalc.analyze(
            load(file), params=defines(define), batch=batch, dtype=dtype,
            optimizer=optimizer, strict=strict, optional=not no_optional,
            count_inplace=count_inplace, limits=Limits(max_layers, max_nesting),
            input_shape=input_size(input), amp=amp, freeze=tuple(freeze or ()), floor=floor)
        if explain is not None and not explained(analysis, explain):
            raise _unknown_name(explain, analysis)
    except ArchError as err:
        fail(err, format)
    emit(analysis, format, explain, chosen, depth, width)


def _columns(text: str | None) -> tuple[str, ...]:
    """`--columns`: the named columns in order; with a leading +, the defaults and those."""
    from archcalc.render.table import COLUMNS, DEFAULT_COLUMNS

    if text is None:
        return DEFAULT_COLUMNS
    extra = text.startswith("+")
    names = [n.strip().lower() for n in text.removeprefix("+").split(",") if n.strip()]
    for name in names:
        if name not in COLUMNS:
            import difflib

            close = difflib.get_close_matches(name, list(COLUMNS), n=1)
            raise command_line_error(
                f"--columns: no column {name!r}",
                (f"did you mean {close[0]}? " if close else "") + "columns: " +
                ", ".join(COLUMNS))
    return tuple(dict.fromkeys([*DEFAULT_COLUMNS, *names] if extra else names))


def _unknown_name(pattern: str, analysis: archcalc.Analysis) -> ArchError:
    import difflib

    names = analysis.names() + [g.name for g in analysis.groups]
    close = difflib.get_close_matches(pattern, names, n=1)
    return command_line_error(f"--explain {pattern}: no layer or group of that name",
                              (f"did you mean {close[0]}? " if close else "") +
                              "give a name as the table prints it, a glob like 'conv*', "
                              "or total")


def emit(analysis: archcalc.Analysis, fmt: AnalyzeFormat, explain: str | None,
         columns: tuple[str, ...], depth: int | None, width: int | None) -> None:
    from archcalc.render import text

    if fmt is AnalyzeFormat.table:
        from archcalc.render.table import to_table

        sink.lines(to_table(analysis, explain, sink.width(width), columns, depth))
    elif fmt is AnalyzeFormat.json:
        sink.lines((line, "") for line in text.json_lines(analysis, explain is not None))
    elif fmt is AnalyzeFormat.csv:
        warn(analysis)  # CSV has rows of layers only
        sink.write(text.to_csv(analysis))
    else:
        sink.write(text.to_markdown(analysis, explain or False))


def zoo(width: WidthOpt = None) -> None:
    """List the bundled specs; analyze one by its bare name: `archcalc analyze alexnet`."""
    from archcalc.render.grid import width_of, wrap
    from archcalc.source import zoo as entries

    rows = entries()
    cells = sink.width(width)
    name_width = max(width_of(name) for name, _ in rows) + 2
    if cells is not None:  # a longer name takes a line of its own, its summary under it
        name_width = min(name_width, cells // 3) if cells - cells // 3 >= 30 else 4
    lines: list[tuple[str, str]] = []
    for name, summary in rows:
        wrapped = wrap(summary, None if cells is None else cells - name_width, hard=True)
        if width_of(name) + 2 > name_width:
            lines.append((name, "bold"))
            lines += [(" " * name_width + part, "") for part in wrapped]
            continue
        lines.append((f"{name:<{name_width}}{wrapped[0]}", ""))
        lines += [(" " * name_width + more, "") for more in wrapped[1:]]
    sink.lines(lines)
