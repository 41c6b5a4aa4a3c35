"""Scores and the class summary of `archcalc check`, as data (archcalc/render/checks.py and
render/grading.py word them).

A sheet's score counts its checked figures. The class summary takes the sheets that check the
same network (by its name) and, per question — a figure of a layer, group or total, with its
right answer — counts the sheets that answered it and those that answered it right, and
lists the wrong answers, most common first. Answers written alike are one answer (`34,848`
and `34848`; check.canonical); each keeps the first spelling met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archcalc.analyze import Analysis
from archcalc.check import Got, Result, canonical, expect_key
from archcalc.figures import Column

Sheet = tuple[Analysis, Sequence[Result]]  # a file's analysis and its checked figures


def score(sheet: Sheet) -> tuple[int, int]:
    """Right answers and answers (checked figures) of a sheet: `12/14 correct`."""
    return sum(r.passed for r in sheet[1]), len(sheet[1])


@dataclass(frozen=True, slots=True)
class Question:
    """A figure of a target, its right answer, and how the sheets answered it."""

    target: str
    column: Column
    answer: Got  # the value computed: the right answer
    answered: int  # sheets with an expect item for it
    right: int  # of those, the sheets whose every answer to it is right
    wrong: tuple[tuple[str, int], ...]  # wrong answers as first written, with their sheets

    @property
    def figure(self) -> str:
        return expect_key(self.column)


@dataclass(frozen=True, slots=True)
class Summary:
    """The questions of the sheets that check one network."""

    network: str
    sheets: int
    questions: tuple[Question, ...]


def summaries(sheets: Sequence[Sheet], least: int = 2) -> list[Summary]:
    """A summary per network checked by at least `least` sheets, in the order met."""
    by_network: dict[str, list[Sheet]] = {}
    for sheet in sheets:
        by_network.setdefault(sheet[0].network, []).append(sheet)
    return [Summary(network, len(group), tuple(_questions(group)))
            for network, group in by_network.items() if len(group) >= least]


_Key = tuple[str, Column, object]  # target, figure, the right answer (as a hashable value)


def _questions(sheets: list[Sheet]) -> list[Question]:
    answered: dict[_Key, int] = {}
    right: dict[_Key, int] = {}
    answers: dict[_Key, Got] = {}
    wrong: dict[_Key, dict[object, int]] = {}  # a wrong value → the sheets that wrote it
    spelled: dict[object, str] = {}  # a wrong value → its first spelling
    for _, results in sheets:
        mine: dict[_Key, list[Result]] = {}
        for r in results:
            key: _Key = (r.target, r.column, r.got)
            mine.setdefault(key, []).append(r)
            answers.setdefault(key, r.got)
        for key, answers_to_it in mine.items():
            answered[key] = answered.get(key, 0) + 1
            right[key] = right.get(key, 0) + all(r.passed for r in answers_to_it)
            counts = wrong.setdefault(key, {})
            for value in dict.fromkeys(_value(r, spelled) for r in answers_to_it
                                       if not r.passed):
                counts[value] = counts.get(value, 0) + 1
    return [Question(key[0], key[1], answers[key], answered[key], right[key],
                     _most_common(wrong[key], spelled)) for key in answered]


def _value(r: Result, spelled: dict[object, str]) -> object:
    value = (r.column, canonical(r.column, r.expected))
    spelled.setdefault(value, r.expected)
    return value


def _most_common(counts: dict[object, int], spelled: dict[object, str]
                 ) -> tuple[tuple[str, int], ...]:
    """Wrong answers by how many sheets wrote them, the first met first among equals."""
    ranked = sorted(enumerate(counts.items()), key=lambda item: (-item[1][1], item[0]))
    return tuple((spelled[value], count) for _, (value, count) in ranked)
