"""The CLI as a package: one options module every command shares (no command module imports
another, none imports NumPy when loaded), per-command format enums that typer enforces, and
one Settings from which the executor's Options are built."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.cli import COMMANDS, app, load
from archcalc.cli.options import executor_options
from archcalc.settings import Dtype, Settings

CLI = Path(__file__).resolve().parent.parent / "archcalc" / "cli"
SHARED = {"options", "sink"}  # what command modules may import from the package
COMMAND_MODULES = sorted({entry.module for entry in COMMANDS.values()})
runner = CliRunner()
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}

# What each command renders, by hand from its renderers (render/, executor/report.py,
# executor/stats_report.py, render/sweep.py): sweep has no Markdown rendering.
FORMATS = {"analyze": {"table", "json", "csv", "markdown"},
           "check": {"table", "json", "csv", "markdown"},
           "sweep": {"table", "json", "csv"},
           "verify": {"table", "json", "csv", "markdown"},
           "init-stats": {"table", "json", "csv", "markdown"}}
# A small, fast run of each command.
ARGS = {"analyze": ["lenet5"], "check": ["quizzes/cs182_alexnet_conv1_pool1"],
        "sweep": ["quizzes/cs231n_7x7_3x3_stride1"], "verify": ["lenet5", "--no-rf"],
        "init-stats": ["lenet5"]}


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=ENV)


def _cli_imports(path: Path) -> set[str]:
    """The archcalc.cli modules `path` imports (at any depth of the file)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "archcalc.cli":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("archcalc.cli."):
            found.add(node.module.removeprefix("archcalc.cli.").split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("archcalc.cli.").split(".")[0] for a in node.names
                      if a.name.startswith("archcalc.cli.")}
    return found


def test_every_command_module_is_known() -> None:
    modules = {p.stem for p in CLI.glob("*.py")} - {"__init__"} - SHARED
    assert set(COMMAND_MODULES) == modules


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_no_command_module_imports_another(module: str) -> None:
    assert _cli_imports(CLI / f"{module}.py") <= SHARED


@pytest.mark.parametrize("module", sorted(SHARED))
def test_the_shared_modules_import_no_command(module: str) -> None:
    assert _cli_imports(CLI / f"{module}.py") <= SHARED - {module}


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_each_command_module_imports_alone_without_numpy(module: str) -> None:
    code = (f"import sys, archcalc.cli.{module}; "
            "assert 'numpy' not in sys.modules, 'numpy imported'; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def _choices(command: str) -> set[str]:
    option = next(p for p in load(command).params if p.name == "format")
    return set(option.type.choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", sorted(FORMATS))
def test_each_command_offers_the_formats_it_renders(command: str) -> None:
    assert _choices(command) == FORMATS[command]


@pytest.mark.parametrize(("command", "fmt"),
                         [(c, f) for c in sorted(FORMATS) for f in sorted(FORMATS[c])])
def test_every_offered_format_renders(command: str, fmt: str) -> None:
    result = run(command, *ARGS[command], "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    if fmt == "json":
        json.loads(result.stdout)
    if fmt == "csv":
        assert "," in result.stdout.splitlines()[0]


@pytest.mark.parametrize("command", sorted(FORMATS))
def test_typer_refuses_a_format_the_command_does_not_render(command: str) -> None:
    for fmt in ({"table", "json", "csv", "markdown", "xml"} - FORMATS[command]):
        result = run(command, *ARGS[command], "--format", fmt)
        assert result.exit_code == 2
        assert "Invalid value for '--format'" in result.output


def test_the_executor_options_come_from_the_settings() -> None:
    from archcalc.executor.init import Init
    from archcalc.executor.network import Options

    settings = Settings(batch=4, dtype=Dtype.float64)
    assert executor_options(settings, seed=3, init="xavier", std=0.5) == \
        Options(batch=4, seed=3, init=Init.XAVIER, std=0.5, dtype="float64")
    assert executor_options(Settings()) == Options()


def test_init_stats_runs_and_analyzes_at_one_batch() -> None:
    # the slide's experiment: a batch of 1000 for a vector input (its default)
    doc = json.loads(run("init-stats", "quizzes/cs231n_two_layer_net", "-f", "json").stdout)
    assert doc["batch"] == 1000
    refused = run("init-stats", "lenet5", "--batch", "100000", "--max-memory", "1MB")
    assert refused.exit_code == 2 and "at batch 100000" in refused.stderr
