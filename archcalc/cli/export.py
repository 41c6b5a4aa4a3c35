"""`archcalc export FILE --to torch|onnx`: the network as PyTorch source or an ONNX model
(archcalc/bridge/torch_export.py, onnx_export.py). The bridge is imported when the command
runs; onnx is an optional extra, and a missing one is an input error (exit 2) naming it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from archcalc.cli.options import (
    DefineOpt,
    FileArg,
    InputOpt,
    NoOptionalOpt,
    defines,
    fail,
    input_size,
    load,
)
from archcalc.errors import ArchError, Source


class Target(StrEnum):
    torch = "torch"
    onnx = "onnx"


class Weights(StrEnum):
    random = "random"
    zero = "zero"


ToOpt = Annotated[Target, typer.Option(
    "--to", case_sensitive=False, help="torch: PyTorch source (nn.Module classes); onnx: an "
                                       "ONNX model (opset 21, NCHW; needs -o).")]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", metavar="PATH", show_default=False,
    help="Where to write (--to torch without it prints the source).")]
WeightsOpt = Annotated[Weights, typer.Option(
    "--weights", case_sensitive=False,
    help="ONNX initializers: random (He init, as `archcalc verify` draws them) or zero.")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed of the random weights.")]


def export(file: FileArg, to: ToOpt, output: OutputOpt = None, define: DefineOpt = None,
           input: InputOpt = None, weights: WeightsOpt = Weights.random, seed: SeedOpt = 0,
           no_optional: NoOptionalOpt = False) -> None:
    """Write the network as PyTorch source (one nn.Module class per block, submodules named
    as the .arch layers) or as an ONNX model that onnxruntime runs (--to onnx -o net.onnx).
    A layer the target cannot express exactly is an error at that layer (exit 2)."""
    import archcalc

    try:
        graph = archcalc.build_graph(load(file), defines(define), optional=not no_optional,
                                     input_shape=input_size(input))
        if to is Target.torch:
            from archcalc.bridge.torch_export import export_torch

            _write_torch(export_torch(graph), output)
            return
        if output is None:
            raise ArchError("--to onnx writes a binary model: give a file with -o", None,
                            "archcalc export FILE --to onnx -o net.onnx",
                            Source("<command line>", ""))
        from archcalc.bridge.extras import require
        from archcalc.bridge.onnx_export import export_onnx

        onnx = require("onnx")
        model = export_onnx(graph, weights.value, seed)
        # protobuf stops at 2 GiB: larger weights go to a file beside the model
        large = sum(len(t.raw_data) for t in model.graph.initializer) > 2**31 - 2**27
        _save(lambda: onnx.save_model(model, output, save_as_external_data=large,
                                      location=Path(output).name + ".data"), output)
        count = sum(_elements(t.dims) for t in model.graph.initializer
                    if t.name.endswith((".weight", ".bias")))
        typer.echo(f"wrote {output}: {graph.network}, ONNX opset "
                   f"{model.opset_import[0].version}, {count:,} {weights.value} weights"
                   + (f" (seed {seed})" if weights is Weights.random else ""), err=True)
    except ArchError as err:
        fail(err)


def _write_torch(source: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(source)
        return
    _save(lambda: Path(output).write_text(source, encoding="utf-8"), output)
    typer.echo(f"wrote {output}: PyTorch source", err=True)


def _save(write: Callable[[], object], output: str) -> None:
    try:
        write()
    except OSError as exc:
        raise ArchError(f"cannot write {output}: {exc.strerror}", None, "check the path",
                        Source("<command line>", "")) from None


def _elements(dims: Iterable[int]) -> int:
    total = 1
    for dim in dims:
        total *= int(dim)
    return total
