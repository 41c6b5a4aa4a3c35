"""Small helpers for tests: analyze a snippet, catch the error it raises."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import pytest

import archcalc
from archcalc.errors import ArchError


def net(text: str, **kwargs: object) -> archcalc.Analysis:
    """Analyze .arch text (a leading `input` line is added when missing)."""
    if not re.search(r"^\s*input\b", text, re.MULTILINE | re.IGNORECASE):
        text = "input 32x32x3\n" + text
    return archcalc.analyze(text, **kwargs)  # type: ignore[arg-type]


def error(text: str, **kwargs: object) -> ArchError:
    """The ArchError that analyzing `text` raises."""
    with pytest.raises(ArchError) as info:
        net(text, **kwargs)
    return info.value


F = TypeVar("F", bound=Callable[..., object])
HAND_TESTED: dict[str, list[str]] = {}  # kind -> the hand-arithmetic tests that cover it


def hand(*kinds: str) -> Callable[[F], F]:
    """Mark a test as a hand-arithmetic test of `kinds` (the every-kind check reads these)."""
    def mark(test: F) -> F:
        for kind in kinds:
            HAND_TESTED.setdefault(kind, []).append(getattr(test, "__name__", "?"))
        return test

    return mark
