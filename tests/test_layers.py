"""Every layer kind on a hand-computed case: shape, params, MACs, FLOPs, RF.

Each expected value is written as the arithmetic that produces it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from helpers import HAND_TESTED, error, hand, net
from kinds import EXAMPLES as KIND_EXAMPLES
from kinds import network as kind_network

import archcalc
from archcalc.layers import REGISTRY
from archcalc.placement import Blocker, Placement


@hand("conv")
def test_conv_alexnet_conv1() -> None:
    # CS182 slide: (227 − 11)/4 + 1 = 55; (11·11·3)·96 + 96 = 34,944.
    a = net("input 227x227x3\nconv1: CONV(96, f=11, s=4)")
    r = a["conv1"]
    assert r.output == (55, 55, 96)
    assert r.params == 11 * 11 * 3 * 96 + 96 == 34_944
    assert r.weights == 11 * 11 * 3 * 96
    assert r.macs == 55 * 55 * 96 * (11 * 11 * 3) == 105_415_200
    assert r.flops == 2 * 105_415_200 + 55 * 55 * 96  # products and bias adds
    assert r.activations == 55 * 55 * 96
    assert (r.rf.h.size, r.rf.h.jump) == (11, 4)


def test_conv_padding_stride_dilation_rectangular() -> None:
    # H: F' = 2·(3 − 1) + 1 = 5, (32 − 5 + 2·2)/1 + 1 = 32; W: F' = 2·(5 − 1) + 1 = 9,
    # p=2 → (32 − 9 + 4)/1 + 1 = 28.
    r = net("CONV(8, f=3x5, p=2, d=2)").layers[0]
    assert r.output == (32, 28, 8)
    assert r.params == 3 * 5 * 3 * 8 + 8
    assert (r.rf.h.size, r.rf.w.size) == (5, 9)


def test_conv_same_padding_is_asymmetric_when_needed() -> None:
    # TF "same": out = ⌈32/2⌉ = 16; total pad = (16 − 1)·2 + 3 − 32 = 1 → 0 before, 1 after.
    r = net("CONV(4, f=3, s=2, p=same)").layers[0]
    assert r.output == (16, 16, 4)
    assert r.fits
    # start = 0 + ((3 − 1)/2 − 0)·1 = 1 (no padding before).
    assert r.rf.h.start == 1


def test_conv_groups_and_depthwise() -> None:
    # groups=4: each filter sees 32/4 = 8 channels: (3·3·8)·64 + 64.
    a = net("input 16x16x32\nCONV(64, f=3, p=1, groups=4) - CONV(64, f=3, p=1, groups=64)")
    g, dw = a.layers
    assert g.params == 3 * 3 * 8 * 64 + 64
    assert g.macs == 16 * 16 * 64 * (3 * 3 * 8)
    assert dw.params == 3 * 3 * 1 * 64 + 64  # depthwise: one 3×3 filter per channel
    assert dw.macs == 16 * 16 * 64 * 9


def test_conv_without_bias() -> None:
    r = net("CONV(8, f=1, bias=false)").layers[0]
    assert r.params == 1 * 1 * 3 * 8
    assert r.flops == 2 * 32 * 32 * 8 * 3  # no bias adds


def test_conv_shorthands() -> None:
    # VGG's conv3-64: f=3, s=1, p=same; FC-4096 = FC(4096); POOL2 = 2×2 stride 2.
    a = net("input 224x224x3\nCONV3-64 - POOL2 - CONV1-8 - FC-10")
    assert [r.output for r in a.layers] == [(224, 224, 64), (112, 112, 64),
                                            (112, 112, 8), (10,)]
    assert a.layers[0].params == 3 * 3 * 3 * 64 + 64
    assert a.layers[2].params == 64 * 8 + 8


@hand("local")
def test_local_has_unshared_weights() -> None:
    # Output (8 − 3)/1 + 1 = 6; each of 6·6 positions has (3·3·2)·4 weights + 4 biases.
    r = net("input 8x8x2\nLOCAL(4, f=3)").layers[0]
    assert r.output == (6, 6, 4)
    assert r.params == 6 * 6 * (3 * 3 * 2 * 4 + 4)
    assert r.macs == 6 * 6 * 4 * (3 * 3 * 2)


@hand("deconv")
def test_deconv_output_size_and_macs() -> None:
    # (7 − 1)·2 − 2·1 + 3 + 1 = 14 (PyTorch ConvTranspose2d); MACs per input unit.
    r = net("input 7x7x16\nDECONV(8, f=3, s=2, p=1, out_p=1)").layers[0]
    assert r.output == (14, 14, 8)
    assert r.params == 3 * 3 * 16 * 8 + 8
    assert r.macs == 7 * 7 * 16 * (3 * 3 * 8)


@hand("maxpool")
def test_maxpool_alexnet_pool1() -> None:
    # (55 − 3)/2 + 1 = 27, no parameters; 3·3 − 1 comparisons per output.
    r = net("input 55x55x96\nMAXPOOL(3, s=2)").layers[0]
    assert r.output == (27, 27, 96)
    assert r.params == 0
    assert r.flops == (9 - 1) * 27 * 27 * 96
    assert (r.rf.h.size, r.rf.h.jump) == (3, 2)


@hand("maxpool", "avgpool")
def test_pool_ceil_mode_like_caffe() -> None:
    # GoogLeNet: (112 − 3)/2 + 1 = 55.5 → 56 with ceil (Caffe), 55 with floor.
    a = net("input 112x112x64\nMAXPOOL(3, s=2, ceil=true) - AVGPOOL(3, s=2)")
    assert a.layers[0].output == (56, 56, 64)
    misfit = a.layers[0].notes.misfit
    assert a.layers[0].fits is False and misfit is not None and misfit.rounded == "ceil"
    assert a.layers[1].output == (27, 27, 64)  # (56 − 3)/2 + 1 = 27.5 → 27
    assert a.layers[1].flops == 3 * 3 * 27 * 27 * 64


@hand("gap", "upsample")
def test_gap_and_upsample() -> None:
    a = net("input 7x7x1024\nGAP - UPSAMPLE(2)")
    assert a.layers[0].output == (1, 1, 1024)
    assert a.layers[0].flops == 7 * 7 * 1024
    assert a.layers[0].rf.h.size == 7  # sees the whole input
    assert a.layers[1].output == (2, 2, 1024)


@hand("fc")
def test_fc_flattens_a_volume() -> None:
    # LeNet FC3: (5·5·16)·120 + 120 = 48,120.
    r = net("input 5x5x16\nFC(120)").layers[0]
    assert r.output == (120,)
    assert r.params == 48_120
    assert r.macs == 48_000


@hand("flatten", "identity", "dropout")
def test_flatten_identity_dropout_are_free() -> None:
    a = net("input 2x3x4\nFLATTEN - ID - IDENTITY - DROPOUT(0.3) - DROPOUT(keep=0.5)")
    assert [r.output for r in a.layers] == [(24,)] * 5
    assert sum(r.params + r.macs + r.flops for r in a.layers) == 0
    assert not any(r.stored for r in a.layers)


@hand("relu", "leakyrelu", "prelu", "elu", "sigmoid", "tanh")
@pytest.mark.parametrize(("kind", "per_element"), [
    ("RELU", 1), ("LEAKYRELU(0.1)", 2), ("PRELU", 2), ("ELU(1.0)", 3), ("SIGMOID", 3),
    ("TANH", 1),
])
def test_activations_flops_per_element(kind: str, per_element: int) -> None:
    r = net(f"input 4x4x8\n{kind}").layers[0]
    assert r.output == (4, 4, 8)
    assert r.flops == per_element * 4 * 4 * 8
    assert not r.stored  # in place


def test_prelu_learns_one_slope_per_channel() -> None:
    assert net("input 4x4x8\nPRELU").layers[0].params == 8


@hand("softmax")
def test_softmax_flops() -> None:
    # 10 exps, 9 adds, 10 divisions.
    assert net("input 10\nSOFTMAX").layers[0].flops == 10 + 9 + 10


@hand("maxout")
def test_maxout_halves_channels() -> None:
    r = net("input 4x4x8\nMAXOUT(k=2)").layers[0]
    assert r.output == (4, 4, 4)
    assert r.flops == (2 - 1) * 4 * 4 * 4
    assert r.stored  # a new tensor


@hand("bn")
def test_bn_params_and_buffers() -> None:
    # γ and β are parameters (2C); the running mean and variance are buffers (2C).
    r = net("input 4x4x16\nBN").layers[0]
    assert (r.params, r.buffers, r.weights) == (32, 32, 16)
    assert r.flops == 4 * 4 * 4 * 16


@hand("lrn")
def test_lrn_flops() -> None:
    r = net("input 27x27x96\nNORM").layers[0]
    assert r.output == (27, 27, 96)
    assert r.flops == (2 * 5 + 3) * 27 * 27 * 96
    assert r.stored


@hand("add", "concat")
def test_add_and_concat() -> None:
    a = net("input 8x8x4\nADD(CONV(4, f=1) | IDENTITY) - CONCAT(CONV(2, f=1) | CONV(3, f=1))")
    add = a["add1"]
    assert add.output == (8, 8, 4) and add.flops == (2 - 1) * 8 * 8 * 4
    assert a["concat1"].output == (8, 8, 2 + 3)


def test_every_registered_kind_has_a_hand_arithmetic_test() -> None:
    """The kinds of the registry equal the kinds marked @hand in the test_layers* modules."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("test_layers*.py")):
        importlib.import_module(path.stem)
    assert sorted(HAND_TESTED) == sorted(REGISTRY)


