"""Design rules that are cheap to test: no NumPy on the static side, the grammar is
conflict-free under Lark's strict mode, and the code stays small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_static_analysis_imports_no_numpy_torch_or_onnx() -> None:
    """The analyzer and every command's module (the bridge's included) load without them;
    they are imported only by the commands that run the network or talk to a framework."""
    code = ("import sys, archcalc, archcalc.cli, archcalc.render.table, archcalc.check\n"
            "archcalc.analyze('input 8x8x1\\nCONV(2)')\n"
            "archcalc.check.run_checks(archcalc.analyze('input 8x8x1\\nCONV(2)'))\n"
            "loaded = {'numpy', 'torch', 'onnx', 'onnxruntime'} & set(sys.modules)\n"
            "assert not loaded, f'{loaded} imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_grammar_is_conflict_free() -> None:
    from lark import Lark

    from archcalc.syntax import grammar_text

    Lark(grammar_text(), parser="lalr", lexer="contextual", strict=True)


def test_grammar_ships_inside_the_package_or_the_checkout() -> None:
    from archcalc.syntax import grammar_path

    assert grammar_path().name == "arch.lark" and grammar_path().exists()


MODULE_LINES = 300  # a module past this is split along the seams a reader would expect


def test_every_module_stays_under_its_limit() -> None:
    """Each module of archcalc, static side and executor alike, stays under MODULE_LINES lines
    (every line counted: code, docstrings and comments)."""
    long = {path.relative_to(ROOT).as_posix(): n for path in (ROOT / "archcalc").rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES}
    assert long == {}
