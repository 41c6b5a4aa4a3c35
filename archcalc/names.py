"""Where layers get their names (docs/language.md, "Names"): a layer is named by its label,
else by its kind's prefix and a running number per prefix in its scope (`conv1`, `pool2`). A
block call opens a scope (`inception3a.conv1`, or `basic2.conv1` when unlabeled); a labeled
repeat opens one per iteration (`stage.1.conv1`); unlabeled groups, repeats and optionals are
transparent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archcalc.errors import ArchError, Span
from archcalc.values import Value

Defaults = Mapping[str, Mapping[str, Any]]  # layer kind -> field values set by `defaults`


@dataclass
class Namespace:
    """Where names are made: a path prefix, running numbers, and the names taken."""

    path: str
    env: Mapping[str, Value]
    defaults: Defaults
    counters: dict[str, int] = field(default_factory=dict)
    taken: dict[str, Span] = field(default_factory=dict)

    def full(self, local: str) -> str:
        return f"{self.path}.{local}" if self.path else local

    def claim(self, local: str, span: Span, auto: bool = False) -> str:
        """Take `local` in this namespace, refusing a duplicate."""
        if local in self.taken:
            first = self.taken[local]
            where = f"line {first.line}, column {first.column}"
            if auto:
                raise ArchError(f"this layer's automatic name {self.full(local)!r} is taken",
                                span, f"a label at {where} already uses it (running numbers "
                                "count labeled layers too); label this layer or rename that one")
            if first.start == span.start:  # the same label again: a copy of a repeat
                raise ArchError(f"duplicate name {self.full(local)!r}: an unlabeled repeat "
                                "gives every copy the same labels", span,
                                "label the repeat too, as in `stage: (c: CONV(8) - RELU)*2`: "
                                "each copy then has its own names (stage.1.c, stage.2.c)")
            raise ArchError(f"duplicate name {self.full(local)!r}", span,
                            f"first used at {where}; choose another label")
        self.taken[local] = span
        return self.full(local)

    def numbered(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def child(self, local: str, env: Mapping[str, Value] | None = None,
              defaults: Defaults | None = None) -> Namespace:
        return Namespace(self.full(local), self.env if env is None else env,
                         self.defaults if defaults is None else defaults)
