"""ADAPTIVEAVGPOOL, ADAPTIVEMAXPOOL and ZEROPAD on hand-computed cases: shape, params, FLOPs,
RF, memory, errors. Each expected value is written as the arithmetic that produces it.

Adaptive windows (PyTorch, aten/src/ATen/native/AdaptivePooling.h): output i of h along an
axis of H reads rows ⌊i·H/h⌋ … ⌈(i + 1)·H/h⌉ − 1; they are listed by hand in each test.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from helpers import error, hand, net


def spans(axis: object, units: int) -> list[tuple[int, int]]:
    return [axis.span(u) for u in range(units)]  # type: ignore[attr-defined]


@hand("adaptiveavgpool")
def test_adaptive_avg_pool_uneven_windows() -> None:
    # H = 12, h = 5: rows [0, 3) [2, 5) [4, 8) [7, 10) [9, 12): heights 3, 3, 4, 3, 3.
    # W = 11, w = 4: cols [0, 3) [2, 6) [5, 9) [8, 11): widths 3, 4, 4, 3.
    r = net("input 12x11x4\nADAPTIVEAVGPOOL(5x4)").layers[0]
    assert r.output == (5, 4, 4)
    assert r.params == r.macs == r.buffers == 0
    # Σ over outputs of area (area − 1 adds, 1 division) = Σ heights · Σ widths per channel
    assert r.flops == (3 + 3 + 4 + 3 + 3) * (3 + 4 + 4 + 3) * 4 == 896
    assert spans(r.rf.h, 5) == [(0, 2), (2, 4), (4, 7), (7, 9), (9, 11)]
    assert spans(r.rf.w, 4) == [(0, 2), (2, 5), (5, 8), (8, 10)]
    assert (r.rf.h.size, r.rf.w.size) == (4, 4)  # the largest window
    assert (r.rf.h.jump, r.rf.w.jump) == (Fraction(12, 5), Fraction(11, 4))
    assert r.stored and r.activations == 5 * 4 * 4  # a new tensor
    assert r.memory == 5 * 4 * 4 * 4  # float32 bytes


@hand("adaptivemaxpool")
def test_adaptive_max_pool_comparisons() -> None:
    # H = 5, h = 3: rows [0, 2) [1, 4) [3, 5): 2, 3, 2. W = 4, w = 3: [0, 2) [1, 3) [2, 4).
    r = net("input 5x4x4\nADAPTIVEMAXPOOL(3)").layers[0]
    assert r.output == (3, 3, 4)
    # areas 4 4 4 / 6 6 6 / 4 4 4, area − 1 comparisons each
    assert r.flops == (3 * 3 + 3 * 5 + 3 * 3) * 4 == 132
    assert spans(r.rf.h, 3) == [(0, 1), (1, 3), (3, 4)]
    assert spans(r.rf.w, 3) == [(0, 1), (1, 2), (2, 3)]
    assert r.rf.h.size == 3 and r.rf.w.size == 2
    assert r.stored and r.params == 0


def test_adaptive_output_larger_than_input() -> None:
    # H = 3, h = 5: rows [0, 1) [0, 2) [1, 2) [1, 3) [2, 3): 1, 2, 1, 2, 1 (rows repeat).
    # W = 2, w = 5: cols [0, 1) [0, 1) [0, 2) [1, 2) [1, 2): 1, 1, 2, 1, 1.
    a = net("input 3x2x2\nADAPTIVEAVGPOOL(5) - ADAPTIVEMAXPOOL(5)")
    avg = a.layers[0]
    assert avg.output == (5, 5, 2)
    assert avg.flops == (1 + 2 + 1 + 2 + 1) * (1 + 1 + 2 + 1 + 1) * 2
    assert spans(avg.rf.h, 5) == [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2)]
    assert spans(avg.rf.w, 5) == [(0, 0), (0, 0), (0, 1), (1, 1), (1, 1)]
    assert avg.rf.h.jump == Fraction(3, 5)
    # 5 → 5 windows are single pixels: no comparisons, and the field is unchanged
    assert a.layers[1].flops == (5 * 5 - 5 * 5) * 2 == 0
    assert a.layers[1].rf == avg.rf


def test_adaptive_max_pool_output_larger_than_input() -> None:
    r = net("input 3x2x1\nADAPTIVEMAXPOOL(5)").layers[0]
    # areas: heights (1, 2, 1, 2, 1) × widths (1, 1, 2, 1, 1); Σ areas = 7·6, minus 1 each
    assert r.flops == 7 * 6 - 5 * 5


def test_adaptive_avg_pool_of_1_is_gap() -> None:
    a = net("input 7x5x16\nADAPTIVEAVGPOOL(1)")
    g = net("input 7x5x16\nGAP")
    r = a.layers[0]
    assert r.output == g.layers[0].output == (1, 1, 16)
    assert r.flops == g.layers[0].flops == 7 * 5 * 16  # H·W − 1 adds + 1 division
    assert (r.rf.h.size, r.rf.w.size, r.rf.h.jump, r.rf.w.jump) == (7, 5, 0, 0)
    assert r.rf == g.layers[0].rf


def test_adaptive_avg_pool_of_1_after_a_conv_is_gap() -> None:
    text = "input 9x9x3\nCONV(4, f=3, s=2) - {}"
    a, g = net(text.format("ADAPTIVEAVGPOOL(1)")), net(text.format("GAP"))
    # conv output 4×4: the whole of it, 1 + (4 − 1)·2 + (3 − 1) = 9 pixels
    assert a.layers[1].rf.h.size == 9 and a.layers[1].rf.h.jump == 0
    assert a.layers[1].rf == g.layers[1].rf
    assert a.layers[1].flops == g.layers[1].flops == 4 * 4 * 4


def test_adaptive_avg_pool_divisible_is_avgpool() -> None:
    # 14/7 = 2: windows [2i, 2i + 2), as AVGPOOL(2): F·F per output element.
    a = net("input 14x14x512\nADAPTIVEAVGPOOL(7)")
    p = net("input 14x14x512\nAVGPOOL(2)")
    r = a.layers[0]
    assert r.output == (7, 7, 512)
    assert r.flops == 2 * 2 * 7 * 7 * 512 == p.layers[0].flops
    assert (r.rf.h.size, r.rf.h.jump, r.rf.h.start) == (2, 2, Fraction(1, 2))
    assert r.rf == p.layers[0].rf


def test_vgg_and_alexnet_adaptive_pools_are_identities() -> None:
    # torchvision's VGG: AdaptiveAvgPool2d((7, 7)) on 7×7×512; AlexNet: ((6, 6)) on 6×6×256.
    for size, c in ((7, 512), (6, 256)):
        r = net(f"input {size}x{size}x{c}\nADAPTIVEAVGPOOL({size}x{size})").layers[0]
        assert r.output == (size, size, c)
        assert r.flops == size * size * c  # windows of 1: one division each
        assert (r.rf.h.size, r.rf.h.jump, r.rf.h.start) == (1, 1, 0)


def test_adaptive_pool_names() -> None:
    a = net("input 8x8x2\nAdaptiveAvgPool2d(2) - ADAPTIVE_MAX_POOL(1x2)")
    assert [r.kind for r in a.layers] == ["adaptiveavgpool", "adaptivemaxpool"]
    assert a.layers[1].output == (1, 2, 2)
    # 2×2 input, 1×2 outputs: windows of 2 rows × 1 column, one comparison each
    assert a.layers[1].flops == (2 * 1 - 1) * (1 * 2) * 2


def test_adaptive_pool_errors() -> None:
    assert "needs size" in error("ADAPTIVEAVGPOOL").message
    assert "positive integer" in error("ADAPTIVEMAXPOOL(0)").message
    assert "two dimensions" in error("ADAPTIVEAVGPOOL(2x3x4)").message
    assert "needs an H×W×C volume" in error("FC(10) - ADAPTIVEAVGPOOL(2)").message


@hand("zeropad")
def test_zeropad_sides() -> None:
    a = net("input 8x6x3\nZEROPAD(1) - ZEROPAD(1x2) - ZEROPAD(top=0, bottom=1, left=0, right=1)")
    one, axes, sides = a.layers
    assert one.output == (1 + 8 + 1, 1 + 6 + 1, 3)
    assert axes.output == (10 + 1 + 1, 8 + 2 + 2, 3)
    assert sides.output == (12 + 0 + 1, 12 + 0 + 1, 3)
    assert all(r.params == r.macs == r.flops == 0 for r in a.layers)
    assert all(r.stored for r in a.layers)  # new tensors
    assert one.memory == 10 * 8 * 3 * 4


def test_zeropad_keyword_overrides_p() -> None:
    r = net("input 8x6x3\nZEROPAD(2x1, top=0, right=3)").layers[0]
    assert r.output == (0 + 8 + 2, 1 + 6 + 3, 3)


def test_zeropad_pytorch_order() -> None:
    # nn.ZeroPad2d((1, 2, 3, 4)): left 1, right 2, top 3, bottom 4.
    r = net("input 5x5x1\nZEROPAD(left=1, right=2, top=3, bottom=4)").layers[0]
    assert r.output == (3 + 5 + 4, 1 + 5 + 2, 1)


def test_zeropad_receptive_field_shifts_the_start() -> None:
    # Unit o of the padded map is input pixel o − top (o − left): a window of 1.
    a = net("input 8x8x1\nZEROPAD(top=2, left=1, bottom=0, right=5) - CONV(1, f=3)")
    pad, conv = a.layers
    assert (pad.rf.h.size, pad.rf.h.jump, pad.rf.h.start) == (1, 1, -2)
    assert (pad.rf.w.size, pad.rf.w.jump, pad.rf.w.start) == (1, 1, -1)
    # conv: start' = start + ((3 − 1)/2 − 0)·1
    assert (conv.rf.h.size, conv.rf.h.start, conv.rf.w.start) == (3, -2 + 1, -1 + 1)


def test_zeropad_before_an_adaptive_pool() -> None:
    # The brief's net: CONV f=3 on 13×11 → 11×9; padded 0 + 11 + 1 by 2 + 9 + 0 = 12×11.
    a = net("input 13x11x3\nCONV(4, f=3) - ZEROPAD(top=0, bottom=1, left=2, right=0) - "
            "ADAPTIVEAVGPOOL(5x4)")
    assert a.layers[1].output == (12, 11, 4)
    # the pool reads rows [0, 3) of the padded map: conv units 0 … 2, pixels 0 … 4;
    # cols [0, 3): conv units −2 … 0 (two of padding), pixels −2 … 2
    pool = a.layers[2]
    assert pool.rf.h.span(0) == (0, 2 + 2) and pool.rf.w.span(0) == (-2, 0 + 2)


@pytest.mark.parametrize(("text", "message"), [
    ("ZEROPAD(1.5)", "integer ≥ 0"),
    ("ZEROPAD(same)", "integer ≥ 0"),
    ("ZEROPAD(front=1)", "no argument 'front'"),
    ("ZEROPAD(top=1, top=2)", "given twice"),
    ("FC(10) - ZEROPAD(1)", "needs an H×W×C volume"),
])
def test_zeropad_errors(text: str, message: str) -> None:
    assert message in error(text).message
