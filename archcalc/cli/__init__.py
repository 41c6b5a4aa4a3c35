"""The command line: a thin typer shell that loads, calls the library, and renders.

The commands live in cli/analyze.py (analyze, zoo), cli/check.py, cli/sweep.py,
cli/execute.py (verify, init-stats, which import NumPy only when they run), cli/export.py
and cli/imports.py (the PyTorch/ONNX bridge, which imports torch or onnx only when it runs),
cli/pictures.py (report, draw, erf);
cli/options.py holds what they share and cli/sink.py writes their output.

A command's module is imported only when that command runs (or shows its own --help):
`archcalc --help` lists every command from the one-line helps kept here, and `archcalc
analyze` never builds the options of the other ten commands.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any, NamedTuple

import typer
from typer import _click as click
from typer.core import TyperGroup

import archcalc


class Entry(NamedTuple):
    """Where a command lives and the first sentence of its docstring (its line in --help;
    a test keeps it equal to the docstring)."""

    module: str
    function: str
    short: str
    cls: str | None = None  # a TyperCommand subclass in the same module


COMMANDS: dict[str, Entry] = {
    "analyze": Entry("analyze", "analyze", "Print every layer's output shape, params, MACs, "
                     "activations and receptive field, and the totals (params, buffers, MACs, "
                     "FLOPs, memory part by part).", "OptionalExplain"),
    "check": Entry("check", "check", "Check every `expect` line: a score per sheet (`12/14 "
                   "correct`), a table of expected vs got, the formula of each wrong answer, "
                   "and with several sheets a class summary."),
    "sweep": Entry("sweep", "sweep", "Analyze every combination of param ranges, each `?` "
                   "present and absent: which configurations are valid (and which layer stops "
                   "fitting, and why), their params, weights, MACs, FLOPs, forward and "
                   "training memory and final receptive field."),
    "zoo": Entry("analyze", "zoo", "List the bundled specs; analyze one by its bare name: "
                 "`archcalc analyze alexnet`."),
    "verify": Entry("execute", "verify", "Run the network for real in NumPy (forward and "
                    "backward on a random batch) and check every layer's output shape, "
                    "parameters, MACs, kept activation bytes and receptive field against the "
                    "static analysis."),
    "init-stats": Entry("execute", "init_stats", "Forward a random N(0, 1) batch and print "
                        "each layer's activation mean and std: the slides' initialization "
                        "experiment (std collapses with --init normal --std 0.01, holds with "
                        "--init he on ReLU nets)."),
    "export": Entry("export", "export", "Write the network as PyTorch source (one nn.Module "
                    "class per block, submodules named as the .arch layers) or as an ONNX "
                    "model that onnxruntime runs (--to onnx -o net.onnx)."),
    "import": Entry("imports", "import_", "Print a .arch description of a PyTorch module "
                    "(--torch pkg.module:factory, traced at --input, 224x224xC by default) or "
                    "of an ONNX file: labels from the module names, repeats and blocks for "
                    "the structures that recur, checked against the model's own shapes and "
                    "parameter counts."),
    "report": Entry("pictures", "report", "Write one self-contained HTML page (opens "
                    "offline): the network drawn as its volumes, bar charts of params, MACs "
                    "and memory, the receptive field's growth, the layer table with every "
                    "formula on hover, the totals and settings."),
    "draw": Entry("pictures", "draw", "Write the diagram alone, for slides and papers: the "
                  "volumes (H, W, C on the stated log scale), the paths of each merge side by "
                  "side, blocks collapsed unless --expand."),
    "erf": Entry("pictures", "erf", "Draw the effective receptive field (Luo et al., NeurIPS "
                 "2016): |∂y/∂x| of the layer's centre unit over the input, averaged over "
                 "seeded random inputs and weights in NumPy, with the theoretical receptive "
                 "field's box over it."),
}


def load(name: str) -> click.Command:
    """The click command `name`, built by typer from its function (importing its module)."""
    from typer.main import get_command_from_info
    from typer.models import CommandInfo

    entry = COMMANDS[name]
    module = importlib.import_module(f"archcalc.cli.{entry.module}")
    cls = getattr(module, entry.cls) if entry.cls else None
    info = CommandInfo(name=name, callback=getattr(module, entry.function), cls=cls)
    return get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                 rich_markup_mode=None)


class Commands(MutableMapping[str, click.Command]):
    """Every command's name; a command is built the first time it is looked up."""

    def __init__(self) -> None:
        self.built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.built:
            self.built[name] = load(name)  # KeyError for an unknown name
        return self.built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        del self.built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(COMMANDS), **self.built})

    def __len__(self) -> int:
        return len({**dict.fromkeys(COMMANDS), **self.built})


class LazyGroup(TyperGroup):
    """typer's group over `Commands`: --help lists the one-line helps without building."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = Commands()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from typer._click.utils import make_default_short_help

        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(entry.short, limit))
                                for name, entry in COMMANDS.items()])


app = typer.Typer(
    cls=LazyGroup, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
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


def main() -> None:
    app()
