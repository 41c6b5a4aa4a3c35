"""Small helpers for tests: analyze a snippet, catch the error it raises."""

from __future__ import annotations

import re

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
