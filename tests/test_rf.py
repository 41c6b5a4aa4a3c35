"""Receptive fields by hand: r' = r + (F' − 1)·j, j' = j·S, start' = start + ((F'−1)/2 − P)·j."""

from __future__ import annotations

from fractions import Fraction

from helpers import net


def field(a, name):  # type: ignore[no-untyped-def]
    rf = a[name].rf.h
    return rf.size, rf.jump, rf.start


def test_alexnet_prefix() -> None:
    a = net("input 227x227x3\nconv1: CONV(96, f=11, s=4) - pool1: MAXPOOL(3, s=2) - "
            "conv2: CONV(256, f=5, p=2)")
    assert field(a, "conv1") == (11, 4, 5)  # start 0 + (10/2 − 0)·1 = 5
    assert field(a, "pool1") == (11 + 2 * 4, 8, 5 + 1 * 4)  # 19, jump 8, start 9
    assert field(a, "conv2") == (19 + 4 * 8, 8, 9 + (2 - 2) * 8)  # 51, 8, 9


def test_stacked_3x3_convs_see_7x7() -> None:
    # Three 3×3 stride-1 convs: 1 + 2 + 2 + 2 = 7 (the VGG argument).
    a = net("CONV(4, f=3, p=1)*3")
    assert field(a, "conv3") == (7, 1, 0)


def test_dilation() -> None:
    # F' = 2·(3 − 1) + 1 = 5, then 5 + (3 − 1)·1 = 7 with a plain 3×3.
    a = net("CONV(4, f=3, d=2, p=2) - CONV(4, f=3, p=1)")
    assert field(a, "conv1")[0] == 5 and field(a, "conv2")[0] == 7


def test_even_pool_moves_the_centre() -> None:
    a = net("MAXPOOL(2)")
    assert field(a, "pool1") == (2, 2, Fraction(1, 2))


def test_rectangular_axes() -> None:
    r = net("CONV(4, f=3x5, s=1x2)").layers[0].rf
    assert (r.h.size, r.w.size, r.h.jump, r.w.jump) == (3, 5, 1, 2)


def test_merge_takes_the_union() -> None:
    # Paths with fields 5 (centre 2) and 1 (centre 0 — identity): union [0 − 0, 2 + 2] → 5.
    a = net("input 8x8x4\nCONCAT(CONV(4, f=5, p=2) | IDENTITY)")
    assert field(a, "concat1") == (5, 1, 0)


def test_fc_and_gap_see_the_whole_input() -> None:
    a = net("input 6x6x4\nCONV(4, f=3) - GAP - FC(2)")
    # conv: 3; GAP over 4×4: 3 + (4 − 1)·1 = 6 = the whole 6×6 input.
    assert field(a, "gap1")[0] == 6 and field(a, "fc1")[0] == 6


def test_upsample_and_deconv_halve_the_jump() -> None:
    a = net("input 8x8x4\nCONV(4, f=2, s=2) - UPSAMPLE(2) - DECONV(4, f=2, s=2)")
    assert field(a, "upsample1")[:2] == (2, 1)
    # ⌈2/2⌉ = 1 input unit per output: size unchanged, jump 1/2.
    assert field(a, "deconv1")[:2] == (2, Fraction(1, 2))