def test_wrong_rank_is_an_error() -> None:
    err = error("FC(10) - CONV(4)")
    assert "needs an H×W×C volume" in err.message and "vector of 10" in err.message


def test_dropout_arguments_checked() -> None:
    assert "out of range" in error("DROPOUT(1.5)").message
    assert "either p" in error("DROPOUT(p=0.2, keep=0.5)").message


def test_in_place_only_where_nothing_else_needs_the_input() -> None:
    # TANH keeps its output for its backward pass, so DROPOUT after it cannot overwrite it;
    # a RELU at the start of a residual body would overwrite what the shortcut adds later.
    a = net("input 8x8x4\nCONV(4, f=1) - TANH - DROPOUT(0.5) - RELU\n"
            "RES(RELU - CONV(4, f=1) | IDENTITY)")
    stored = {r.name: r.stored for r in a.layers}
    assert stored["tanh1"] is False  # CONV keeps its input, not its output: fine
    assert stored["dropout1"] is True
    assert a["dropout1"].notes.placement == Placement(True, Blocker.kept, "tanh1")
    assert stored["relu1"] is False  # DROPOUT keeps a mask: in place again
    assert stored["relu2"] is True
    assert a["relu2"].notes.placement == Placement(True, Blocker.read_later, "identity1")
    # forward memory: input 256 + conv1, dropout1, relu2, conv2, res1 (5 × 256 elements)
    assert a.totals.activations == 256 + 5 * 8 * 8 * 4


