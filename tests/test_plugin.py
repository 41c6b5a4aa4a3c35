"""The pytest plugin: .arch files with expect lines become one test item per figure."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SHEET = """input 227x227x3
conv1: CONV(96, f=11, s=4)
expect conv1: 55x55x96 params=34,848
expect total: params=35K
"""


def test_items_per_figure_with_readable_failures(pytester: pytest.Pytester) -> None:
    pytester.makefile(".arch", sheet=SHEET)
    pytester.makefile(".arch", nothing="input 8x8x1\nRELU\n")  # no expect: not collected
    result = pytester.runpytest("--arch", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*sheet.arch:3: conv1 params: expected 34,848, got 34,944",
        "*(11·11·3)·96 + 96 = 34,944",
    ])


def test_collection_is_off_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makefile(".arch", sheet=SHEET)
    assert pytester.runpytest("-p", "no:cacheprovider").ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_ini_option_turns_collection_on(pytester: pytest.Pytester) -> None:
    pytester.makefile(".arch", sheet=SHEET)
    pytester.makeini("[pytest]\narch_collect = true\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2, failed=1)


def test_a_broken_file_is_one_failing_item(pytester: pytest.Pytester) -> None:
    pytester.makefile(".arch", broken="input 8x8x1\nCONVV(4)\nexpect conv1: params=1\n")
    result = pytester.runpytest("--arch", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*broken.arch:2:1: error: unknown layer kind 'CONVV'*"])
