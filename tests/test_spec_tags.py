"""Every `expect` line of the zoo says where its figures come from (specs/README.md).

A trailing `# published: <source>` marks a figure printed in a slide, paper or table (an oracle
from outside); `# hand: <arithmetic>` an exact value derived by hand from the layer's
hyperparameters. `# hand: see above` points at the arithmetic in the comment block just above,
so it needs a comment line within the 12 lines before it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parent.parent / "specs"
SEE_ABOVE_REACH = 12

_EXPECT = re.compile(r"\s*expect\b")
_TAG = re.compile(r"#\s*(published|hand):\s*(.*)$")


def tag_problems(text: str) -> list[tuple[int, str]]:
    """(line number, problem) for each expect line of `text` without a valid tag."""
    lines = text.splitlines()
    problems = []
    for number, line in enumerate(lines, start=1):
        if not _EXPECT.match(line):
            continue
        comment = line[line.index("#"):] if "#" in line else ""
        tag = _TAG.match(comment)
        if tag is None:
            problems.append((number, "no `# published: <source>` or `# hand: <arithmetic>` tag"))
            continue
        kind, says = tag.group(1), tag.group(2).strip()
        if not says:
            what = "source" if kind == "published" else "arithmetic"
            problems.append((number, f"`# {kind}:` names no {what}"))
        elif kind == "hand" and says.startswith("see above"):
            above = lines[max(0, number - 1 - SEE_ABOVE_REACH):number - 1]
            if not any(previous.lstrip().startswith("#") for previous in above):
                problems.append((number, f"`# hand: see above` with no comment line in the "
                                         f"{SEE_ABOVE_REACH} lines above"))
    return problems


def spec_files() -> list[Path]:
    return sorted(SPECS.glob("**/*.arch"))


def test_every_expect_line_of_the_zoo_is_tagged() -> None:
    files = spec_files()
    assert len(files) >= 40, f"the zoo is missing: {len(files)} .arch files under {SPECS}"
    expect_lines = 0
    report = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        expect_lines += sum(1 for line in text.splitlines() if _EXPECT.match(line))
        report += [f"{path.relative_to(SPECS.parent)}:{number}: {problem}"
                   for number, problem in tag_problems(text)]
    assert expect_lines > 0
    assert not report, "\n".join(report)


# The checker itself: each of these must be caught, or the test above proves nothing.

@pytest.mark.parametrize("line", [
    "expect conv1: 55x55x96",
    "expect conv1: 55x55x96   # as the slide prints it",
    "expect conv1: 55x55x96   # published:",
    "expect conv1: 55x55x96   # hand:   ",
    "expect conv1: 55x55x96   # computed: 55·55·96",
    "  expect total: params=61,706   # see lenet5.arch",
])
def test_untagged_lines_are_reported(line: str) -> None:
    assert [number for number, _ in tag_problems(f"network n\n{line}\n")] == [2]


@pytest.mark.parametrize("line", [
    "expect conv1: params=35K   # published: seed 004, CS182 AlexNet CONV1",
    "expect conv1: params=34,944   # hand: (11·11·3)·96 + 96",
    "expect fc: 1000   #hand: FC(1000)",
])
def test_tagged_lines_pass(line: str) -> None:
    assert tag_problems(f"network n\n{line}\n") == []


def test_see_above_needs_a_comment_within_reach() -> None:
    layers = ["conv: CONV(8)"] * (SEE_ABOVE_REACH - 1)
    near = ["# 3·3·3·8 + 8 = 224", *layers, "expect conv: params=224   # hand: see above"]
    far = ["# 3·3·3·8 + 8 = 224", "", *layers, "expect conv: params=224   # hand: see above"]
    tagged_line_above = ["expect conv: 8x8x8   # hand: CONV(8)", *layers,
                         "expect conv: params=224   # hand: see above"]
    assert tag_problems("\n".join(near)) == []
    assert [n for n, _ in tag_problems("\n".join(far))] == [SEE_ABOVE_REACH + 2]
    assert [n for n, _ in tag_problems("\n".join(tagged_line_above))] == [SEE_ABOVE_REACH + 1]


def test_lines_that_only_mention_expect_are_not_expect_lines() -> None:
    assert tag_problems("# expect conv1: 55x55x96\nexpected: CONV(8)\n") == []
