"""The language reference stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from archcalc.reference import kinds_table

DOCS = Path(__file__).resolve().parent.parent / "docs" / "language.md"


def test_the_kinds_table_is_generated_from_the_registry() -> None:
    assert kinds_table() in DOCS.read_text(encoding="utf-8"), \
        "regenerate it: python -m archcalc.reference"


def _block(text: str, first_line: str) -> str:
    start = text.index(first_line)
    return text[start:text.index("```", start)]


def test_readme_language_example_checks() -> None:
    import archcalc
    from archcalc.check import run_checks

    readme = (DOCS.parent.parent / "README.md").read_text(encoding="utf-8")
    results = run_checks(archcalc.analyze(_block(readme, "# resnet-ish.arch")))
    assert results and all(r.passed for r in results)
    pattern = archcalc.analyze(_block(readme, "input 32x32x3\nparam N = 2"))
    assert len(pattern.layers) == 3 * (2 * 2 + 1) + 2 + 2
