"""The command line: a thin typer shell that loads, calls the library, and renders.

The commands live in cli/analyze.py (analyze, zoo), cli/static.py (check, sweep),
cli/execute.py (verify, init-stats, which import NumPy only when they run), cli/export.py
and cli/imports.py (the PyTorch/ONNX bridge, which imports torch or onnx only when it runs),
cli/pictures.py (report, draw, erf);
cli/options.py holds what they share and cli/sink.py writes their output.
"""

from __future__ import annotations

from typing import Annotated

import typer

import archcalc
from archcalc.cli import analyze, execute, export, imports, pictures, static

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Exact, explained CNN arithmetic — output shapes, parameters, MACs/FLOPs, memory "
         "and receptive fields — from a short .arch description.",
    context_settings={"help_option_names": ["-h", "--help"]})


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


app.command("analyze", cls=analyze.OptionalExplain)(analyze.analyze)
app.command("check")(static.check)
app.command("sweep")(static.sweep)
app.command("zoo")(analyze.zoo)
app.command("verify")(execute.verify)
app.command("init-stats")(execute.init_stats)
app.command("export")(export.export)
app.command("import")(imports.import_)
app.command("report")(pictures.report)
app.command("draw")(pictures.draw)
app.command("erf")(pictures.erf)


def main() -> None:
    app()
