"""LAYERNORM, GROUPNORM, SCALE and DROPPATH on hand-computed cases: shape, params, weights,
buffers, MACs, FLOPs, receptive field, in place or stored, and the argument errors.

Each expected value is written as the arithmetic that produces it. The normalizations' FLOPs
(archcalc/layers/norm.py) per statistics set of m elements: μ m (m − 1 adds, a division),
σ² 3m (subtract, square, m − 1 adds, a division), √(σ² + ε) 2, (x − μ)/σ m, γ·x̂ + β 2m.
"""

from __future__ import annotations

from fractions import Fraction

from helpers import error, hand, net

from archcalc.placement import Blocker, Placement


def mu_var_norm(m: int) -> int:
    """μ, σ², √(σ² + ε) and the division of one statistics set of m elements, by hand."""
    mean = (m - 1) + 1
    variance = m + m + (m - 1) + 1
    return mean + variance + 2 + m


@hand("layernorm")
def test_layernorm_convnext_stem() -> None:
    # ConvNeXt-T stem: 4×4 patchify to 96 channels, then LayerNorm2d over the 96 channels of
    # each of the 56·56 positions: γ, β are 2·96 parameters and no buffers.
    a = net("input 224x224x3\nCONV(96, f=4, s=4) - LAYERNORM")
    r = a["ln1"]
    assert r.output == (56, 56, 96)
    assert (r.params, r.weights, r.buffers, r.macs) == (2 * 96, 96, 0, 0)
    assert r.flops == 56 * 56 * (mu_var_norm(96) + 2 * 96) == 56 * 56 * (7 * 96 + 2)
    assert r.stored  # a new tensor
    assert (r.rf.h.size, r.rf.h.jump, r.rf.h.start) == (4, 4, Fraction(3, 2))  # the conv's


@hand("layernorm")
def test_layernorm_without_affine_and_on_a_vector() -> None:
    a = net("input 8x8x16\nLAYERNORM(affine=false)")
    r = a.layers[0]
    assert (r.params, r.weights, r.buffers) == (0, 0, 0)
    assert r.flops == 8 * 8 * mu_var_norm(16) == 8 * 8 * (5 * 16 + 2)
    # nn.LayerNorm(10) on a vector: one statistics set of 10 elements
    v = net("input 10\nLN").layers[0]
    assert v.output == (10,)
    assert (v.params, v.weights) == (2 * 10, 10)
    assert v.flops == mu_var_norm(10) + 2 * 10


@hand("groupnorm")
def test_groupnorm_resnet_gn() -> None:
    # Wu & He's ResNet-50-GN: 32 groups; on a 14×14×256 map each group holds 256/32 = 8
    # channels at all 196 positions: m = 8·14·14 per group, 32 groups per sample.
    r = net("input 14x14x256\nGROUPNORM(32)").layers[0]
    assert r.output == (14, 14, 256)
    assert (r.params, r.weights, r.buffers, r.macs) == (2 * 256, 256, 0, 0)
    m = 8 * 14 * 14
    assert r.flops == 32 * mu_var_norm(m) + 2 * 14 * 14 * 256 == 7 * 14 * 14 * 256 + 2 * 32
    assert r.stored


@hand("groupnorm")
def test_groupnorm_without_affine_on_a_vector_and_its_field() -> None:
    r = net("input 12\nGN(3, affine=false)").layers[0]
    assert r.output == (12,) and r.params == 0
    assert r.flops == 3 * mu_var_norm(12 // 3) == 5 * 12 + 2 * 3
    # the statistics are not a path: the field is the conv's, not the whole input
    a = net("input 32x32x4\nCONV(8, f=3, s=2) - GROUPNORM(2)")
    assert (a["gn1"].rf.h.size, a["gn1"].rf.h.jump) == (3, 2)
    assert a["gn1"].rf == a["conv1"].rf


def test_groupnorm_needs_g_to_divide_c() -> None:
    err = error("input 8x8x8\nGROUPNORM(3)")
    assert "GROUPNORM(g=3)" in err.message and "got 8" in err.message
    assert err.hint.endswith(": 1, 2, 4, 8 do")  # every divisor of 8 when there are few
    # 96 has 12 divisors: the nearest below and above g are named
    assert err_hint("input 4x4x96\nGROUPNORM(5)").endswith("are 4 and 6")
    assert err_hint("input 4x4x96\nGROUPNORM(40)").endswith("are 32 and 48")
    assert err_hint("input 96\nGROUPNORM(100)").endswith("are 96")  # more groups than channels
    assert "needs g" in error("GROUPNORM").message
    assert "positive integer" in error("GROUPNORM(0)").message


def err_hint(text: str) -> str:
    return error(text).hint


@hand("scale")
def test_scale_learns_one_multiplier_per_channel() -> None:
    # ConvNeXt's layer scale on a 7×7×768 block output: 768 weights, no bias, 1 multiply each.
    r = net("input 7x7x768\nSCALE").layers[0]
    assert r.output == (7, 7, 768)
    assert (r.params, r.weights, r.buffers, r.macs) == (768, 768, 0, 0)
    assert r.flops == 7 * 7 * 768
    assert r.stored


@hand("droppath")
def test_droppath_is_free_and_in_place() -> None:
    a = net("input 8x8x4\nCONV(4, f=3, s=2) - DROPPATH - DROPPATH(0.2) - STOCHASTICDEPTH(p=0)")
    layers = a.layers[1:]
    assert [r.output for r in layers] == [(3, 3, 4)] * 3
    assert sum(r.params + r.buffers + r.macs + r.flops for r in layers) == 0
    assert not any(r.stored for r in layers)
    assert [r.node.layer.p for r in layers] == [Fraction(1, 10), Fraction(1, 5), 0]
    assert all(r.rf == a["conv1"].rf for r in layers)
    assert "out of range" in error("DROPPATH(1)").message  # p in [0, 1)
    assert "out of range" in error("DROPPATH(-0.1)").message


def test_what_the_backward_passes_keep() -> None:
    # SCALE keeps its input (dγ = Σ dout·x), so a RELU on another path cannot overwrite that
    # input; LAYERNORM keeps x̂ and 1/σ, not its input, so the same RELU runs in place.
    scale = net("input 8x8x4\nCONV(4, f=1) - ADD(SCALE | RELU)")
    assert scale["relu1"].notes.placement == Placement(True, Blocker.kept, "scale1")
    ln = net("input 8x8x4\nCONV(4, f=1) - ADD(LAYERNORM | RELU)")
    assert not ln["relu1"].stored
    # nor does either keep its output: an in-place kind after them writes into it
    after = net("input 8x8x4\nCONV(4, f=1) - SCALE - DROPPATH - GN(2) - RELU - LN - RELU")
    assert [after[n].stored for n in ("droppath1", "relu1", "relu2")] == [False] * 3
    # TANH keeps its output: DROPPATH after it must store, as DROPOUT does
    tanh = net("input 8x8x4\nCONV(4, f=1) - TANH - DROPPATH")
    assert tanh["droppath1"].notes.placement == Placement(True, Blocker.kept, "tanh1")
