"""The picture commands: `report` (one self-contained HTML page), `draw` (the diagram as
SVG, or PNG with the [png] extra) and `erf` (the effective receptive field as a heatmap).

`report` and `draw` import no NumPy; `erf` and `report --erf` run the NumPy executor.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

import archcalc
from archcalc.cli.options import (
    BatchOpt,
    DefineOpt,
    DtypeOpt,
    FileArg,
    InplaceOpt,
    InputOpt,
    MaxDepthOpt,
    MaxLayersOpt,
    NoOptionalOpt,
    OptimizerOpt,
    StrictOpt,
    defines,
    fail,
    input_size,
    load,
)
from archcalc.errors import ArchError, Source
from archcalc.limits import Limits
from archcalc.settings import Dtype, Optimizer

COMMAND_LINE = Source("<command line>", "")

OutputOpt = Annotated[str, typer.Option(
    "--output", "-o", metavar="PATH", help="Where to write it (- for standard output).")]
SamplesOpt = Annotated[int, typer.Option(
    "--samples", min=1, max=10_000, help="Random inputs and weights averaged for the ERF "
                                         "(each its own seed).")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed of the first ERF sample.")]


def report(file: FileArg, output: OutputOpt = "-", erf: Annotated[str | None, typer.Option(
               "--erf", metavar="NAME", show_default=False,
               help="Include the effective receptive field of this layer (runs NumPy).")]
           = None, samples: SamplesOpt = 8, seed: SeedOpt = 0, define: DefineOpt = None,
           batch: BatchOpt = 1, dtype: DtypeOpt = Dtype.float32,
           optimizer: OptimizerOpt = Optimizer.sgd, strict: StrictOpt = False,
           no_optional: NoOptionalOpt = False, count_inplace: InplaceOpt = False,
           max_layers: MaxLayersOpt = 1_000_000, max_depth: MaxDepthOpt = 100,
           input: InputOpt = None) -> None:
    """Write one self-contained HTML page (opens offline): the network drawn as its volumes,
    bar charts of params, MACs and memory, the receptive field's growth, the layer table
    with every formula on hover, the totals and settings."""
    from archcalc.pictures.report import report_html

    try:
        analysis = archcalc.analyze(
            load(file), params=defines(define), batch=batch, dtype=dtype, optimizer=optimizer,
            strict=strict, optional=not no_optional, count_inplace=count_inplace,
            limits=Limits(max_layers, max_depth), input_shape=input_size(input))
        figure = _erf_figure(analysis, erf, samples, seed, "--erf") if erf else ""
        _write(output, report_html(analysis, _source_name(file), figure))
    except ArchError as err:
        fail(err)


def draw(file: FileArg, output: OutputOpt = "-", format: Annotated[str | None, typer.Option(
             "--format", "-f", metavar="svg|png", show_default=False,
             help="svg or png (default: from the -o suffix, else svg).")] = None,
         expand: Annotated[list[str] | None, typer.Option(
             "--expand", metavar="NAME", show_default=False,
             help="Draw this block open (repeatable); `all` opens every block.")] = None,
         define: DefineOpt = None, no_optional: NoOptionalOpt = False,
         max_layers: MaxLayersOpt = 1_000_000, max_depth: MaxDepthOpt = 100,
         input: InputOpt = None) -> None:
    """Write the diagram alone, for slides and papers: the volumes (H, W, C on the stated
    log scale), the paths of each merge side by side, blocks collapsed unless --expand."""
    from archcalc.pictures.diagram import standalone
    from archcalc.pictures.tree import blocks, network_tree

    try:
        kind = _draw_format(format, output)
        analysis = archcalc.analyze(load(file), params=defines(define),
                                    optional=not no_optional,
                                    limits=Limits(max_layers, max_depth),
                                    input_shape=input_size(input))
        tree = network_tree(analysis)
        names = {b.group.name for b in blocks(tree) if b.group}
        wanted = set(expand or [])
        for name in sorted(wanted - names - {"all"}):
            raise _unknown("--expand", name, sorted(names), "block")
        svg = standalone(analysis, tree, lambda b: "all" in wanted or (
            b.group is not None and b.group.name in wanted))
        if kind == "png":
            from archcalc.pictures.raster import svg_to_png

            _write(output, svg_to_png(svg))
        else:
            _write(output, svg)
    except ArchError as err:
        fail(err)


def erf(file: FileArg, layer: Annotated[str, typer.Option(
            "--layer", "-l", metavar="NAME", show_default=False,
            help="The layer (or block: its last layer) whose centre unit is probed.")],
        output: OutputOpt = "-", samples: SamplesOpt = 8, seed: SeedOpt = 0,
        define: DefineOpt = None, no_optional: NoOptionalOpt = False,
        input: InputOpt = None) -> None:
    """Draw the effective receptive field (Luo et al., NeurIPS 2016): |∂y/∂x| of the layer's
    centre unit over the input, averaged over seeded random inputs and weights in NumPy,
    with the theoretical receptive field's box over it."""
    try:
        analysis = archcalc.analyze(load(file), params=defines(define),
                                    optional=not no_optional, input_shape=input_size(input))
        _write(output, _erf_figure(analysis, layer, samples, seed, "--layer"))
    except ArchError as err:
        fail(err)