def test_dropout_takes_p_or_keep_and_the_call_wins_over_defaults() -> None:
    # both written in one call: refused (before, p=0.5 was silently dropped)
    assert "either p" in error("DROPOUT(p=0.5, keep=0.2)").message
    # the call's keep replaces the defaults' p: half dropped, not 0.3 with a conflict
    a = net("input 8\ndefaults DROPOUT(p=0.3)\nDROPOUT(keep=0.5) - DROPOUT")
    assert a.layers[0].node.layer.rate == 1 - Fraction(1, 2)  # type: ignore[attr-defined]
    assert a.layers[1].node.layer.rate == Fraction(3, 10)  # type: ignore[attr-defined]


def test_a_whole_decimal_is_an_integer() -> None:
    # CONV(8.0) was refused while CONV(4.0*2) was accepted: both are 8 filters now
    a = net("CONV(8.0) - CONV(4.0*2)")
    assert [r.output[-1] for r in a.layers] == [8, 8]


@pytest.mark.parametrize("pool", ["MAXPOOL(2, s=1, p=2)", "AVGPOOL(3, p=0x2)", "MAXPOOL(1, p=1)"])
def test_pool_padding_beyond_half_the_window_is_refused_as_pytorch_does(pool: str) -> None:
    # PyTorch: "pad should be at most half of effective kernel size" (2·P ≤ F)
    assert "more than half the window" in error(f"input 8x8x1\n{pool}").message


@pytest.mark.parametrize("pool", ["MAXPOOL(3, ceil=true)", "AVGPOOL(3, s=2, ceil=true)"])
def test_a_ceil_mode_window_larger_than_its_input_gives_one_unit(pool: str) -> None:
    # PyTorch and Caffe: ⌈(2 − 3)/S⌉ + 1 = 1; floor mode refuses: ⌊(2 − 3)/3⌋ + 1 = 0
    assert net(f"input 2x2x1\n{pool}").layers[0].output == (1, 1, 1)
    assert "larger than the padded input" in error("input 2x2x1\nMAXPOOL(3)").message


@pytest.mark.parametrize("kind", sorted(KIND_EXAMPLES))
def test_the_kernel_shape_holds_exactly_the_weights(kind: str) -> None:
    """Every layer's weight-array shape multiplies out to its params without biases, and a
    layer without weights has none: the two rules of each family agree."""
    for r in archcalc.analyze(kind_network(kind)).layers:
        kernel = r.rules.kernel
        assert (math.prod(kernel) if kernel else 0) == r.weights, (r.name, kernel, r.weights)


def test_kernel_shapes_in_pytorch_layout() -> None:
    """torch: Conv2d.weight (out, in/groups, kh, kw), ConvTranspose2d (in, out, kh, kw),
    Linear (out, in), BatchNorm2d (C,)."""
    a = archcalc.analyze("input 8x8x4\nCONV(6, f=3, groups=2) - DECONV(5, f=2) - BN - FC(7)")
    assert [r.rules.kernel for r in a.layers] == [(6, 2, 3, 3), (6, 5, 2, 2), (5,),
                                                  (7, 7 * 7 * 5)]
