"""`expect` lines: name-checked against the analysis, then compared figure by figure."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from archcalc import ast
from archcalc.analyze import Analysis, GroupReport, LayerReport
from archcalc.errors import ArchError, Span
from archcalc.layers.base import shape_text
from archcalc.units import MAX_DIGITS, Written, grouped, parse_number

LAYER_KEYS = ("shape", "params", "weights", "buffers", "macs", "flops", "activations",
              "memory", "rf", "fits")
TOTAL_KEYS = ("shape", "params", "weights", "buffers", "macs", "flops", "activations",
              "memory", "memory_training", "rf")
FORMULA_OF = {"shape": "output", "params": "params", "weights": "params", "macs": "MACs",
              "flops": "FLOPs", "activations": "activations", "rf": "RF",
              "memory": "forward", "memory_training": "training", "fits": "output"}


@dataclass(frozen=True, slots=True)
class Result:
    """One checked figure of one expect line."""

    target: str
    key: str
    expected: str
    got: str
    passed: bool
    formula: str
    span: Span


@dataclass(frozen=True, slots=True)
class Expectation:
    target: str
    key: str
    written: str
    test: Callable[[Analysis], tuple[bool, str, str]]  # passed, got, formula
    span: Span


def compile_expects(analysis: Analysis) -> list[Expectation]:
    """Every item of every expect line, validated; an ArchError for a bad name or value."""
    names = set(analysis.names()) | {g.name for g in analysis.groups}
    compiled = []
    for line in analysis.graph.expects:
        target = line.target
        if target not in names and target not in ("total", "input"):
            raise ArchError(f"expect names no layer {target!r}", line.target_span,
                            _names_hint(target, analysis.names()))
        for check in line.checks:
            compiled.append(_compile(target, check))
    return compiled


def _names_hint(target: str, names: list[str]) -> str:
    close = difflib.get_close_matches(target, names, n=1, cutoff=0.5)
    head = f"did you mean {close[0]}? " if close else ""
    return head + "use a layer name as printed by `archcalc analyze`, `total` or `input`"


def _compile(target: str, check: ast.Check) -> Expectation:
    keys = ("shape",) if target == "input" else TOTAL_KEYS if target == "total" else LAYER_KEYS
    if check.key not in keys:
        close = difflib.get_close_matches(check.key, keys, n=1)
        raise ArchError(f"unknown figure {check.key!r} for {target}", check.span,
                        (f"did you mean {close[0]}? " if close else "")
                        + f"figures: {', '.join(keys)}")
    try:
        test = _tester(target, check.key, check.value)
    except ValueError as exc:
        raise ArchError(f"bad expected value for {check.key}: {exc}", check.span,
                        _VALUE_HINTS.get(check.key, _VALUE_HINTS["params"])) from None
    return Expectation(target, check.key, check.value, test, check.span)


_VALUE_HINTS = {
    "shape": "write a shape like 28x28x6, or one number for a vector",
    "rf": "write a size like 11, or 11x7 for H×W", "fits": "write fits=true or fits=false",
    "memory": "write bytes like 61706, 58.1MiB or 61MB",
    "memory_training": "write bytes like 61706, 58.1MiB or 61MB",
    "params": "write a number like 61,706, 61706 or 61.7K (K M G T; B never means billion)"}


def _tester(target: str, key: str, text: str) -> Callable[[Analysis], tuple[bool, str, str]]:
    if key == "shape":
        want = _shape(text)
        return lambda a: _compare_shape(want, _subject(a, target))
    if key == "rf":
        want_rf = _shape(text)
        return lambda a: _compare_rf(want_rf, _subject(a, target))
    if key == "fits":
        if text not in ("true", "false"):
            raise ValueError("fits is true or false")
        return lambda a: _compare_fits(text == "true", _subject(a, target))
    written = parse_number(text, "bytes" if key.startswith("memory") else "count")
    return lambda a: _compare_number(written, key, _subject(a, target))


def _shape(text: str) -> tuple[int, ...]:
    parts = text.replace("\u00d7", "x").split("x")
    if not all(p.isdigit() and len(p) <= MAX_DIGITS for p in parts):
        raise ValueError(f"{text!r} is not a shape like 28x28x6 or 4096")
    return tuple(int(p) for p in parts)


Subject = LayerReport | GroupReport | Analysis | tuple[int, ...]


def _subject(analysis: Analysis, target: str) -> Subject:
    if target == "total":
        return analysis
    if target == "input":
        return analysis.input
    try:
        return analysis[target]
    except KeyError:
        return analysis.group(target)


def _output(subject: Subject) -> tuple[int, ...]:
    if isinstance(subject, tuple):
        return subject
    if isinstance(subject, Analysis):
        return subject.layers[-1].output
    return subject.output


def _formula(subject: Subject, key: str) -> str:
    formulas = (dict(subject.totals.formulas) if isinstance(subject, Analysis) else
                {} if isinstance(subject, tuple) else dict(subject.formulas))
    return formulas.get(FORMULA_OF.get(key, key), "")


def _compare_shape(want: tuple[int, ...], subject: Subject) -> tuple[bool, str, str]:
    got = _output(subject)
    # A slide's 1x1x4096 is the vector 4096, and the other way round.
    same = got == want or (1, 1, *got) == want or got == (1, 1, *want)
    return same, shape_text(got), _formula(subject, "shape")


def _compare_rf(want: tuple[int, ...], subject: Subject) -> tuple[bool, str, str]:
    if isinstance(subject, tuple):
        raise AssertionError("rf of the input")
    rf = subject.layers[-1].rf if isinstance(subject, Analysis) else subject.rf
    got = (rf.h.size, rf.w.size)
    text = _n(got[0]) if got[0] == got[1] else f"{_n(got[0])}x{_n(got[1])}"
    wanted = (want[0], want[0]) if len(want) == 1 else want
    return got == tuple(wanted), text, _formula(subject, "rf")


def _compare_fits(want: bool, subject: Subject) -> tuple[bool, str, str]:
    assert isinstance(subject, (LayerReport, GroupReport))
    note = subject.note if isinstance(subject, LayerReport) else "a member does not fit"
    return subject.fits == want, "true" if subject.fits else f"false ({note})", \
        _formula(subject, "fits")


def _compare_number(written: Written, key: str, subject: Subject) -> tuple[bool, str, str]:
    got = _figure(subject, key)
    return written.matches(got), grouped(got), _formula(subject, key)


def _figure(subject: Subject, key: str) -> int:
    if isinstance(subject, Analysis):
        attribute = {"memory": "memory_forward"}.get(key, key)
        return int(getattr(subject.totals, attribute))
    assert isinstance(subject, (LayerReport, GroupReport))
    return int(getattr(subject, key))


def _n(value: int | Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def run_checks(analysis: Analysis) -> list[Result]:
    """Every expect item of the file, checked against `analysis`."""
    results = []
    for exp in compile_expects(analysis):
        passed, got, formula = exp.test(analysis)
        results.append(Result(exp.target, exp.key, exp.written, got, passed, formula,
                              exp.span))
    return results
