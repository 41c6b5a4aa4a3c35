"""Sweep building blocks: ranges, filters (and, or, not, parentheses), ordering (several keys,
descending), the figures of a configuration at a batch, dtype and optimizer, and processes."""

from __future__ import annotations

import pytest

from archcalc.errors import Source
from archcalc.settings import Dtype, Optimizer, Settings
from archcalc.sweep import Outcome, Sweep, parse_ranges, parse_sort, run_jobs, sort
from archcalc.sweep_where import where

TWO = "input 8x8x3\nparam N = 1, M = 1\nCONV(N, f=1) - CONV(M, f=1)\n"


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


def _two() -> list[Outcome]:
    return list(Sweep(Source("t", TWO), parse_ranges(["N=1..2", "M=1..2"])).run())


def _nm(outcomes: list[Outcome]) -> list[tuple[int, int]]:
    return [(dict(o.values)["N"], dict(o.values)["M"]) for o in outcomes]


def test_the_figures_of_a_configuration() -> None:
    # CONV(N, f=1) on 8×8×3: 3·N weights + N biases; CONV(M, f=1) on N channels: N·M + M.
    # MACs 8·8·N·3 + 8·8·M·N; FLOPs 2·MACs + a bias add per output, 8·8·(N + M).
    by = {nm: o for nm, o in zip(_nm(_two()), _two(), strict=True)}
    o = by[(2, 1)]
    assert (o.params, o.weights) == (4 * 2 + (2 + 1) * 1, 3 * 2 + 2 * 1)
    assert o.macs == 64 * 2 * 3 + 64 * 1 * 2 and o.flops == 2 * o.macs + 64 * (2 + 1)
    assert o.layers == 2 and o.rf == 1


def test_training_memory_follows_batch_dtype_and_optimizer() -> None:
    # N=2: input 192 + conv1 128 + conv2 64·M elements stored, all ×2 for backward, at the
    # batch; params once, with a gradient and Adam's two moments each.
    text = "input 8x8x3\nparam N = 1\nCONV(N, f=1)\n"
    for dtype, size in ((Dtype.float32, 4), (Dtype.float16, 2)):
        settings = Settings(batch=3, dtype=dtype, optimizer=Optimizer.adam)
        [o] = list(Sweep(Source("t", text), parse_ranges(["N=2"]), settings).run())
        forward = (192 + 64 * 2) * size * 3
        assert o.memory == forward
        assert o.memory_training == 2 * forward + (4 * 2) * size * (1 + 1 + 2)


def test_where_and_or_not_parentheses() -> None:
    outcomes = _two()  # params 4N + (N+1)M: (1,1) 6, (1,2) 8, (2,1) 11, (2,2) 14
    assert [o.params for o in outcomes] == [6, 8, 11, 14]

    def kept(expression: str) -> list[tuple[int, int]]:
        keep = where(expression, ["N", "M"])
        return _nm([o for o in outcomes if keep(o)])

    assert kept("params >= 10 and M != 2") == [(2, 1)]
    assert kept("N == 1 or params > 12") == [(1, 1), (1, 2), (2, 2)]
    assert kept("not (N == 1 or params > 12)") == [(2, 1)]
    assert kept("not N == 1 and M == 2") == [(2, 2)]  # not binds tighter than and
    assert kept("N == 2 and M == 1 or N == 1 and M == 2") == [(1, 2), (2, 1)]
    assert kept("N == 2 and (M == 1 or N == 1) and M == 2") == []
    assert kept("NOT params < 10") == [(2, 1), (2, 2)]
    for bad in ("params <<< 3", "(params < 3", "params < 3 and", "params < 3 M", "",
                "flops", "or params < 3", "Q < 3", "valid < true"):
        with pytest.raises(ValueError):
            where(bad, ["N", "M"])


def test_an_invalid_configuration_has_no_figures_to_compare() -> None:
    # N=3 makes a 9×9 window on 8×8: invalid. `params < 1000` is unknown for it, and so is
    # its negation: neither keeps it; `valid == false or …` does.
    text = "input 8x8x3\nparam N = 1\nCONV(4, f=3*N)"
    outcomes = list(Sweep(Source("t", text), parse_ranges(["N=1..3"])).run())

    def kept(expression: str) -> list[int]:
        keep = where(expression, ["N"])
        return [dict(o.values)["N"] for o in outcomes if keep(o)]

    assert kept("params < 1000") == [1, 2]  # (3·3·3)·4 + 4 = 112 and (6·6·3)·4 + 4 = 436
    assert kept("not params < 1000") == []
    assert kept("valid == false") == [3]
    assert kept("valid == false or params < 200") == [1, 3]
    # for N=3 `valid == true` is false, so the `and` is false whatever params are: not it, true
    assert kept("not (valid == true and params > 200)") == [1, 3]


def test_sort_descending_by_several_keys_and_top() -> None:
    outcomes = _two()
    assert [o.params for o in sort(outcomes, parse_sort("-params"))] == [14, 11, 8, 6]
    assert _nm(sort(outcomes, parse_sort("-M,params", ["N", "M"]))) == \
        [(1, 2), (2, 2), (1, 1), (2, 1)]
    assert _nm(sort(outcomes, parse_sort("M,-N", ["N", "M"]))[:2]) == [(2, 1), (1, 1)]
    with pytest.raises(ValueError):
        parse_sort("-nothing")


def test_invalid_configurations_sort_last_in_either_direction() -> None:
    text = "input 8x8x3\nparam N = 1\nCONV(4, f=3*N)"
    outcomes = list(Sweep(Source("t", text), parse_ranges(["N=3,1,2"])).run())
    for keys in ("params", "-params"):
        assert dict(sort(outcomes, parse_sort(keys))[-1].values)["N"] == 3


def test_where_refuses_ordering_words_and_sizes() -> None:
    text = "input 8x8x3\nparam P = same\nCONV(4, p=P)"
    outcomes = list(Sweep(Source("t", text), parse_ranges(["P=same,valid"])).run())
    with pytest.raises(ValueError, match="compare only with == and !="):
        where("P < 3", ["P"])(outcomes[0])
    assert [where("P == valid", ["P"])(o) for o in outcomes] == [False, True]


def test_an_optional_absent_from_the_first_configuration_is_still_swept() -> None:
    # N=0 repeats the POOL? zero times; before, its `?` was discovered from N=0 only: never
    text = "input 8x8x3\nparam N = 0\nCONV(4, f=3, p=1) - POOL2?*N"
    job = Sweep(Source("t", text), parse_ranges(["N=0,1"]))
    assert len(job.optionals) == 1 and job.configurations == 2 * 2


def test_processes_give_what_one_gives() -> None:
    # 2 · 45 · 2 = 180 configurations: chunks of 64 go to the processes
    text = ("input 16x16x3\nparam N = 1, M = 1\n"
            "CONV(N, f=3) - POOL2? - CONV(M, f=5) - FC(10)\n")
    job = Sweep(Source("t", text), parse_ranges(["N=1,2", "M=1..45"]))
    alone = list(job.run())
    assert list(run_jobs(job, 3)) == alone
    assert list(job.run(70, 75)) == alone[70:75]


@pytest.mark.parametrize("items", [["N=1,2", "N=3"], ["N=\u0661..\u0663"]])
def test_ranges_are_given_once_in_ascii_digits(items: list[str]) -> None:
    with pytest.raises(ValueError):
        parse_ranges(items)
