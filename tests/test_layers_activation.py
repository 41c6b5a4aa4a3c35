"""RELU6, SILU (SWISH), HARDSWISH, HARDSIGMOID and GELU by hand: shape, params, FLOPs, RF and
the in-place memory convention. Each expected value is written as the arithmetic behind it."""

from __future__ import annotations

import pytest
from helpers import error, hand, net

from archcalc.layers import REGISTRY
from archcalc.placement import Blocker

# (written call, kind, operations per element): the counts of each formula's operations,
# a transcendental (exp, erf, tanh) as one.
KINDS = [
    ("RELU6", "relu6", 2),  # max(0, ·), min(·, 6)
    ("SILU", "silu", 3 + 1),  # σ: exp, add, divide; then · x
    ("SWISH", "silu", 3 + 1),
    ("HARDSWISH", "hardswish", 5),  # + 3, max, min, · x, / 6
    ("HARDSIGMOID", "hardsigmoid", 4),  # + 3, max, min, / 6
    ("GELU", "gelu", 5),  # / √2, erf, + 1, · x, · 0.5
    # x³ (2 multiplies), then · 0.044715, + x, · √(2/π), tanh, + 1, · x, · 0.5
    ("GELU(tanh=true)", "gelu", 2 + 7),
]


@hand("relu6", "silu", "hardswish", "hardsigmoid", "gelu")
@pytest.mark.parametrize(("call", "kind", "per_element"), KINDS)
def test_element_wise_figures(call: str, kind: str, per_element: int) -> None:
    a = net(f"input 8x8x3\nCONV(16, f=3) - {call}")
    r = a.layers[1]
    assert r.kind == kind
    assert r.output == (8 - 3 + 1, 8 - 3 + 1, 16)
    assert (r.params, r.weights, r.buffers, r.macs) == (0, 0, 0, 0)
    assert r.flops == per_element * 6 * 6 * 16
    assert r.activations == 6 * 6 * 16
    assert not r.stored and r.memory == 0  # in place
    assert (r.rf.h.size, r.rf.h.jump, r.rf.w.size) == (3, 1, 3)  # the CONV's field, unchanged


@pytest.mark.parametrize(("call", "per_element"), [(c, n) for c, _, n in KINDS])
def test_vectors_count_per_unit(call: str, per_element: int) -> None:
    r = net(f"input 100\nFC(10) - {call}").layers[1]
    assert r.output == (10,)
    assert r.flops == per_element * 10


def test_swish_is_an_alias_of_silu() -> None:
    a = net("SWISH - SILU")
    assert [r.kind for r in a.layers] == ["silu", "silu"]
    assert a.names() == ["silu1", "silu2"]
    assert a.layers[0].layer == "SILU"


def test_names_and_descriptions() -> None:
    a = net("RELU6 - RELU6 - GELU - GELU(tanh=true) - GELU(false) - HARDSWISH - HARDSIGMOID")
    assert a.names() == ["relu6_1", "relu6_2", "gelu1", "gelu2", "gelu3", "hardswish1",
                         "hardsigmoid1"]
    assert [r.layer for r in a.layers[2:5]] == ["GELU", "GELU(tanh=true)", "GELU"]


def test_gelu_rule_states_both_counts() -> None:
    rule = REGISTRY["gelu"].flops_rule
    assert rule.startswith("5 per element") and "tanh=true: 9" in rule


def test_an_exact_and_a_tanh_gelu_are_different_layers() -> None:
    a = net("input 4x4x2\nGELU - GELU(tanh=true)")
    assert [r.flops for r in a.layers] == [5 * 4 * 4 * 2, 9 * 4 * 4 * 2]


# ---- the memory convention: masks and private copies block nothing ------------------------


@pytest.mark.parametrize("call", ["RELU6", "SILU", "HARDSWISH", "HARDSIGMOID", "GELU",
                                  "GELU(tanh=true)"])
def test_a_later_in_place_layer_may_overwrite_them(call: str) -> None:
    # RELU6 and HARDSIGMOID keep a mask, the gated kinds a copy of x: DROPOUT still writes in
    # place, where after SIGMOID (its backward keeps its output) it cannot.
    a = net(f"input 4x4x2\nCONV(2, f=1) - {call} - DROPOUT")
    assert not a.layers[1].stored and not a.layers[2].stored
    b = net("input 4x4x2\nCONV(2, f=1) - SIGMOID - DROPOUT")
    assert b.layers[2].stored


@pytest.mark.parametrize("call", ["RELU6", "SILU", "HARDSWISH", "HARDSIGMOID", "GELU"])
def test_a_branch_that_reads_the_input_later_makes_them_store(call: str) -> None:
    a = net(f"input 4x4x2\nCONV(2, f=1) - ADD({call} - CONV(2, f=1) | IDENTITY)")
    first = a.layers[1]
    assert first.stored and first.notes.placement.blocker is Blocker.read_later
    assert first.memory == 4 * 4 * 2 * 4  # float32, batch 1


def test_memory_of_a_chain_is_the_conv_output_alone() -> None:
    a = net("input 4x4x2\nCONV(3, f=1) - RELU6 - SILU - HARDSWISH - HARDSIGMOID - GELU")
    assert a.totals.memory_forward == (4 * 4 * 2 + 4 * 4 * 3) * 4  # input + conv1, float32


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("RELU6(2)", "RELU6 takes no arguments"),
    ("SWISH(beta=2)", "SILU has no argument 'beta'"),
    ("HARDSWISH(1)", "HARDSWISH takes no arguments"),
    ("HARDSIGMOID(0.2)", "HARDSIGMOID takes no arguments"),
    ("GELU(tanh=1)", "GELU argument tanh: expected true or false"),
    ("GELU(approximate=true)", "GELU has no argument 'approximate'"),
    ("GELU(true, true)", "GELU takes at most 1"),
])
def test_bad_arguments(text: str, message: str) -> None:
    assert message in error(text).message


def test_gelu_error_hint_shows_the_signature() -> None:
    assert "GELU(tanh=false)" in error("GELU(approximate=true)").hint
