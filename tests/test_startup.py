"""Start-up: `import archcalc` and `archcalc --help` load no analyzer, no parser and no rich;
a flat file is analyzed without lark; the package namespace is its API; the command list's
one-line helps are the commands' own."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from typer._click.utils import make_default_short_help

import archcalc
from archcalc.cli import COMMANDS, load

ROOT = Path(__file__).resolve().parent.parent


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    script = (f"import sys\n{code}\n"
              "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    return set(out.split())


def heavy(modules: set[str], *prefixes: str) -> set[str]:
    return {m for m in modules if m.split(".")[0] in prefixes}


def test_import_archcalc_loads_nothing_else_of_it() -> None:
    modules = loaded_after("import archcalc")
    assert {m for m in modules if m.startswith("archcalc.")} == set()
    assert heavy(modules, "numpy", "lark", "rich", "typer") == set()


def test_help_loads_no_command_no_analyzer_no_lark_no_rich() -> None:
    modules = loaded_after("sys.argv = ['archcalc', '--help']\nfrom archcalc.cli import main\n"
                           "try:\n    main()\nexcept SystemExit:\n    pass")
    assert heavy(modules, "numpy", "lark", "rich") == set()
    assert {m for m in modules if m.startswith("archcalc.")} == {"archcalc.cli"}


def test_a_flat_spec_is_analyzed_without_lark_or_numpy() -> None:
    modules = loaded_after("sys.argv = ['archcalc', 'analyze', 'specs/vgg16.arch']\n"
                           "from archcalc.cli import main\n"
                           "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "archcalc.render.table" in modules
    assert heavy(modules, "numpy", "lark", "torch", "onnx") == set()


def test_every_command_module_loads_without_numpy_torch_or_onnx() -> None:
    modules = loaded_after("from archcalc.cli import COMMANDS, load\n"
                           "for name in COMMANDS:\n    load(name)")
    assert {f"archcalc.cli.{e.module}" for e in COMMANDS.values()} <= modules
    assert heavy(modules, "numpy", "torch", "onnx", "onnxruntime") == set()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_help_is_the_commands_own(name: str) -> None:
    """--help lists each command from COMMANDS without importing it: what it lists is what
    click would make of the command's docstring, at any width."""
    command = load(name)
    assert command.name == name and command.help is not None
    assert command.help == inspect.cleandoc(command.help)
    for limit in (20, 45, 63, 120, 400):
        assert make_default_short_help(COMMANDS[name].short, limit) == \
            make_default_short_help(command.help, limit)


def test_the_namespace_is_the_api() -> None:
    assert dir(archcalc) == sorted(archcalc.__all__)
    for name in archcalc.__all__:
        assert getattr(archcalc, name) is not None
    importlib.import_module("archcalc.analyze")  # importing the submodule keeps the function
    assert inspect.isfunction(archcalc.analyze)
    assert sys.modules["archcalc.analyze"].Analysis is archcalc.Analysis
    with pytest.raises(AttributeError):
        archcalc.parse  # noqa: B018  (an internal name is no attribute of the package)
    assert archcalc.analyze("input 8x8x1\nCONV(2)", limits=archcalc.Limits()).totals.params \
        == 2 * (3 * 3 * 1) + 2  # hand: two 3x3x1 filters and their biases
