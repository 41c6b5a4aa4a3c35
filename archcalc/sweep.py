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

from archcalc import ast, paused_gc
from archcalc.analyze import Notes, analyze_graph
from archcalc.errors import ArchError, Source, Span
from archcalc.expand import expand
from archcalc.figures import COUNTS, Column, Figures
from archcalc.limits import Limits
from archcalc.settings import Settings
from archcalc.syntax import parse
from archcalc.units import parse_number
from archcalc.values import Value, described, parse_value

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
    hint: str = ""
    error_at: Span | None = None  # where
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
        if name.strip() in ranges:
            raise ValueError(f"-D {name.strip()} is given twice: give all its values in one, "
                             f"like {name.strip()}=1,2,4")
        span = re.fullmatch(r"\s*(-?[0-9]{1,15})\s*\.\.\s*(-?[0-9]{1,15})\s*", text)
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
        self.program = parse(source, limits.max_depth, limits.max_layers)
        self.ranges = dict(ranges)
        self.settings = settings
        self.limits = limits
        self.spans = self._optionals()
        self.optionals = [span.start for span in self.spans]

    def _optionals(self) -> list[Span]:
        """The `?` elements of the network: those of its lines and of the blocks they call,
        whatever the params (a configuration that repeats one zero times, or fails, still
        sweeps it), in source order; and the -D names, checked against the file's params."""
        declared = {a.name for st in self.program.statements if isinstance(st, ast.Param)
                    for a in st.assigns}
        unknown = sorted(set(self.ranges) - declared)
        if unknown:
            raise ArchError(f"-D {unknown[0]}: the file declares no param {unknown[0]!r}",
                            None, f"params: {', '.join(sorted(declared)) or 'none'}",
                            self.source)
        return optionals_of(self.program)

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
            return Outcome(values=key[0], optional=key[1], valid=False, error=err.message,
                           hint=err.hint, error_at=err.span)
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
    """A filter from `params < 1M and rf >= 32 and N == 2` (clauses joined by `and`). A
    clause on a figure holds only for valid configurations (an invalid one has no figures);
    `valid == false` keeps the invalid ones."""
    tests = []
    for clause in re.split(r"\s+and\s+", expression.strip()):
        match = _CLAUSE.fullmatch(clause)
        if not match:
            raise ValueError(f"{clause!r}: write NAME OP VALUE, e.g. params < 1M "
                             "(OP: < <= > >= == !=)")
        name, op, text = match.groups()
        tests.append(_clause(clause, name, op, text))
    return lambda outcome: all(test(outcome) for test in tests)


COLUMN_NAMES = {c.value for c in (*SWEEP_COLUMNS, Column.valid)}


def _clause(clause: str, name: str, op: str, text: str) -> Callable[[Outcome], bool]:
    compare = _OPERATORS[op]
    if name in COLUMN_NAMES:
        column = Column(name)
        if column is Column.valid:
            if text.lower() not in ("true", "false"):
                raise ValueError(f"--where {clause!r}: valid is true or false")
            return lambda o: bool(compare(o.valid, text.lower() == "true"))
        wanted = parse_number(text, column.unit).value
        return lambda o: o.valid and bool(compare(o.value(column), wanted))
    want = parse_value(text)

    def test(o: Outcome) -> bool:
        values = dict(o.values)
        if name not in values:
            raise ValueError(f"--where: unknown name {name!r}; use "
                             f"{', '.join(sorted(COLUMN_NAMES))} or a swept param "
                             f"({', '.join(values) or 'none'})")
        got = values[name]
        if op not in ("==", "!=", "=") and not _ordered(got, want):
            raise ValueError(f"--where {clause!r}: {name} is {described(got)}; words and "
                             "sizes compare only with == and !=")
        return bool(compare(got, want))

    return test


def _ordered(a: Value, b: Value) -> bool:
    """Both numbers (not booleans): < and > make sense."""
    return all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in (a, b))


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


def optionals_of(program: ast.Program) -> list[Span]:
    """Every `?` element reachable from the file's lines (through the blocks they call), in
    source order."""
    blocks = {st.name: st for st in program.statements if isinstance(st, ast.Block)}
    found: dict[int, Span] = {}
    todo: list[ast.Element] = [el for st in program.statements if isinstance(st, ast.Line)
                               for el in st.elements]
    called: set[str] = set()
    while todo:
        el = todo.pop()
        if isinstance(el, ast.Optional):
            found.setdefault(el.span.start, el.span)
        if isinstance(el, ast.Labeled | ast.Optional | ast.Repeat):
            todo.append(el.body)
        elif isinstance(el, ast.Group):
            todo.extend(el.elements)
        elif isinstance(el, ast.Merge):
            todo.extend(e for path in el.paths for e in path)
        elif el.name in blocks and el.name not in called:
            called.add(el.name)
            todo.extend(blocks[el.name].body)
    return [found[k] for k in sorted(found)]
