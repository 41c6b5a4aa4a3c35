"""The executor's imports keep it independent of the analyzer (design.md §4).

The kernel modules import nothing from archcalc outside the package. The runner reads the
Graph and the layers' fields (archcalc.graph, archcalc.values), raises ArchError, formats
numbers and lays out tables; only `verify` and `guard` import the analyzer, which they compare
with and whose estimate the memory guard quotes. tests/test_verify.py runs verify with every
rule patched to raise, which shows the runner never calls them.
"""

from __future__ import annotations

import ast
from pathlib import Path

EXECUTOR = Path(__file__).resolve().parents[2] / "archcalc" / "executor"
KERNEL_MODULES = {"__init__", "base", "gemm", "im2col", "conv", "pool", "dense", "activation",
                  "norm", "merge", "init", "naive", "geometry", "registry",
                  "kernels", "gated", "layernorm", "adaptive", "channels", "deconv", "trace",
                  "fields"}
RUNNER_ALLOWED = {"archcalc.graph", "archcalc.values", "archcalc.errors", "archcalc.units",
                  "archcalc.figures",  # the names of the figures, not their rules
                  "archcalc.render.grid"}  # lays out the verify and init-stats tables
ANALYZER = {"archcalc.analyze", "archcalc.settings"}
COMPARERS = {"verify", "guard"}


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """(module, relative level) of every import statement of a source file."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def outside(path: Path) -> list[str]:
    """The archcalc modules outside the executor that a source file imports."""
    found = []
    for module, level in imported_modules(path):
        if level > 1:
            found.append("." * level + module)
        elif level == 0 and (module == "archcalc" or module.startswith("archcalc.")) and \
                not module.startswith("archcalc.executor"):
            found.append(module)
    return found


RUNNER_MODULES = {"network", "storage", "probe", "supports", "gradcheck_net", "guard",
                  "verify", "stats", "report", "stats_report", "erf"}


def test_every_executor_module_is_checked_as_a_kernel_or_a_runner_module() -> None:
    """A module added to the package must join one of the two sets the import tests check."""
    assert sorted(p.stem for p in EXECUTOR.glob("*.py")) == \
        sorted(KERNEL_MODULES | RUNNER_MODULES)


def test_kernel_modules_import_only_the_package() -> None:
    offending = [f"{path.stem}: {m}" for path in sorted(EXECUTOR.glob("*.py"))
                 if path.stem in KERNEL_MODULES for m in outside(path)]
    assert offending == []


def test_runner_modules_import_no_analyzer_rules() -> None:
    offending = []
    for path in sorted(EXECUTOR.glob("*.py")):
        if path.stem in KERNEL_MODULES:
            continue
        allowed = RUNNER_ALLOWED | (ANALYZER | {"archcalc"} if path.stem in COMPARERS else set())
        offending += [f"{path.stem}: {m}" for m in outside(path) if m not in allowed]
    assert offending == []


def test_no_executor_module_imports_the_rules() -> None:
    """Neither layers' rule helpers nor rf.py, anywhere in the package."""
    banned = ("archcalc.layers", "archcalc.rf")
    offending = [f"{path.stem}: {m}" for path in sorted(EXECUTOR.glob("*.py"))
                 for m in outside(path) if m.startswith(banned)]
    assert offending == []
