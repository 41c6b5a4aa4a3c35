"""`sweep`: every combination of param ranges and optional elements, analyzed from one parse.

A range is `N=1..5` (inclusive), `N=1,2,4` or `N=3`. Each `?` element is tried present and
absent. A configuration is invalid when a layer cannot be built (an output ≤ 0, a shape
mismatch, ...); the reason names the layer.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from archcalc import paused_gc
from archcalc.analyze import Notes, analyze_graph
from archcalc.errors import ArchError, Source, Span
from archcalc.expand import expand
from archcalc.figures import COUNTS, Column, Figures
from archcalc.limits import Limits
from archcalc.settings import Settings
from archcalc.syntax import parse
from archcalc.units import parse_number
from archcalc.values import Value, parse_value

# What a sweep reports per configuration, sorts by and filters on.
SWEEP_COLUMNS = (*COUNTS, Column.memory_training, Column.rf, Column.layers)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome(Figures):
    """One configuration and the network's figures (all zero when it is invalid); memory is
    the forward memory per image."""

    values: tuple[tuple[str, Value], ...]
    optional: tuple[bool, ...]  # each `?` element: present or absent
    valid: bool
    error: str = ""  # why it is invalid
    noted: tuple[str, Notes] | None = None  # the first layer with a note, and its note
    layers: int = 0
    rf: int | Fraction = 0  # the last layer's field, the larger axis
    memory_training: int = 0

    def value(self, column: Column) -> int | Fraction | bool:
        """The configuration's value of a sweep column (or `valid`)."""
        if column in COUNTS:
            return self[column]
        return {Column.memory_training: self.memory_training, Column.rf: self.rf,
                Column.layers: self.layers, Column.valid: self.valid}[column]


def parse_ranges(items: Sequence[str], limit: int = 100_000) -> dict[str, list[Value]]:
    """`N=1..5`, `N=1,2,4`, `N=3` → {name: values}; ValueError for anything else, and
    for a range of more than `limit` values (refused before it is listed)."""
    ranges: dict[str, list[Value]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"{item!r}: write NAME=1..5, NAME=1,2,4 or NAME=3")
        span = re.fullmatch(r"\s*(-?\d{1,15})\s*\.\.\s*(-?\d{1,15})\s*", text)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            if high < low:
                raise ValueError(f"{item!r}: the range is empty")
            if high - low >= limit:
                raise ValueError(f"{name.strip()}={low}..{high} has {high - low + 1:,} values, "
                                 f"more than --max-configs {limit:,} allows")
            ranges[name.strip()] = list(range(low, high + 1))
        else:
            ranges[name.strip()] = [parse_value(part.strip()) for part in text.split(",")]
    return ranges


def count(ranges: Mapping[str, list[Value]], optionals: int) -> int:
    total = 1 << optionals
    for values in ranges.values():
        total *= len(values)
    return total


class Sweep:
    """A parsed description, ready to be expanded and analyzed for many configurations."""

    def __init__(self, source: Source, ranges: Mapping[str, list[Value]],
                 settings: Settings = Settings(), limits: Limits = Limits(),
                 input_shape: tuple[int, ...] | None = None) -> None:
        self.source = source
        self.input_shape = input_shape
        self.program = parse(source, limits.max_depth)
        self.ranges = dict(ranges)
        self.settings = settings
        self.limits = limits
        self.spans = self._optionals()
        self.optionals = [span.start for span in self.spans]

    def _optionals(self) -> list[Span]:
        """The `?` elements met when every one is present."""
        first = {name: values[0] for name, values in self.ranges.items()}
        try:
            graph = expand(self.program, self.source, first, True, self.limits,
                           self.input_shape)
        except ArchError as err:
            if "declares no param" in err.message:
                raise err.located(self.source) from None
            return []
        return list(graph.optionals)

    def __len__(self) -> int:
        return self.configurations

    @property
    def configurations(self) -> int:
        """The number of configurations (may exceed what len() can return)."""
        return count(self.ranges, len(self.optionals))

    def run(self) -> Iterator[Outcome]:
        names = list(self.ranges)
        for values in itertools.product(*self.ranges.values()):
            for present in itertools.product((True, False), repeat=len(self.optionals)):
                with paused_gc():
                    outcome = self.one(dict(zip(names, values, strict=True)), present)
                yield outcome

    def one(self, values: dict[str, Value], present: tuple[bool, ...]) -> Outcome:
        choice = dict(zip(self.optionals, present, strict=True))
        key = (tuple(values.items()), present)
        try:
            graph = expand(self.program, self.source, values, choice, self.limits,
                           self.input_shape)
            analysis = analyze_graph(graph, self.settings, detail=False)
        except ArchError as err:
            return Outcome(values=key[0], optional=key[1], valid=False,
                           error=err.message + (f" ({err.hint})" if err.hint else ""))
        noted = next(((r.name, r.notes) for r in analysis.layers if r.notes), None)
        last = analysis.layers[-1].rf
        t = analysis.totals
        figures = {**asdict(t.counts()), "memory": t.memory // self.settings.batch}
        return Outcome(**figures, values=key[0], optional=key[1], valid=True, noted=noted,
                       layers=len(analysis.layers), rf=max(last.h.size, last.w.size),
                       memory_training=t.memory_training)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt, "=": operator.eq}
_CLAUSE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>|=)\s*(\S+)\s*")


def where(expression: str) -> Callable[[Outcome], bool]:
    """A filter from `params < 1M and rf >= 32 and N == 2` (clauses joined by `and`)."""
    tests = []
    for clause in re.split(r"\s+and\s+", expression.strip()):
        match = _CLAUSE.fullmatch(clause)
        if not match:
            raise ValueError(f"{clause!r}: write NAME OP VALUE, e.g. params < 1M "
                             "(OP: < <= > >= == !=)")
        name, op, text = match.groups()
        unit = Column(name).unit if name in COLUMN_NAMES else "count"
        wanted: object = (text.lower() == "true") if text.lower() in ("true", "false") \
            else parse_number(text, unit).value
        tests.append((name, _OPERATORS[op], wanted))
    return lambda outcome: all(cmp(_field(outcome, name), wanted)
                               for name, cmp, wanted in tests)


COLUMN_NAMES = {c.value for c in (*SWEEP_COLUMNS, Column.valid)}


def _field(outcome: Outcome, name: str) -> object:
    if name in COLUMN_NAMES:
        return outcome.value(Column(name))
    values = dict(outcome.values)
    if name not in values:
        raise ValueError(f"--where: unknown name {name!r}; use "
                         f"{', '.join(sorted(COLUMN_NAMES))} or a swept param "
                         f"({', '.join(values) or 'none'})")
    return values[name]


def sort(outcomes: list[Outcome], key: Column | None) -> list[Outcome]:
    """In the order generated, or by `key` ascending with the valid configurations first."""
    if key is None:
        return outcomes
    return sorted(outcomes, key=lambda o: (not o.valid, o.value(key)))


def optional_labels(source: Source, spans: Sequence[Span]) -> list[str]:
    """Short labels for the `?` elements: their text in the source, e.g. `POOL?` (comments
    dropped, long ones clipped), with line and column added where two would read alike."""
    texts = []
    for span in spans:
        text = " ".join(re.sub(r"#[^\n]*", "", source.text[span.start:span.end]).split())
        texts.append(text if len(text) <= 40 else f"{text[:20]}…{text[-19:]}")
    alike = Counter(texts)
    return [t if alike[t] == 1 else f"{t} @{s.line}:{s.column}"
            for t, s in zip(texts, spans, strict=True)]
