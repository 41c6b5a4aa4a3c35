"""`archcalc check`: its formats (typer refuses others), JSON values as data, a file with no
expect lines, exit codes, and the table at any width (never a number or a name split).

Hand arithmetic for the small network used here (input 8×8×3, CONV(4, f=3), FC(10)):
  conv1  (8 − 3)/1 + 1 = 6 → 6×6×4; params 3·3·3·4 + 4 = 112; RF 3
  fc1    6·6·4·10 + 10 = 1,450 params
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.cli import app

ROOT = Path(__file__).resolve().parent.parent
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
NET = "input 8x8x3\nCONV(4, f=3)\nFC(10)\n"
SHEET = NET + "expect conv1: 6x6x4 params=112 rf=3\nexpect fc1: params=1,540\n" \
              "expect total: params=1,562\n"  # 112 + 1,450; fc1 is 1,450, not 1,540


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), input=stdin, env=ENV)


def sheet(tmp_path: Path, text: str = SHEET, name: str = "sheet.arch") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_score_line_and_the_table(tmp_path: Path) -> None:
    result = run("check", sheet(tmp_path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("sheet.arch  4/5 correct")
    assert lines[1].split() == ["line", "name", "figure", "expected", "got"]
    assert lines[3].split() == ["4", "conv1", "shape", "6x6x4", "6×6×4", "✓"]
    assert lines[6].split() == ["5", "fc1", "params", "1,540", "1,450", "✗"]
    assert "fc1 params: expected 1,540, got 1,450" in result.stdout
    assert lines[-1] == "4 passed, 1 failed in 1 file"


def test_json_values_are_numbers_and_lists(tmp_path: Path) -> None:
    result = run("check", sheet(tmp_path), "--format", "json")
    doc = json.loads(result.stdout)
    (file,) = doc["files"]
    assert (file["correct"], file["total"], doc["passed"], doc["failed"]) == (4, 5, 4, 1)
    by = {(r["name"], r["figure"]): r for r in file["results"]}
    assert by["conv1", "shape"]["got"] == [6, 6, 4]
    assert by["conv1", "shape"]["expected_value"] == [6, 6, 4]
    assert by["conv1", "params"]["got"] == 112 and by["conv1", "rf"]["got"] == [3, 3]
    assert by["conv1", "rf"]["expected_value"] == [3, 3]
    assert by["fc1", "params"] | {"formula": ""} == {
        "line": 5, "column": 13, "name": "fc1", "figure": "params", "expected": "1,540",
        "expected_value": 1540, "got": 1450, "passed": False, "formula": ""}
    assert by["total", "params"]["expected_value"] == 1562


def test_json_keeps_a_bad_file_as_an_error(tmp_path: Path) -> None:
    bad = sheet(tmp_path, "input 8x8x3\nCONV(4, f=9)\nexpect conv1: 1\n", "bad.arch")
    result = run("check", sheet(tmp_path), bad, "-f", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["files"][1]["file"] == bad and doc["files"][1]["error"]["span"]["line"] == 2
    assert (doc["passed"], doc["failed"], doc["errors"], doc["empty"]) == (4, 1, 1, 0)


def test_csv_is_a_row_per_answer(tmp_path: Path) -> None:
    path = sheet(tmp_path)
    rows = list(csv.reader(io.StringIO(run("check", path, "--format", "csv").stdout)))
    assert rows[0] == ["file", "line", "column", "name", "figure", "expected", "got",
                       "passed", "error"]
    assert rows[1] == [path, "4", "15", "conv1", "shape", "6x6x4", "6x6x4", "true", ""]
    assert rows[4][3:8] == ["fc1", "params", "1,540", "1450", "false"]
    assert len(rows) == 6


def test_markdown_is_a_table_per_sheet(tmp_path: Path) -> None:
    out = run("check", sheet(tmp_path), "--format", "markdown").stdout
    assert "— 4/5 correct" in out
    assert "| 5 | fc1 | params | 1,540 | 1,450 | ✗ |" in out
    assert out.rstrip().endswith("_4 passed, 1 failed in 1 file_")


@pytest.mark.parametrize("fmt", ["xml", "html", "yaml"])
def test_typer_refuses_other_formats(fmt: str) -> None:
    result = run("check", "alexnet", "--format", fmt)
    assert result.exit_code == 2
    assert "'table', 'json', 'csv', 'markdown'" in result.output


@pytest.mark.parametrize("text", ["input 8x8x3\nCONV(4, f=3)\n", "use alexnet\n",
                                  "# only a comment\nuse alexnet\n"])
def test_a_file_with_no_expect_lines_is_not_a_pass(tmp_path: Path, text: str) -> None:
    path = sheet(tmp_path, text)
    result = run("check", path)
    assert result.exit_code == 2
    assert "nothing to check: the file has no expect lines" in result.output
    assert result.stdout.splitlines()[-1] == \
        "0 passed, 0 failed, 1 with no expect lines in 1 file"
    doc = json.loads(run("check", path, "-f", "json").stdout)
    assert (doc["empty"], doc["errors"], doc["files"][0]["error"]["message"]) == \
        (1, 0, "nothing to check: the file has no expect lines")


def test_expect_lines_without_a_figure_are_nothing_to_check(tmp_path: Path) -> None:
    result = run("check", sheet(tmp_path, "use alexnet\nexpect conv1:\n"))
    assert result.exit_code == 2
    assert "nothing to check: its expect lines check no figure" in result.output


def test_an_empty_sheet_among_good_ones_still_exits_2(tmp_path: Path) -> None:
    result = run("check", "alexnet", sheet(tmp_path, "use alexnet\n"))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1].endswith(", 1 with no expect lines in 2 files")


def test_every_answer_right_exits_0() -> None:
    result = run("check", "alexnet", "lenet5")
    assert result.exit_code == 0
    assert re.search(r"^\d+ passed, 0 failed in 2 files$", result.stdout, re.M)


def test_standard_input_is_named_stdin() -> None:
    result = run("check", "-", stdin="use alexnet\nexpect conv1: 55x55x96\n")
    assert result.exit_code == 0 and result.stdout.startswith("<stdin>  1/1 correct")


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@pytest.mark.parametrize("width", [80, 60, 50, 40])
def test_no_line_is_wider_than_asked_and_no_number_is_split(width: int) -> None:
    """VGG-16's totals (15,470,264,320 MACs, 138,357,544 params) whole or not at all."""
    out = run("check", "vgg16", "--width", str(width)).stdout
    assert max(len(line) for line in out.splitlines()) <= width
    whole = run("check", "vgg16", "--width", "1000").stdout
    numbers = set(NUMBER.findall(whole))
    for line in out.splitlines():
        if line.startswith("(too narrow"):
            continue
        assert set(NUMBER.findall(line)) <= numbers, line


def test_columns_drop_line_first_then_got() -> None:
    table = run("check", "vgg16", "--width", "60").stdout.splitlines()
    assert table[1].split() == ["name", "figure", "expected", "got"]
    assert "(too narrow for line: widen the terminal, or --width)" in table
    narrow = run("check", "vgg16", "--width", "40").stdout.splitlines()
    assert narrow[1].split() == ["name", "figure"]
    assert narrow[-4:-2] == ["(too narrow for line, expected, got:",
                             " widen the terminal, or --width)"]


def test_a_pipe_gets_the_whole_table_without_colour() -> None:
    result = CliRunner().invoke(app, ["check", "vgg16"], env={"NO_COLOR": "", "COLUMNS": ""})
    assert "\x1b[" not in result.stdout
    assert result.stdout.splitlines()[1].split() == \
        ["line", "name", "figure", "expected", "got"]
