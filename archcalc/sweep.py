"""`sweep`: every combination of param ranges and optional elements, analyzed from one parse.

A range is `N=1..5` (inclusive), `N=1,2,4` or `N=3`. Each `?` element is tried present and
absent. A configuration is invalid when a layer cannot be built (an output ≤ 0, a shape
mismatch, ...); the reason names the layer.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from archcalc import ast, paused_gc
from archcalc.analyze import Notes
from archcalc.errors import ArchError, Source, Span
from archcalc.expand import expand
from archcalc.figures import COUNTS, Column, Figures
from archcalc.limits import Limits
from archcalc.settings import Settings
from archcalc.sweep_steps import Steps
from archcalc.sweep_where import COLUMN_NAMES, SWEEP_COLUMNS, ordered
from archcalc.syntax import parse
from archcalc.values import Value, parse_value, show


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome(Figures):
    """One configuration and the network's figures (all zero when it is invalid): counts per
    image, memory (forward and training) in bytes at the batch and dtype."""

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
        self.steps = Steps(settings)  # the layers analyzed so far, shared by configurations

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

    def run(self, start: int = 0, stop: int | None = None) -> Iterator[Outcome]:
        """The outcomes of configurations `start` to `stop` (all by default), in the order of
        the ranges (the last varying fastest), each `?` present then absent innermost."""
        names = list(self.ranges)
        choices = [(True, False)] * len(self.optionals)
        combos = itertools.product(*self.ranges.values(), *choices)
        for combo in itertools.islice(combos, start, stop):
            with paused_gc():
                outcome = self.one(dict(zip(names, combo, strict=False)),
                                   tuple(bool(p) for p in combo[len(names):]))
            yield outcome

    def one(self, values: dict[str, Value], present: tuple[bool, ...]) -> Outcome:
        choice = dict(zip(self.optionals, present, strict=True))
        key = (tuple(values.items()), present)
        try:
            graph = expand(self.program, self.source, values, choice, self.limits,
                           self.input_shape)
            summary = self.steps.figures(graph)
        except ArchError as err:
            return Outcome(values=key[0], optional=key[1], valid=False, error=err.message,
                           hint=err.hint, error_at=err.span)
        return Outcome(**{f.name: getattr(summary, f.name) for f in fields(summary)},
                       values=key[0], optional=key[1], valid=True)


def run_jobs(job: Sweep, jobs: int) -> Iterator[Outcome]:
    """Every outcome of `job`, from `jobs` processes: contiguous chunks of configurations,
    each parsed once per process, yielded in the order one process gives them."""
    if jobs <= 1:
        yield from job.run()
        return
    from concurrent.futures import ProcessPoolExecutor

    total = job.configurations
    size = max(64, -(-total // (jobs * 8)))
    chunks = [(start, min(start + size, total)) for start in range(0, total, size)]
    state = (job.source, job.ranges, job.settings, job.limits, job.input_shape)
    with ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=state) as pool:
        for outcomes in pool.map(_chunk, chunks):
            yield from outcomes


_WORKER: list[Sweep] = []  # the sweep a worker process runs chunks of


def _start_worker(source: Source, ranges: Mapping[str, list[Value]], settings: Settings,
                  limits: Limits, input_shape: tuple[int, ...] | None) -> None:
    _WORKER.append(Sweep(source, ranges, settings, limits, input_shape))


def _chunk(bounds: tuple[int, int]) -> list[Outcome]:
    return list(_WORKER[0].run(*bounds))


def parse_sort(text: str, swept: Sequence[str] = ()) -> list[tuple[str, bool]]:
    """`--sort -params,macs`: keys in order, each a column or a swept param, `-` before one
    for descending; ValueError for an unknown key."""
    keys = []
    for part in text.split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.removeprefix("-").removeprefix("+").strip()
        if name not in COLUMN_NAMES - {Column.valid.value} and name not in swept:
            names = [c.value for c in SWEEP_COLUMNS] + list(swept)
            raise ValueError(f"--sort {part.strip() or text!r}: use one of {', '.join(names)} "
                             "(a - before it for descending: -params)")
        keys.append((name, descending))
    return keys


def sort(outcomes: list[Outcome], keys: Sequence[tuple[str, bool]]) -> list[Outcome]:
    """Valid configurations first, ordered by the keys (the first decides, the next breaks its
    ties, …; each ascending or descending), then the invalid ones (by the swept params among
    the keys: they have no figures); ties in the order generated."""
    ordered = list(outcomes)
    for name, descending in reversed(keys):  # stable sorts, the last key first
        ordered.sort(key=functools.partial(_key, name=name), reverse=descending)
    return sorted(ordered, key=lambda o: not o.valid) if keys else ordered


def _key(o: Outcome, name: str) -> tuple[int, Any]:
    """A figure (0 for an invalid configuration: sorted apart anyway) or a swept param's value
    (numbers before words and sizes, which order by their text)."""
    if name in COLUMN_NAMES:
        return 0, o.value(Column(name))
    value = dict(o.values)[name]
    return (0, value) if ordered(value, 0) else (1, show(value))


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
