"""Determinism: the same files give byte-identical output in separate processes, whatever
the hash seed and the locale (ordering, number formatting and rendering never depend on
them). Each process runs the CLI in-process over a set of commands and prints everything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = r"""
import sys
from typer.testing import CliRunner
from archcalc.cli import app
runner = CliRunner()
env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
for args in [
    ["analyze", "specs/googlenet.arch", "--explain"],
    ["analyze", "specs/resnet50.arch", "--format", "json", "--explain"],
    ["analyze", "specs/vgg16.arch", "--format", "csv"],
    ["analyze", "specs/alexnet.arch", "--format", "markdown", "--batch", "8", "--dtype", "float16"],
    ["check", "examples/answers_alexnet.arch", "specs/lenet5.arch"],
    ["check", "examples/answers_alexnet.arch", "--format", "json"],
    ["sweep", "specs/convnet_pattern.arch", "-D", "N=1..2", "-D", "M=1..3", "--sort", "params"],
    ["sweep", "specs/convnet_pattern.arch", "-D", "N=1,2", "--format", "json"],
    ["analyze", "tests/bad/sem_add_mismatch.arch"],
    ["analyze", "tests/bad/syn_unclosed_merge.arch", "--format", "json"],
]:
    result = runner.invoke(app, args, env=env)
    sys.stdout.write(f"$ {' '.join(args)} -> {result.exit_code}\n{result.stdout}{result.stderr}")
"""


def _run(extra: dict[str, str]) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update(extra)
    return subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=True,
                          capture_output=True).stdout


def test_output_is_byte_identical_across_processes_hash_seeds_and_locales() -> None:
    first = _run({"PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8"})
    assert b"googlenet" in first.lower() and b"-> 2" in first  # the commands ran
    assert _run({"PYTHONHASHSEED": "12345", "LC_ALL": "POSIX"}) == first
    assert _run({"PYTHONHASHSEED": "random", "LANG": "de_DE.UTF-8",
                 "LC_NUMERIC": "fr_FR.UTF-8"}) == first
