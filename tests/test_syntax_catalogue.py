"""The catalogue of syntax messages: each entry's example inputs are recognised by that very
entry (so its examples are its tests), and each entry has at least one."""

from __future__ import annotations

import pytest
from lark.exceptions import UnexpectedInput

from archcalc.syntax import parser
from archcalc.syntax_catalogue import CATALOGUE, Entry, recognise
from archcalc.syntax_errors import place

CASES = [(entry, example) for entry in CATALOGUE for example in entry.examples]


@pytest.mark.parametrize(("entry", "example"), CASES,
                         ids=[f"{e.name}-{i}" for i, (e, _) in enumerate(CASES)])
def test_each_example_is_recognised_by_its_entry(entry: Entry, example: str) -> None:
    with pytest.raises(UnexpectedInput) as info:
        parser().parse(example)
    got, (message, _, _) = recognise(place(info.value, example))
    assert got.name == entry.name, (message, example)


def test_every_entry_has_examples_and_a_distinct_name() -> None:
    assert all(entry.examples for entry in CATALOGUE)
    assert len({entry.name for entry in CATALOGUE}) == len(CATALOGUE)
