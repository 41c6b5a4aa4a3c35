"""The language reference stays in step with the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcalc.reference import kinds_table, merges_table

DOCS = Path(__file__).resolve().parent.parent / "docs" / "language.md"


def test_the_kinds_table_is_generated_from_the_registry() -> None:
    assert kinds_table() in DOCS.read_text(encoding="utf-8"), \
        "regenerate it: python -m archcalc.reference"


def test_the_merges_table_is_generated_from_the_registry() -> None:
    assert merges_table() in DOCS.read_text(encoding="utf-8"), \
        "regenerate it: python -m archcalc.reference"


@pytest.mark.parametrize("first_line", ["block se(c, s) {", "block unit(c) {",
                                        "block convnext(d) {"])
def test_the_modern_blocks_of_the_docs_analyze(first_line: str) -> None:
    import archcalc

    block = _block(DOCS.read_text(encoding="utf-8"), first_line)
    name = first_line.split()[1].split("(")[0]
    a = archcalc.analyze(f"input 14x14x96\n{block}\n{name}(96{', 24' if name == 'se' else ''})")
    assert a.layers[-1].output == (14, 14, 96)


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
