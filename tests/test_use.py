"""`use NAME`: an answer sheet that names its network (a bundled spec or another file,
relative to the sheet) and holds only expect lines; errors located in the file they are in,
with the `use` lines they were reached through.

Hand arithmetic: input 8×8×3, CONV(4, f=3) gives (8 − 3)/1 + 1 = 6 → 6×6×4 and
3·3·3·4 + 4 = 112 params; with N filters 6×6×N and 27·N + N params.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import archcalc
from archcalc.check import run_checks
from archcalc.cli import app
from archcalc.errors import ArchError, Source, render_error
from archcalc.render.text import error_object

ROOT = Path(__file__).resolve().parent.parent
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
pytest_plugins = ["pytester"]
NET = "network small\ninput 8x8x3\nconv1: CONV(4, f=3)\n"


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), input=stdin, env=ENV)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def error_of(path: Path) -> ArchError:
    with pytest.raises(ArchError) as caught:
        analysis = archcalc.analyze(path)
        run_checks(analysis)
    return caught.value


def test_a_bundled_spec_by_name() -> None:
    analysis = archcalc.analyze(ROOT / "examples" / "answers_alexnet_use.arch")
    assert analysis.network == "AlexNet"
    wrong = [(r.target, r.figure, r.expected) for r in run_checks(analysis) if not r.passed]
    # 11·11·3·96 + 96 = 34,944, not 34,848; (13 − 3)/2 + 1 = 6, not 7
    assert wrong == [("conv1", "params", "34,848"), ("pool3", "shape", "7x7x256")]


def test_only_the_sheets_own_answers_are_checked() -> None:
    """specs/alexnet.arch has 57 expect figures of its own; the sheet has 8."""
    results = run_checks(archcalc.analyze(ROOT / "examples" / "answers_alexnet_use.arch"))
    assert len(results) == 8
    assert {r.span.line for r in results} == {10, 12, 14, 16, 18, 20}


def test_a_file_relative_to_the_sheet_not_to_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path, "nets/small.arch", NET + "expect conv1: 1x1x1\n")  # not the sheet's
    sheet = write(tmp_path, "sheets/s.arch", "use ../nets/small.arch\n"
                                             "expect conv1: 6x6x4 params=112\n")
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        result = run("check", str(sheet))
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert "s.arch  2/2 correct" in result.stdout


def test_a_quoted_path_may_hold_spaces(tmp_path: Path) -> None:
    write(tmp_path, "my nets/small.arch", NET)
    sheet = write(tmp_path, "s.arch", 'use "my nets/small.arch"\nexpect conv1: 6x6x4\n')
    assert all(r.passed for r in run_checks(archcalc.analyze(sheet)))


def test_a_used_file_may_use_another(tmp_path: Path) -> None:
    write(tmp_path, "a.arch", NET)
    write(tmp_path, "b.arch", "use a.arch\nexpect conv1: 1x1x1\n")
    sheet = write(tmp_path, "c.arch", "use b.arch\nexpect conv1: params=112\n")
    (result,) = run_checks(archcalc.analyze(sheet))
    assert result.passed and result.span.line == 2


def test_params_and_input_reach_the_used_network(tmp_path: Path) -> None:
    write(tmp_path, "p.arch", "param N = 4\ninput 8x8x3\nconv1: CONV(N, f=3)\n")
    sheet = write(tmp_path, "s.arch", "use p.arch\nexpect conv1: 6x6x8 params=224\n")
    assert run("check", str(sheet), "-D", "N=8").exit_code == 0  # 27·8 + 8 = 224
    assert run("check", str(sheet)).exit_code == 1
    # --input 10x10x3: (10 − 3)/1 + 1 = 8
    wide = write(tmp_path, "w.arch", "use p.arch\nexpect conv1: 8x8x4\n")
    assert run("check", str(wide), "--input", "10x10x3").exit_code == 0


def test_standard_input_uses_a_bundled_spec() -> None:
    result = run("check", "-", stdin="use alexnet\nexpect conv1: 55x55x96\n")
    assert result.exit_code == 0, result.output


def test_use_stays_a_label_and_a_name(tmp_path: Path) -> None:
    sheet = write(tmp_path, "s.arch", "input 8x8x3\nuse: CONV(4, f=3)\nexpect use: 6x6x4\n")
    assert [r.passed for r in run_checks(archcalc.analyze(sheet))] == [True]


def test_an_error_in_the_used_file_is_shown_there(tmp_path: Path) -> None:
    write(tmp_path, "bad.arch", "input 8x8x3\nCONV(4, f=30)\n")
    write(tmp_path, "mid.arch", "# the class network\nuse bad.arch\n")
    sheet = write(tmp_path, "s.arch", "use mid.arch\nexpect conv1: 1\n")
    err = error_of(sheet)
    assert err.source is not None and Path(err.source.name).name == "bad.arch"
    assert err.span is not None and (err.span.line, err.span.column) == (2, 1)
    lines = render_error(err).splitlines()
    assert "   2 | CONV(4, f=30)" in lines
    assert [line.split(": ", 1)[1] for line in lines if "used from" in line] == \
        ["use bad.arch", "use mid.arch"]
    assert lines[-2].startswith(f"  used from {tmp_path / 'mid.arch'}:2:1")
    assert lines[-1].startswith(f"  used from {sheet}:1:1")
    uses = json.loads(json.dumps(error_object(err)))["uses"]
    assert [(Path(u["file"]).name, u["span"]["line"]) for u in uses] == \
        [("mid.arch", 2), ("s.arch", 1)]


def test_a_syntax_error_in_the_used_file_is_shown_there(tmp_path: Path) -> None:
    write(tmp_path, "syn.arch", "input 8x8x3\nCONV(4, f=3\n")
    sheet = write(tmp_path, "s.arch", "use syn.arch\nexpect conv1: 1\n")
    err = error_of(sheet)
    assert err.source is not None and Path(err.source.name).name == "syn.arch"
    assert err.span is not None and err.span.line == 2
    assert f"used from {sheet}:1:1: use syn.arch" in render_error(err)


def test_a_wrong_expect_name_is_shown_in_the_sheet(tmp_path: Path) -> None:
    write(tmp_path, "a.arch", NET)
    sheet = write(tmp_path, "s.arch", "use a.arch\nexpect conv9: 6x6x4\n")
    err = error_of(sheet)
    assert err.source is not None and err.source.name == str(sheet)
    assert err.span is not None and (err.span.line, err.span.column) == (2, 8)
    assert "did you mean conv1?" in err.hint


@pytest.mark.parametrize(("text", "message", "line"), [
    ("use alexnt\nexpect conv1: 1\n", "no bundled spec of that name", 1),
    ("use a.arch\nuse a.arch\nexpect conv1: 1\n", "use is given twice", 2),
    ("use a.arch\nRELU\nexpect conv1: 1\n", "holds only expect lines", 2),
    ("use a.arch\ninput 8x8x3\n", "holds only expect lines", 2),
    ("use s.arch\nexpect conv1: 1\n", "a cycle of uses", 1),
])
def test_bad_uses_are_located_in_the_sheet(tmp_path: Path, text: str, message: str,
                                           line: int) -> None:
    write(tmp_path, "a.arch", NET)
    sheet = write(tmp_path, "s.arch", text)
    err = error_of(sheet)
    assert message in err.message
    assert err.source is not None and err.source.name == str(sheet)
    assert err.span is not None and err.span.line == line


def test_a_misspelt_spec_name_suggests_the_nearest(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "s.arch", "use alexnt\nexpect conv1: 1\n"))
    assert err.hint.startswith("did you mean alexnet?")


def test_a_cycle_through_two_files(tmp_path: Path) -> None:
    write(tmp_path, "b.arch", "use a.arch\n")
    sheet = write(tmp_path, "a.arch", "use b.arch\nexpect conv1: 1\n")
    err = error_of(sheet)
    assert err.message == f"a cycle of uses: {sheet} → {tmp_path / 'b.arch'} → {sheet}"
    assert err.source is not None and Path(err.source.name).name == "b.arch"
    assert [Path(s.name).name for s, _ in err.uses] == ["a.arch"]


def test_the_pytest_plugin_collects_a_sheet_and_points_at_its_use_line(
        pytester: pytest.Pytester) -> None:
    pytester.makefile(".arch", net=NET, bad="input 8x8x3\nCONV(4, f=30)\n",
                      sheet="use net.arch\nexpect conv1: 6x6x4 params=112\n",
                      broken="# a sheet\nuse bad.arch\nexpect conv1: 1\n")
    result = pytester.runpytest("--arch", "-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*used from *broken.arch:2:1: use bad.arch",
                                 "PASSED sheet.arch::conv1:shape", "FAILED broken.arch::input*"])


def test_analyze_shows_the_used_network(tmp_path: Path) -> None:
    write(tmp_path, "a.arch", NET)
    sheet = write(tmp_path, "s.arch", "use a.arch\nexpect conv1: 6x6x4\n")
    result = run("analyze", str(sheet), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["network"] == "small"


def test_source_text_uses_a_bundled_spec() -> None:
    source = Source("<text>", "use alexnet\nexpect fc6: params=37,752,832\n")
    (result,) = run_checks(archcalc.analyze(source))
    assert result.passed  # 6·6·256·4096 + 4096
