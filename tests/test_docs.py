"""The language reference stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from archcalc.reference import kinds_table

DOCS = Path(__file__).resolve().parent.parent / "docs" / "language.md"


def test_the_kinds_table_is_generated_from_the_registry() -> None:
    assert kinds_table() in DOCS.read_text(encoding="utf-8"), \
        "regenerate it: python -m archcalc.reference"
