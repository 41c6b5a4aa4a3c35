"""Design rules that are cheap to test: no NumPy on the static side, the grammar is
conflict-free under Lark's strict mode, and the code stays small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_static_analysis_imports_no_numpy() -> None:
    code = ("import sys, archcalc, archcalc.cli, archcalc.render.table, archcalc.check\n"
            "archcalc.analyze('input 8x8x1\\nCONV(2)')\n"
            "assert 'numpy' not in sys.modules, 'numpy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_grammar_is_conflict_free() -> None:
    from lark import Lark

    from archcalc.syntax import grammar_path

    Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
         strict=True)


def test_grammar_ships_inside_the_package_or_the_checkout() -> None:
    from archcalc.syntax import grammar_path

    assert grammar_path().name == "arch.lark" and grammar_path().exists()


def test_static_code_budget() -> None:
    """The static side stays small: lines of code (no blanks, comments, docstrings)."""
    total = 0
    for path in (ROOT / "archcalc").rglob("*.py"):
        if "executor" in path.parts or path.name == "executor_cli.py":
            continue  # the executor side has its own size
        total += _code_lines(path.read_text(encoding="utf-8"))
    assert total < 3500, total


def _code_lines(text: str) -> int:
    import ast
    import io
    import tokenize

    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and \
                isinstance(getattr(body[0], "value", None), ast.Constant) and \
                isinstance(body[0].value.value, str):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER):
            lines.add(tok.start[0])
    return len(lines - docstrings)
