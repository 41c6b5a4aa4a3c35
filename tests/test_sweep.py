"""Sweep building blocks: ranges, filters, ordering."""

from __future__ import annotations

import pytest

from archcalc.errors import Source
from archcalc.figures import Column
from archcalc.sweep import Sweep, parse_ranges, sort, where


def test_ranges() -> None:
    assert parse_ranges(["N=1..3", "M=2,4", "K=0"]) == {"N": [1, 2, 3], "M": [2, 4], "K": [0]}
    for bad in ("N=3..1", "N", "1N=2", "N=x..y"):
        with pytest.raises(ValueError):
            parse_ranges([bad])


def test_every_combination_and_optional() -> None:
    text = "input 16x16x3\nparam N = 1, M = 1\n(CONV(4, f=3, p=1) - POOL2?)*M - FC(N)\n"
    job = Sweep(Source("t", text), parse_ranges(["N=1..2", "M=1..3"]))
    outcomes = list(job.run())
    assert len(job) == len(outcomes) == 2 * 3 * 2
    # 16 → 8 → 4 → 2 with pools: FC(N) sees 2·2·4 after three; 16·16·4 without pools.
    last = [o for o in outcomes if dict(o.values) == {"N": 2, "M": 3}]
    convs = (3 * 3 * 3 * 4 + 4) + 2 * (3 * 3 * 4 * 4 + 4)  # the first sees 3 channels
    assert {o.optional: o.params for o in last} == {
        (True,): convs + (2 * 2 * 4 * 2 + 2), (False,): convs + (16 * 16 * 4 * 2 + 2)}


def test_where_and_sort() -> None:
    text = "input 8x8x3\nparam N = 1\nCONV(N, f=1)\n"
    outcomes = list(Sweep(Source("t", text), parse_ranges(["N=1..4"])).run())
    kept = [o for o in outcomes if where("params >= 10 and N != 4")(o)]
    # CONV(N, f=1) on 3 channels: 3·N + N = 4·N params.
    assert [dict(o.values)["N"] for o in kept] == [3]
    assert [o.params for o in sort(outcomes, Column.params)] == [4, 8, 12, 16]
    with pytest.raises(ValueError):
        where("params <<< 3")


def test_an_optional_absent_from_the_first_configuration_is_still_swept() -> None:
    # N=0 repeats the POOL? zero times; before, its `?` was discovered from N=0 only: never
    text = "input 8x8x3\nparam N = 0\nCONV(4, f=3, p=1) - POOL2?*N"
    job = Sweep(Source("t", text), parse_ranges(["N=0,1"]))
    assert len(job.optionals) == 1 and job.configurations == 2 * 2


def test_where_keeps_only_valid_configurations_for_figures() -> None:
    # N=3 makes a 9×9 window on 8×8: invalid; its figures are not 0 < 1000
    text = "input 8x8x3\nparam N = 1\nCONV(4, f=3*N)"
    outcomes = list(Sweep(Source("t", text), parse_ranges(["N=1..3"])).run())
    kept = [dict(o.values)["N"] for o in outcomes if where("params < 1000")(o)]
    assert kept == [1, 2]  # (3·3·3)·4 + 4 = 112 and (6·6·3)·4 + 4 = 436
    assert [dict(o.values)["N"] for o in outcomes if where("valid == false")(o)] == [3]


def test_where_refuses_ordering_words_and_sizes() -> None:
    text = "input 8x8x3\nparam P = same\nCONV(4, p=P)"
    outcomes = list(Sweep(Source("t", text), parse_ranges(["P=same,valid"])).run())
    with pytest.raises(ValueError, match="compare only with == and !="):
        where("P < 3")(outcomes[0])
    assert [where("P == valid")(o) for o in outcomes] == [False, True]


@pytest.mark.parametrize("items", [["N=1,2", "N=3"], ["N=\u0661..\u0663"]])
def test_ranges_are_given_once_in_ascii_digits(items: list[str]) -> None:
    with pytest.raises(ValueError):
        parse_ranges(items)
