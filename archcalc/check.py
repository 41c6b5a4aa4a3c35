"""`expect` lines: name-checked against the analysis, then compared figure by figure.

Results are data — the value got (a count, a shape, a field size, a flag) beside the value
written — and archcalc/render/checks.py words them, with the arithmetic from render/explain.py.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from archcalc import ast
from archcalc.analyze import Analysis, GroupReport, LayerReport
from archcalc.errors import ArchError, Source, Span
from archcalc.figures import COUNTS, MEMORY, Column
from archcalc.syntax_catalogue import lookalike_hint
from archcalc.units import MAX_DIGITS, Written, parse_number

Shape = tuple[int, ...]
Got = int | Shape | tuple[int | Fraction, int | Fraction] | bool  # count, shape, RF H×W, fits

# What an expect line may check, by its target, and the key each is written with.
LAYER_CHECKS = (Column.output, *COUNTS, Column.rf, Column.fits)
TOTAL_CHECKS = (Column.output, *COUNTS, Column.trainable,
                *(c for c in MEMORY if c is not Column.memory), Column.rf)
INPUT_CHECKS = (Column.output,)


def expect_key(column: Column) -> str:
    """The key an expect line writes for a column: `shape` for the output."""
    return "shape" if column is Column.output else column.value


# Other names a total may be checked by: the slides' word for the forward figure.
TOTAL_ALIASES = {"memory_forward": Column.memory}


class NoExpects(ArchError):
    """A file given to `archcalc check` that states no answers: nothing to check is not a
    pass (an answer sheet without answers must not grade as right)."""

    def __init__(self, source: Source, lines: int = 0) -> None:
        what = "its expect lines check no figure" if lines else "the file has no expect lines"
        super().__init__(f"nothing to check: {what}", None,
                         "an answer sheet states its answers, like `expect conv1: 55x55x96 "
                         "params=34,944`; `archcalc analyze` shows a network without checking",
                         source)


@dataclass(frozen=True, slots=True)
class Result:
    """One checked figure of one expect line: as written, as computed, and whether they
    agree."""

    target: str
    column: Column
    expected: str
    got: Got
    passed: bool
    span: Span
    key: str = ""  # the figure as written (`memory_forward`); "" for the column's own key

    @property
    def figure(self) -> str:
        return self.key or expect_key(self.column)


@dataclass(frozen=True, slots=True)
class Expectation:
    target: str
    column: Column
    written: str
    test: Callable[[Analysis], tuple[bool, Got]]  # passed, got
    span: Span
    key: str = ""

    def result(self, analysis: Analysis) -> Result:
        passed, got = self.test(analysis)
        return Result(self.target, self.column, self.written, got, passed, self.span, self.key)


def compile_expects(analysis: Analysis, names: bool = True) -> list[Expectation]:
    """Every item of every expect line, validated; an ArchError for a bad value, or (with
    `names`) a target the network does not have, located in the file of the expect lines."""
    known = set(analysis.names()) | {g.name for g in analysis.groups}
    compiled = []
    try:
        for line in analysis.graph.expects:
            target = line.target
            if names and target not in known and target not in ("total", "input"):
                raise ArchError(f"expect names no layer {target!r}", line.target_span,
                                _names_hint(target, analysis.names()))
            compiled += [_compile(target, item) for item in line.checks]
    except ArchError as err:
        raise err.located(analysis.graph.expect_source) from None
    return compiled


def _names_hint(target: str, names: list[str]) -> str:
    close = difflib.get_close_matches(target, names, n=1, cutoff=0.5)
    head = f"did you mean {close[0]}? " if close else ""
    return head + "use a layer name as printed by `archcalc analyze`, `total` or `input`"


def _compile(target: str, item: ast.ExpectItem) -> Expectation:
    allowed = INPUT_CHECKS if target == "input" else TOTAL_CHECKS if target == "total" \
        else LAYER_CHECKS
    keys = {expect_key(c): c for c in allowed} | (TOTAL_ALIASES if target == "total" else {})
    if item.key not in keys:
        close = difflib.get_close_matches(item.key, list(keys), n=1)
        raise ArchError(f"unknown figure {item.key!r} for {target}", item.span,
                        (f"did you mean {close[0]}? " if close else "")
                        + f"figures: {', '.join(keys)}")
    column = keys[item.key]
    try:
        test = _tester(target, column, item.value)
    except ValueError as exc:
        hint = next(filter(None, map(lookalike_hint, item.value)), None) or _VALUE_HINTS.get(
            "bytes" if column.unit == "bytes" else column.value, _COUNT_HINT)
        raise ArchError(f"bad expected value for {item.key}: {exc}", item.span, hint) from None
    return Expectation(target, column, item.value, test, item.span,
                       "" if item.key == expect_key(column) else item.key)


_COUNT_HINT = "write a number like 61,706, 61706 or 61.7K (K M G T; B never means billion)"
_VALUE_HINTS = {
    "output": "write a shape like 28x28x6, or one number for a vector",
    "rf": "write a size like 11, or 11x7 for H×W", "fits": "write fits=true or fits=false",
    "bytes": "write bytes like 61706, 58.1MiB or 61MB", "count": _COUNT_HINT}


def _tester(target: str, column: Column, text: str) -> Callable[[Analysis], tuple[bool, Got]]:
    if column is Column.output:
        want = _shape(text, 3, "a shape like 28x28x6 or 4096")
        return lambda a: _compare_shape(want, _subject(a, target))
    if column is Column.rf:
        want_rf = _shape(text, 2, "a size like 11 or 11x7")
        return lambda a: _compare_rf(want_rf, _subject(a, target))
    if column is Column.fits:
        if text not in ("true", "false"):
            raise ValueError("fits is true or false")
        return lambda a: _compare_fits(text == "true", _subject(a, target))
    written = parse_number(text, column.unit)
    return lambda a: _compare_number(written, column, _subject(a, target))


def _shape(text: str, most: int, example: str) -> Shape:
    """Sizes in ASCII digits, at most `most` of them (a shape is H×W×C; a field H×W)."""
    parts = text.replace("\u00d7", "x").split("x")
    if not all(p.isascii() and p.isdigit() and len(p) <= MAX_DIGITS for p in parts):
        raise ValueError(f"{text!r} is not {example}")
    if len(parts) > most:
        raise ValueError(f"{text!r} has {len(parts)} sizes; at most {most}")
    if any(int(p) == 0 for p in parts):
        raise ValueError(f"{text!r} has a size 0; sizes are at least 1")
    return tuple(int(p) for p in parts)


Subject = LayerReport | GroupReport | Analysis | Shape


def _subject(analysis: Analysis, target: str) -> Subject:
    if target == "total":
        return analysis
    if target == "input":
        return analysis.input
    try:
        return analysis[target]
    except KeyError:
        return analysis.group(target)


def _output(subject: Subject) -> Shape:
    if isinstance(subject, tuple):
        return subject
    if isinstance(subject, Analysis):
        return subject.layers[-1].output
    return subject.output


def _compare_shape(want: Shape, subject: Subject) -> tuple[bool, Got]:
    got = _output(subject)
    # A slide's 1x1x4096 is the vector 4096, and the other way round.
    return got == want or (1, 1, *got) == want or got == (1, 1, *want), got


def _compare_rf(want: Shape, subject: Subject) -> tuple[bool, Got]:
    if isinstance(subject, tuple):
        raise AssertionError("rf of the input")
    rf = subject.layers[-1].rf if isinstance(subject, Analysis) else subject.rf
    got = (rf.h.size, rf.w.size)
    wanted = (want[0], want[0]) if len(want) == 1 else want
    return got == tuple(wanted), got


def _compare_fits(want: bool, subject: Subject) -> tuple[bool, Got]:
    assert isinstance(subject, (LayerReport, GroupReport))
    return subject.fits == want, subject.fits


def _compare_number(written: Written, column: Column, subject: Subject) -> tuple[bool, Got]:
    got = _figure(subject, column)
    return written.matches(got), got


def _figure(subject: Subject, column: Column) -> int:
    if isinstance(subject, Analysis):
        totals = subject.totals
        return totals[column]
    assert isinstance(subject, (LayerReport, GroupReport))
    return subject[column]


def run_checks(analysis: Analysis) -> list[Result]:
    """Every expect item of the file, checked against `analysis`."""
    return [exp.result(analysis) for exp in compile_expects(analysis)]


def canonical(column: Column, text: str) -> object:
    """An expected value as a value, so that answers written alike count as one: `34,848` and
    `34848`; `55x55x96` and `55×55×96`; `4096` and `1x1x4096`; an RF `11` and `11x11`."""
    if column is Column.output:
        shape = _shape(text, 3, "")
        return shape[2:] if shape[:2] == (1, 1) else shape
    if column is Column.rf:
        field = _shape(text, 2, "")
        return field * 2 if len(field) == 1 else field
    if column is Column.fits:
        return text
    written = parse_number(text, column.unit)
    return written.value, written.precision
