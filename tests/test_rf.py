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


SE_BLOCKS = ("input 16x16x4\nCONV(4, f=3, p=1)\n"
             "block se { RES(GAP - CONV(4, f=1) - RELU - CONV(4, f=1) - SIGMOID - UPSAMPLE(16)) }\n"
             "se - se - se")


def test_a_global_unit_broadcast_back_sees_the_same_pixels() -> None:
    # conv1 sees 3 pixels (−1 … 1 around unit 0); GAP over its 16 units sees −1 … 16: 18.
    # Upsampled back, every unit sees those 18 pixels, and so does the sum with the
    # shortcut (each shortcut unit's 3 pixels lie inside them): 18 after every block — the
    # same as with AVGPOOL(16) in place of GAP (before global units it was 18, 33, 48).
    a = net(SE_BLOCKS)
    assert [field(a, f"se{k}.res1")[0] for k in (1, 2, 3)] == [16 + 2] * 3
    assert field(a, "se3.gap1")[:2] == (18, 0)  # a global unit: jump 0
    pooled = net(SE_BLOCKS.replace("GAP", "AVGPOOL(16)"))
    assert [field(pooled, f"se{k}.res1")[0] for k in (1, 2, 3)] == [18] * 3


def test_squeeze_and_excitation_widens_every_unit_to_the_whole_input() -> None:
    a = net("input 56x56x8\nCONV(8, f=3, p=1) - "
            "MUL(IDENTITY | GAP - CONV(2, f=1) - RELU - CONV(8, f=1) - SIGMOID)")
    # GAP over 56 units of a 3-pixel field: 3 + (56 − 1)·1 = 58; the gate reaches every unit
    assert field(a, "mul1")[:2] == (58, 0)


def test_broadcasting_a_global_unit_needs_no_phases() -> None:
    # 5,000 phases would pass the 4,096 limit; a global unit has one
    a = net("input 8x8x2\nGAP - UPSAMPLE(5000)")
    assert field(a, "upsample1")[:2] == (8, 0)


def test_a_merge_the_global_path_does_not_cover_spells_out_its_units() -> None:
    # the CONV path's unit 0 reads pixels −2 … 2, beyond GAP's 0 … 3 of a 4-pixel input:
    # unit 0 sees −2 … 3 (6), unit 1 −1 … 3 (5), unit 2 0 … 4, unit 3 0 … 5 (6)
    a = net("input 4x4x1\nADD(CONV(1, f=5, p=2) | GAP)")
    r = a["add1"].rf.h
    assert [r.span(u) for u in range(4)] == [(-2, 3), (-1, 3), (0, 4), (0, 5)]
    assert r.size == 6


def test_the_classic_rule_equals_the_general_window() -> None:
    """rf.window's integer path (one phase, a whole jump) against its general path (forced by
    writing the same field as two identical phases), and against the classic rule written
    out: r' = r + (D·(F − 1))·j, j' = j·S, start' = start + ((F' − 1)/2 − P_b)·j."""
    from itertools import product

    from archcalc.rf import AxisRF, window

    for size, jump, start, f, s, pad, d in product((1, 3, 6), (1, 2, 4), (0, 2), (1, 2, 3, 7),
                                                  (1, 2, 3), (0, 1, 3), (1, 2)):
        lo = start * 2 - (size - 1)  # twice the centre, so lo + hi = 2·start
        if lo % 2:
            continue
        lo //= 2
        field = AxisRF(jump, ((lo, lo + size - 1),), size, start)
        twice = AxisRF(jump, ((lo, lo + size - 1), (lo + jump, lo + jump + size - 1)), size,
                       start)  # the same field spelled with a period of 2
        fast, general = window(field, f, s, pad, d), window(twice, f, s, pad, d)
        assert (fast.jump, fast.size, fast.start) == (general.jump, general.size, general.start)
        assert fast.size == size + d * (f - 1) * jump and fast.jump == jump * s
        assert fast.start == start + (Fraction(d * (f - 1), 2) - pad) * jump
