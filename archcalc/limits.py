"""Bounds on what a file can make archcalc do (docs/language.md §9): layers after expansion,
and the nesting of brackets, repeats, merges and block calls."""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.errors import ArchError, Source


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
