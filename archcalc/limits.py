"""Bounds on what a file can make archcalc do (docs/language.md §9): layers after expansion,
and the nesting of brackets, repeats, merges and block calls; the expander's budget."""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass, field

from archcalc import ast
from archcalc.errors import ArchError, Source, Span, point_at


@dataclass(frozen=True)
class Limits:
    """Bounds on what a file can make archcalc do."""

    max_layers: int = 1_000_000
    max_depth: int = 100

    def __post_init__(self) -> None:
        for name, least, most in (("max_layers", 1, 10**9), ("max_depth", 1, 400)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
                raise ArchError(f"{name}={value!r} is not a limit", None,
                                f"a whole number from {least} to {most:,}",
                                Source("<arguments>", ""))


@dataclass
class Budget:
    """What an expansion may still spend: layers (`nodes`, the graph being built) and steps
    (every element met, also those that expand to nothing), 10 steps per layer allowed.
    Repeats and outermost block calls are counted before they are expanded."""

    limits: Limits
    nodes: Sized
    steps: int = field(default=0)

    def step(self, span: Span) -> None:
        self.steps += 1
        if self.steps > 10 * self.limits.max_layers:
            raise self.too_many_steps(point_at(span, 1))

    def layer(self, span: Span) -> None:
        if len(self.nodes) >= self.limits.max_layers:
            raise ArchError(f"the network expands to more than {self.limits.max_layers:,} "
                            "layers", point_at(span, 1), "raise the limit with --max-layers")

    def repeat(self, count_span: Span, count: int, layers: int, steps: int, done: int = 0
               ) -> None:
        """Refuse a repeat at once when its iterations (`done` of them expanded, each of
        `layers` layers and `steps` steps) would pass the layer or step limit."""
        if len(self.nodes) + layers * (count - done) > self.limits.max_layers:
            raise ArchError(f"repeating {layers:,} layer{'s' * (layers != 1)} {count:,} "
                            f"times gives more than {self.limits.max_layers:,} layers",
                            point_at(count_span, len(str(count))),
                            "raise the limit with --max-layers")
        if self.steps + steps * (count - done) > 10 * self.limits.max_layers:
            raise self.too_many_steps(point_at(count_span, len(str(count))))

    def call(self, call: ast.Call, layers: int) -> None:
        """Refuse a block call whose body (counted, not expanded) passes the layer limit."""
        if len(self.nodes) + layers > self.limits.max_layers:
            before = f" after the {len(self.nodes):,} before it" if self.nodes else ""
            raise ArchError(f"the call {call.name} expands to {layers:,} layers, more than "
                            f"{self.limits.max_layers:,}{before}", call.name_span,
                            "raise the limit with --max-layers")

    def too_many_steps(self, span: Span) -> ArchError:
        return ArchError(f"expanding the description takes more than "
                         f"{10 * self.limits.max_layers:,} steps", span,
                         "elements that expand to nothing (*0, an absent ?) still take a step "
                         "each time; the limit is 10 × --max-layers")
