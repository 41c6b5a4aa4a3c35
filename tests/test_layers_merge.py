"""Merges and channel kinds on hand-computed cases: MUL (squeeze-and-excitation), broadcasting
ADD, RES, SPLIT with its CHUNK heads, CHANNELSHUFFLE. Expected values are the arithmetic."""

from __future__ import annotations

import pytest
from helpers import error, hand, net

SE = ("input 56x56x32\n"
      "se: MUL(IDENTITY | GAP - CONV(8, f=1) - SILU - CONV(32, f=1) - SIGMOID)")


@hand("mul")
def test_squeeze_and_excitation_needs_no_size_by_hand() -> None:
    a = net(SE.replace("SILU", "RELU"))
    se = a["se"]
    assert se.output == (56, 56, 32)  # the 1×1×32 gate broadcast over 56×56
    assert se.flops == (2 - 1) * 56 * 56 * 32  # one multiply per output element
    assert se.params == 0 and se.stored  # a new tensor
    # the gate's two 1×1 convs: (1·1·32)·8 + 8 and (1·1·8)·32 + 32
    assert a["conv1"].params == 32 * 8 + 8 and a["conv2"].params == 8 * 32 + 32
    assert a["conv1"].macs == 1 * 1 * 8 * 32
    # every unit sees the whole input through the gate: 56 pixels, a global unit
    assert (se.rf.h.size, se.rf.w.size, se.rf.h.jump) == (56, 56, 0)


def test_mul_keeps_its_inputs_for_the_backward_pass() -> None:
    # the gate's SIGMOID would be in place, and the IDENTITY is a view of the block input:
    # a RELU after the MUL may not overwrite those, but here nothing writes: all as usual
    a = net(SE.replace("SILU", "RELU") + " - RELU")
    assert a["relu2"].stored is False  # writes into the MUL's own new tensor


def test_mul_of_vectors_and_a_vector_gate() -> None:
    a = net("input 10\nMUL(FC(6) | FC(6) - SIGMOID)")
    assert a["mul1"].output == (6,) and a["mul1"].flops == 6
    b = net("input 4x4x6\nMUL(IDENTITY | GAP - FLATTEN)")  # a vector of 6 as 1×1×6
    assert b["mul1"].output == (4, 4, 6)


def test_mul_of_three_paths() -> None:
    r = net("input 8x8x4\nMUL(IDENTITY | IDENTITY | CONV(4, f=1))")["mul1"]
    assert r.flops == (3 - 1) * 8 * 8 * 4


@hand("add")
def test_add_broadcasts_like_pytorch() -> None:
    a = net("input 8x8x4\nADD(CONV(4, f=1) | GAP) - ADD(IDENTITY | CONV(1, f=1))")
    assert a["add1"].output == (8, 8, 4) and a["add1"].flops == (2 - 1) * 8 * 8 * 4
    assert a["add2"].output == (8, 8, 4)  # 8×8×1 against 8×8×4: C broadcast


def test_add_refuses_shapes_that_do_not_broadcast() -> None:
    err = error("input 8x8x4\nADD(CONV(4, f=1) | CONV(3, f=1))")
    assert "same shape (or size 1 along an axis" in err.message
    assert "8×8×4" in err.hint and "8×8×3" in err.hint


@hand("res")
def test_res_is_an_add_with_the_input() -> None:
    a = net("input 8x8x4\nRES(CONV(4, f=3, p=1))")
    res = a["res1"]
    assert res.kind == "add" and res.inputs == ("conv1", "input")
    assert res.flops == 8 * 8 * 4
    assert "at most one shortcut" in error("RES(RELU | RELU | RELU)").message


@hand("split", "chunk")
def test_shufflenet_unit_splits_the_channels() -> None:
    # ShuffleNetV2 stride-1 unit on 28×28×116: each path gets 116/2 = 58 channels
    a = net("input 28x28x116\n"
            "SPLIT(IDENTITY | CONV(58, f=1, bias=false) - BN - RELU "
            "- CONV(58, f=3, p=1, groups=58, bias=false) - BN "
            "- CONV(58, f=1, bias=false) - BN - RELU) - CHANNELSHUFFLE(2)")
    assert a["chunk1"].output == a["chunk2"].output == (28, 28, 58)
    assert not a["chunk1"].stored and a["chunk1"].params == 0  # views
    assert a["split1"].kind == "concat" and a["split1"].output == (28, 28, 58 + 58)
    assert a["split1"].inputs == ("identity1", "relu2")
    weights = 58 * 58 + 3 * 3 * 1 * 58 + 58 * 58
    assert a.totals.params == weights + 3 * 2 * 58  # + three BNs' γ and β
    assert a.totals.macs == 28 * 28 * (58 * 58 + 9 * 58 + 58 * 58)


def test_split_needs_divisible_channels() -> None:
    err = error("input 8x8x5\nSPLIT(IDENTITY | IDENTITY)")
    assert "splitting 5 channels into 2 equal groups" in err.message
    assert err.hint.endswith("divide the 5 channels: 1, 5 do")


@hand("channelshuffle")
def test_channel_shuffle_is_a_free_copy() -> None:
    r = net("input 4x4x6\nCHANNELSHUFFLE(3)").layers[0]
    assert r.output == (4, 4, 6) and r.flops == 0 and r.params == 0
    assert r.stored  # PyTorch's .contiguous() copies
    err = error("input 4x4x6\nCHANNELSHUFFLE(4)")
    assert "divisible by 4, got 6" in err.message


def test_merge_names_are_labels_and_blocks_cannot_take_them() -> None:
    a = net("input 8x8x4\nmul: CONV(4, f=1)\nadd: RELU")
    assert [r.name for r in a.layers] == ["mul", "add"]
    assert "would hide" in error("block mul(c) { CONV(c) }\nCONV(4)").message


@pytest.mark.parametrize("text", ["CONV(8) - MUL", "CONV(8) - SPLIT"])
def test_a_merge_without_paths_says_how_to_write_it(text: str) -> None:
    err = error(text)
    assert "merges paths in brackets" in err.message and "(path | path)" in err.hint
