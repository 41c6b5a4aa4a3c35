"""pytest plugin: `.arch` files with `expect` lines become test items, one per figure.

Turn collection on with `arch_collect = true` in the pytest configuration (or `--arch` on
the command line); then `pytest specs/` checks every expect line of the zoo.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import archcalc
from archcalc.check import Expectation, compile_expects, expect_key
from archcalc.errors import ArchError, render_error


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("arch_collect", type="bool", default=False,
                  help="collect .arch files with expect lines as tests (archcalc)")
    parser.getgroup("archcalc").addoption(
        "--arch", action="store_true", help="collect .arch files with expect lines as tests")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    config = parent.config
    if file_path.suffix != ".arch" or not (config.getini("arch_collect")
                                           or config.getoption("--arch")):
        return None
    if b"expect" not in file_path.read_bytes():
        return None
    return ArchFile.from_parent(parent, path=file_path)


class ArchFile(pytest.File):
    """An .arch file: analyzed once, then one item per figure of each expect line."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            analysis = archcalc.analyze(self.path)
            expectations = compile_expects(analysis)
        except ArchError as err:
            yield ArchInputError.from_parent(self, name="input", error=err)
            return
        seen: set[str] = set()
        for exp in expectations:
            name = f"{exp.target}:{exp.key or expect_key(exp.column)}"
            if name in seen:
                name = f"{name}@{exp.span.line}"
            seen.add(name)
            yield ArchExpect.from_parent(self, name=name, expectation=exp, analysis=analysis)


class ExpectFailed(Exception):
    """An expect figure that did not match."""


class ArchExpect(pytest.Item):
    def __init__(self, *, expectation: Expectation, analysis: archcalc.Analysis,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expectation = expectation
        self.analysis = analysis

    def runtest(self) -> None:
        from archcalc.render.checks import failure_message

        result = self.expectation.result(self.analysis)
        if not result.passed:
            raise ExpectFailed(failure_message(result, self.analysis, indent="  "))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, ExpectFailed):
            return f"{self.path}:{self.expectation.span.line}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.expectation.span.line - 1, self.name


class ArchInputError(pytest.Item):
    """An .arch file that archcalc cannot read: one failing item with the error."""

    def __init__(self, *, error: ArchError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        return render_error(self.error)

    def reportinfo(self) -> tuple[Path, int, str]:
        """The line in this file: of the error, or of the `use` it was reached through."""
        span = self.error.uses[-1][1] if self.error.uses else self.error.span
        return self.path, span.line - 1 if span else 0, "input"