def _erf_figure(analysis: archcalc.Analysis, name: str, samples: int, seed: int,
                option: str) -> str:
    """The ERF of layer (or block) `name`: an SVG document for `--layer` (erf), the
    report's figure for `--erf`."""
    from archcalc.cli.options import executor_options, progress
    from archcalc.executor.erf import effective_rf
    from archcalc.executor.guard import check_memory
    from archcalc.executor.network import ExecutionError
    from archcalc.pictures.heatmap import erf_figure, erf_html

    index = _layer_index(analysis, name, option)
    if len(analysis.input) != 3:
        raise ArchError("the effective receptive field needs an image input (H×W×C), not a "
                        f"vector of {analysis.input[0]}", None, "", COMMAND_LINE)
    # the ERF runs one image at a time, whatever --batch the report's figures are for
    check_memory(analysis, replace(executor_options(analysis.settings), batch=1), None)
    try:
        with progress() as start:
            measured = effective_rf(analysis.graph, index, samples, seed,
                                    start(samples) if start else None)
    except ExecutionError as exc:
        raise ArchError(str(exc), None, "", COMMAND_LINE) from None
    r = analysis.layers[index]
    return erf_figure(measured, r, standalone=True) if option == "--layer" else \
        erf_html(measured, r)


def _layer_index(analysis: archcalc.Analysis, name: str, option: str) -> int:
    """A layer's index by its name, or a block's last layer; else an error that names the
    closest."""
    names = analysis.names()
    if name in names:
        return names.index(name)
    groups = {g.name: g for g in analysis.groups}
    if name in groups:
        return groups[name].last - 1
    raise _unknown(option, name, names + list(groups), "layer")


def _unknown(option: str, name: str, known: list[str], what: str) -> ArchError:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = (f"did you mean {close[0]}? " if close else "") + \
        "`archcalc analyze FILE` lists the names"
    return ArchError(f"{option} {name}: no {what} of that name", None, hint, COMMAND_LINE)


def _draw_format(format: str | None, output: str) -> str:
    kind = (format or ("png" if output.lower().endswith(".png") else "svg")).lower()
    if kind not in ("svg", "png"):
        raise ArchError(f"--format {format}: use svg or png", None, "", COMMAND_LINE)
    if kind == "png" and output == "-" and sys.stdout.isatty():
        raise ArchError("a PNG is not for the terminal", None, "write it to a file with -o "
                        "net.png", COMMAND_LINE)
    return kind


def _source_name(file: str) -> str:
    return "standard input" if file == "-" else file


def _write(output: str, content: str | bytes) -> None:
    """Write to `output` (- for standard output); a path that cannot be written is an input
    error, with the reason."""
    if output == "-":
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            sys.stdout.write(content)
        return
    path = Path(output)
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        hint = ("create the folder first" if isinstance(exc, FileNotFoundError) else
                "choose a file you can write")
        raise ArchError(f"cannot write {output}: {reason}", None, hint, COMMAND_LINE) from None
