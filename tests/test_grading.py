"""Grading a class: the score of each sheet of examples/class/ and the class summary per
question, counted by hand from the sheets and the AlexNet arithmetic below.

AlexNet at 227×227×3 (CS231n lecture 5; Krizhevsky et al. 2012 with the 227 input):
  conv1  (227 − 11)/4 + 1 = 55 → 55×55×96; params 11·11·3·96 + 96 = 34,944 (35K on the slide)
  pool1  (55 − 3)/2 + 1 = 27 → 27×27×96, no params
  pool3  (13 − 3)/2 + 1 = 6 → 6×6×256
  fc6    6·6·256·4096 + 4096 = 37,752,832 (37.8M; without biases 37,748,736)
  total  params 62,378,344 (62.4M), the paper's "60 million"
  memory 1,049,571 activations × 4 B = 4,198,284 B forward, × 2 for backward = 8,396,568 B
         (8.4MB; 4.2MB is the forward figure, wrong for backward)

The sheets (examples/class/*.arch), answer by answer (✓ right, ✗ wrong, – not answered):
  question               alice  bob        carol       dave
  conv1 shape            ✓      ✓          ✗ 54x54x96  ✓
  conv1 params           ✓      ✗ 34,848   ✓ 35K       ✗ 34848
  pool1 shape            ✓      ✓          ✓           ✓
  pool1 params           ✓      ✓          ✓           ✓
  pool3 shape            ✓      ✗ 7x7x256  ✓           ✗ 7x7x256
  fc6 params             ✓      ✓          ✗ 37,748,736 ✓
  total params           ✓      ✓          ✓           –
  total memory_backward  ✓      ✗ 4.2MB    ✓           –
  score                  8/8    5/8        6/8         4/6
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import archcalc
from archcalc.check import canonical, run_checks
from archcalc.cli import app
from archcalc.figures import Column
from archcalc.grading import Question, summaries
from archcalc.render.grading import wrong_text

ROOT = Path(__file__).resolve().parent.parent
CLASS = ROOT / "examples" / "class"
SHEETS = [f"examples/class/{name}.arch" for name in ("alice", "bob", "carol", "dave")]
SCORES = {"alice": (8, 8), "bob": (5, 8), "carol": (6, 8), "dave": (4, 6)}
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}

# (name, figure): right answer, sheets answering, sheets right, wrong answers (sheets)
QUESTIONS = {
    ("conv1", "shape"): ([55, 55, 96], 4, 3, [("54x54x96", 1)]),
    ("conv1", "params"): (11 * 11 * 3 * 96 + 96, 4, 2, [("34,848", 2)]),
    ("pool1", "shape"): ([27, 27, 96], 4, 4, []),
    ("pool1", "params"): (0, 4, 4, []),
    ("pool3", "shape"): ([6, 6, 256], 4, 2, [("7x7x256", 2)]),
    ("fc6", "params"): (6 * 6 * 256 * 4096 + 4096, 4, 3, [("37,748,736", 1)]),
    ("total", "params"): (62_378_344, 3, 3, []),
    ("total", "memory_backward"): (2 * 4 * 1_049_571, 3, 2, [("4.2MB", 1)]),
}


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the sheets by their short names, as a TA types them


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=ENV)


def test_a_score_line_per_sheet() -> None:
    result = run("check", *SHEETS)
    assert result.exit_code == 1  # some answers are wrong
    for name, (right, total) in SCORES.items():
        assert f"{name}.arch  {right}/{total} correct" in result.stdout
    right = sum(r for r, _ in SCORES.values())
    assert f"{right} passed, {sum(t for _, t in SCORES.values()) - right} failed in 4 files" \
        in result.stdout


def test_each_wrong_answer_names_its_sheet_line_and_formula() -> None:
    out = run("check", *SHEETS).stdout
    assert "bob.arch:4: conv1 params: expected 34,848, got 34,944" in out
    assert "(11·11·3)·96 + 96 = 34,944" in out
    assert "carol.arch:4: conv1 shape: expected 54x54x96, got 55×55×96" in out
    assert "dave.arch:6: pool3 shape: expected 7x7x256, got 6×6×256" in out
    assert "alice.arch:" not in out  # all right: no failure line


def test_the_class_summary_as_json() -> None:
    result = run("check", *SHEETS, "--format", "json")
    doc = json.loads(result.stdout)
    assert [(f["file"], f["correct"], f["total"]) for f in doc["files"]] == \
        [(s, *SCORES[Path(s).stem]) for s in SHEETS]
    (summary,) = doc["summaries"]
    assert summary["network"] == "AlexNet" and summary["sheets"] == 4
    got = {(q["name"], q["figure"]): (q["answer"], q["answered"], q["right"],
                                      [(w["expected"], w["sheets"]) for w in q["wrong"]])
           for q in summary["questions"]}
    assert got == QUESTIONS
    assert list(got) == list(QUESTIONS)  # in the order the sheets ask them
    wrong = {(q["name"], q["figure"]): q["wrong"] for q in summary["questions"]}
    assert wrong[("conv1", "params")][0]["value"] == 34_848


def test_the_class_summary_table() -> None:
    out = run("check", *SHEETS, "--width", "80").stdout
    assert "class summary: AlexNet, 4 sheets" in out
    rows = {tuple(line.split()[:2]): line for line in out.split("class summary")[1]
            .splitlines()[3:11]}
    assert rows[("conv1", "params")].split()[2:] == ["2/4", "34,944", "34,848", "(2)"]
    assert rows[("total", "memory_backward")].split()[2:] == \
        ["2/4", "8,396,568", "B", "4.2MB", "(1),", "none", "(1)"]
    assert rows[("pool1", "shape")].split()[2:] == ["4/4", "27×27×96"]


def test_the_summary_csv() -> None:
    lines = run("check", *SHEETS, "--format", "csv", "--summary").stdout.splitlines()
    assert lines[0] == "network,sheets,name,figure,answer,answered,right,wrong"
    assert 'AlexNet,4,conv1,params,34944,4,2,"34,848 (2)"' in lines
    assert "AlexNet,4,pool3,shape,6x6x256,4,2,7x7x256 (2)" in lines


def test_a_summary_for_each_network_of_two_sheets_or_more(tmp_path: Path) -> None:
    lenet = tmp_path / "lenet.arch"
    lenet.write_text("use lenet5\nexpect conv1: 28x28x6\n")  # (32 − 5)/1 + 1 = 28
    doc = json.loads(run("check", *SHEETS[:2], str(lenet), "-f", "json").stdout)
    assert [s["network"] for s in doc["summaries"]] == ["AlexNet"]  # one LeNet sheet: none
    doc = json.loads(run("check", str(lenet), "--summary", "-f", "json").stdout)
    assert [(s["network"], s["sheets"]) for s in doc["summaries"]] == [("LeNet5", 1)]
    doc = json.loads(run("check", *SHEETS, "--no-summary", "-f", "json").stdout)
    assert doc["summaries"] == []


def test_several_sheets_show_scores_and_wrong_answers_not_every_table() -> None:
    header = ["line", "name", "figure", "expected", "got"]
    out = run("check", *SHEETS).stdout
    assert not [line for line in out.splitlines() if line.split() == header]
    verbose = run("check", *SHEETS, "--verbose").stdout
    assert len([line for line in verbose.splitlines() if line.split() == header]) == 4


@pytest.mark.parametrize(("column", "a", "b"), [
    (Column.params, "34,848", "34848"), (Column.output, "55x55x96", "55×55×96"),
    (Column.output, "1x1x4096", "4096"), (Column.rf, "11", "11x11"),
])
def test_answers_written_alike_are_one_answer(column: Column, a: str, b: str) -> None:
    assert canonical(column, a) == canonical(column, b)


def test_answers_at_different_precision_are_different_answers() -> None:
    assert canonical(Column.params, "35K") != canonical(Column.params, "35,000")


def test_a_sheet_answering_a_question_twice_counts_once(tmp_path: Path) -> None:
    twice = tmp_path / "twice.arch"
    twice.write_text("use alexnet\nexpect conv1: params=34,944\nexpect conv1: params=35K\n"
                     "expect pool3: 7x7x256\nexpect pool3: 7x7x256\n")
    sheets = []
    for file in (twice, CLASS / "alice.arch"):
        analysis = archcalc.analyze(file)
        sheets.append((analysis, run_checks(analysis)))
    questions = {(q.target, q.figure): q for q in summaries(sheets)[0].questions}
    assert (questions["conv1", "params"].answered, questions["conv1", "params"].right) == (2, 2)
    pool3 = questions["pool3", "shape"]
    assert (pool3.answered, pool3.right, pool3.wrong) == (2, 1, (("7x7x256", 1),))


def test_wrong_answers_beyond_three_are_counted() -> None:
    q = Question("conv1", Column.params, 34_944, 7, 1,
                 (("34,848", 3), ("35,000", 1), ("34K", 1), ("1", 1)))
    assert wrong_text(q, 9) == "34,848 (3), 35,000 (1), 34K (1), +1 more, none (2)"
