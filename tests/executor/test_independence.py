"""archcalc/executor imports nothing from archcalc outside itself (design.md §4)."""

from __future__ import annotations

import ast
from pathlib import Path

EXECUTOR = Path(__file__).resolve().parents[2] / "archcalc" / "executor"


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """(module, relative level) of every import statement of a source file."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_executor_sources_exist() -> None:
    assert len(list(EXECUTOR.glob("*.py"))) >= 10


def test_executor_imports_only_itself_from_archcalc() -> None:
    offending = [
        f"{path.name}: {'.' * level}{module}"
        for path in sorted(EXECUTOR.rglob("*.py"))
        for module, level in imported_modules(path)
        if level > 1  # `from .. import x` leaves the package
        or (
            level == 0
            and module.split(".")[0] == "archcalc"
            and not module.startswith("archcalc.executor")
        )
    ]
    assert offending == []
