"""Safe output: user text (file names, comments inside titles, labels of `?` elements)
never injects rich markup or terminal control sequences; CSV cells a spreadsheet would run
as formulas are escaped (analyze's and sweep's CSV); JSON is valid, errors included."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.cli import app
from archcalc.render.text import safe_cells

runner = CliRunner()
ENV = {"COLUMNS": "100", "TERM": "xterm-256color", "FORCE_COLOR": "1"}
CLEAR = "\x1b[2J"
NET = ("input 8x8x3\n[CONV(8, p=1) - RELU]?\n[relu]?\n"
       "stage(4 # \x1b[2J [red]comment[/red]\n)\n"
       "block stage(c) { CONV(c) }\n"
       "defaults CONV(p=1, # \x1b]0;title\x07\n bias=false)\nRELU\nexpect conv1: 8x8x8\n")


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=ENV)


@pytest.fixture(params=["[red]net[bold].arch", "net\x1b[2J.arch", "net\u202e.arch"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / request.param
    path.write_text(NET, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ("analyze",), ("analyze", "--explain"), ("analyze", "--format", "markdown"),
    ("analyze", "--format", "csv"), ("analyze", "--format", "json"), ("check",),
    ("check", "--format", "json"), ("sweep",), ("sweep", "--format", "csv"),
    ("sweep", "--format", "json"), ("analyze", "-D", "Q=1"), ("check", "-D", "Q=1"),
])
def test_no_control_sequence_or_markup_from_user_text(spec: Path, command: tuple[str, ...]
                                                      ) -> None:
    result = run(command[0], str(spec), *command[1:])
    for out in (result.stdout, result.stderr):
        assert CLEAR not in out and "\x1b]0;" not in out and "\x07" not in out
        assert "comment" not in out  # comments never reach titles
        assert "\u202e" not in out or "json" in command  # JSON keeps it, as data
    if command == ("analyze",) and spec.name.startswith("["):
        assert "[red]net[bold]" in result.stdout  # printed literally, not as red
    if command == ("sweep",):
        assert "[CONV(8, p=1) - RELU]?" in result.stdout and "[relu]?" in result.stdout


def test_error_output_escapes_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "bad\x1b[2J.arch"
    path.write_text("input 8x8x3\nCONVV(8)\n", encoding="utf-8")
    for fmt in ("table", "json"):
        result = run("analyze", str(path), "--format", fmt)
        assert result.exit_code == 2 and CLEAR not in result.stderr
        assert "bad\\x1b[2J.arch:2:1: error: unknown layer kind 'CONVV'" in result.stderr
    assert json.loads(result.stdout)["error"]["file"] == str(path)  # JSON escapes it itself


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped() -> None:
    assert safe_cells(["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "\rx", "conv1", 5, -5]) == \
        ["'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "conv1", 5, -5]
    # numbers are numbers: quoting them would turn them into text in the spreadsheet
    assert safe_cells(["-1", "-0.5", "+3", "-1e-3", "-1-1", "-1e", "-.5"]) == \
        ["-1", "-0.5", "+3", "-1e-3", "'-1-1", "'-1e", "'-.5"]


def test_sweep_csv_escapes_its_cells(tmp_path: Path) -> None:
    path = tmp_path / "net.arch"
    path.write_text("input 8x8x3\nparam A = 0.5\nLEAKYRELU(A)\n", encoding="utf-8")
    result = run("sweep", str(path), "-D", "A=-0.5,0.5", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [row[0] for row in rows] == ["A", "-0.5", "0.5"]


@pytest.mark.parametrize("args", [
    ("analyze", "{bad}", "--format", "json"), ("analyze", "{missing}", "--format", "json"),
    ("analyze", "{good}", "-D", "N=abc", "--format", "json"),
    ("check", "{bad}", "--format", "json"), ("check", "{good}", "-D", "N=x", "--format", "json"),
    ("sweep", "{bad}", "--format", "json"), ("sweep", "{good}", "-D", "N=1..1000000000000",
                                              "--format", "json"),
    ("sweep", "{good}", "--where", "params < 1Q", "--format", "json"),
    ("sweep", "{good}", "--sort", "nothing", "--format", "json"),
])
def test_errors_with_format_json_are_one_json_document(tmp_path: Path,
                                                       args: tuple[str, ...]) -> None:
    (tmp_path / "bad.arch").write_text("input 8x8x3\nCONV(8) - - RELU\n", encoding="utf-8")
    (tmp_path / "good.arch").write_text("input 8x8x3\nparam N = 1\nRELU*N\n", encoding="utf-8")
    paths = {k: str(tmp_path / f"{k}.arch") for k in ("bad", "good", "missing")}
    result = run(*(a.format(**paths) for a in args))
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    error = doc["error"] if "error" in doc else doc["files"][0]["error"]
    assert error and result.stderr


INJECTING = "[click](javascript:x.y)<img src=x onerror=alert(1)>_a|b&amp;"


@pytest.mark.parametrize("command", ["analyze", "verify", "init-stats"])
def test_markdown_titles_and_names_are_literal(tmp_path: Path, command: str) -> None:
    """A file name becomes the title: in Markdown it may neither make a link or an HTML tag
    nor break the table; every character that starts markup inside a line is backslash-escaped
    (CommonMark §2.4): `[` (no link without it), `<`, `&`, `_`, `|`."""
    path = tmp_path / f"{INJECTING}.arch"
    path.write_text("input 8x8x3\nCONV(4) - RELU\n", encoding="utf-8")
    result = run(command, str(path), "--format", "markdown")
    assert result.exit_code == 0, result.output
    title = result.stdout.splitlines()[0]
    assert title.startswith("**\\[click\\](javascript:x.y)\\<img src=x onerror=alert"
                            "(1)\\>\\_a\\|b\\&amp;**"), title
    for line in result.stdout.splitlines():
        if line.startswith("|"):  # every row of a table has as many cells as its header
            assert line.replace("\\|", "").count("|") == \
                result.stdout.split("\n|", 1)[1].split("\n")[0].count("|") + 1, line


def test_markdown_text_escapes_every_markup_character() -> None:
    from archcalc.units import markdown_text

    assert markdown_text("a_b*c`d`|e<f>[g](h)!#~&") == \
        "a\\_b\\*c\\`d\\`\\|e\\<f\\>\\[g\\](h)!#\\~\\&"
    # the dots, signs and brackets of names and numbers stay as written
    assert markdown_text("layer2.conv1 (-1) 4.2MB 34,848 (2)") == \
        "layer2.conv1 (-1) 4.2MB 34,848 (2)"
