"""gemm counts exactly the multiply-adds it issues; each kernel's count by hand arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from archcalc.executor import conv, deconv, dense
from archcalc.executor.gemm import GemmRecord, MacCounter, gemm
from archcalc.executor.kernels import KERNELS


def test_gemm_counts_m_n_k(rng: np.random.Generator) -> None:
    counter = MacCounter()
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3))
    np.testing.assert_array_equal(gemm(a, b, counter, "t"), a @ b)
    assert counter.macs == 4 * 3 * 5
    assert counter.records == [GemmRecord("t", batch=1, m=4, k=5, n=3)]


def test_gemm_counts_every_product_of_a_batch(rng: np.random.Generator) -> None:
    counter = MacCounter()
    gemm(rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 5, 2)), counter)
    gemm(rng.standard_normal((4, 5)), rng.standard_normal((6, 5, 2)), counter)  # broadcast
    assert counter.macs == 3 * 4 * 2 * 5 + 6 * 4 * 2 * 5


def test_gemm_refuses_mismatched_inner_sizes(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="cannot multiply"):
        gemm(rng.standard_normal((4, 5)), rng.standard_normal((4, 5)), MacCounter())


def test_total_by_label_prefix() -> None:
    counter = MacCounter()
    counter.add(GemmRecord("conv.forward", 1, 2, 3, 4))
    counter.add(GemmRecord("conv.dx", 2, 1, 1, 1))
    counter.add(GemmRecord("fc.forward", 1, 1, 1, 5))
    assert (counter.total("conv."), counter.total("fc"), counter.total()) == (26, 5, 31)


def test_conv_counts_grouped_rectangular_strided(rng: np.random.Generator) -> None:
    # x 2x7x9x6, K=8 filters 3x5, stride (2, 1), padding ((1, 0), (2, 2)), groups=2:
    # H_out = (7 + 1 − 3)//2 + 1 = 3, W_out = (9 + 4 − 5)//1 + 1 = 9, C_in/groups = 3
    counter = MacCounter()
    x, w = rng.standard_normal((2, 7, 9, 6)), rng.standard_normal((3, 5, 3, 8))
    hyper = {"stride": (2, 1), "padding": ((1, 0), (2, 2)), "groups": 2}
    out, cache = conv.conv_forward(x, {"w": w}, counter=counter, **hyper)
    assert out.shape == (2, 3, 9, 8)
    forward = 2 * 3 * 9 * 8 * (3 * 5 * 3)  # N·H_out·W_out·K·F_h·F_w·C_in/groups = 19,440
    assert counter.macs == forward == 19_440
    assert [r.batch for r in counter.records] == [2]  # one product per group
    conv.conv_backward(rng.standard_normal(out.shape), cache, counter)
    assert counter.total("conv.dw") == counter.total("conv.dx") == forward


def test_conv_counts_depthwise(rng: np.random.Generator) -> None:
    # depthwise 3x3 on 1x8x8x4, multiplier 2 (K = 8), padding 1: 8·8·8·3·3·1 = 4,608
    counter = MacCounter()
    x, w = rng.standard_normal((1, 8, 8, 4)), rng.standard_normal((3, 3, 1, 8))
    conv.conv_forward(x, {"w": w}, counter=counter, padding=((1, 1), (1, 1)), groups=4)
    assert counter.macs == 8 * 8 * 8 * 3 * 3 * 1 == 4_608


def test_alexnet_conv1_counts_105_4_million(rng: np.random.Generator) -> None:
    """design.md §3: `expect conv1: 55x55x96 ... macs=105.4M` = 55·55·96·11·11·3."""
    counter = MacCounter()
    x = rng.standard_normal((1, 227, 227, 3)).astype(np.float32)
    w = rng.standard_normal((11, 11, 3, 96)).astype(np.float32)
    out, _ = conv.conv_forward(x, {"w": w}, counter=counter, stride=(4, 4))
    assert out.shape == (1, 55, 55, 96)
    assert counter.macs == 55 * 55 * 96 * 11 * 11 * 3 == 105_415_200


def test_local_counts_one_product_per_position(rng: np.random.Generator) -> None:
    # x 3x6x5x2, 2x2 windows stride 1: H_out·W_out·(N·K·F_h·F_w·C_in) = 5·4·(3·4·2·2·2) = 1,920
    counter = MacCounter()
    x, w = rng.standard_normal((3, 6, 5, 2)), rng.standard_normal((5, 4, 2, 2, 2, 4))
    out, cache = conv.local_forward(x, {"w": w}, counter=counter)
    assert counter.macs == 5 * 4 * (3 * 4 * 2 * 2 * 2) == 1_920
    assert counter.records[0].batch == 5 * 4
    conv.local_backward(rng.standard_normal(out.shape), cache, counter)
    assert counter.total("local.dw") == counter.total("local.dx") == 1_920


def test_deconv_counts_input_pixels_times_kernel(rng: np.random.Generator) -> None:
    # x 2x3x4x5 -> K=6, 3x3 stride 2: N·H_in·W_in·C_in·F_h·F_w·K = 2·3·4·5·3·3·6 = 6,480
    counter = MacCounter()
    x, w = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((5, 3, 3, 6))
    out, cache = deconv.deconv_forward(x, {"w": w}, counter=counter, stride=(2, 2), padding=(1, 1))
    assert out.shape == (2, 5, 7, 6)  # (3−1)·2 − 2 + 3 = 5, (4−1)·2 − 2 + 3 = 7
    assert counter.macs == 2 * 3 * 4 * 5 * 3 * 3 * 6 == 6_480
    deconv.deconv_backward(rng.standard_normal(out.shape), cache, counter)
    assert counter.total("deconv.dw") == counter.total("deconv.dx") == 6_480


def test_fc_counts_n_d_in_d_out(rng: np.random.Generator) -> None:
    # VGG-16's FC6 shape at batch 1, scaled down: 7·7·8 inputs -> 16 outputs: 392·16 = 6,272
    counter = MacCounter()
    x, w = rng.standard_normal((1, 7, 7, 8)), rng.standard_normal((392, 16))
    out, cache = dense.fc_forward(x, {"w": w, "b": np.zeros(16)}, counter=counter)
    assert counter.macs == 1 * 392 * 16 == 6_272
    dense.fc_backward(rng.standard_normal(out.shape), cache, counter)
    dw_record = counter.records[-1]
    assert (dw_record.label, dw_record.m, dw_record.k, dw_record.n) == ("fc.dw", 392, 1, 16)
    assert counter.macs == 3 * 6_272  # forward, dx, dW (an outer product at batch 1)


def test_only_the_product_kinds_take_a_counter() -> None:
    """MACs count CONV, FC, LOCAL and DECONV (docs/language.md §8): exactly the kernels that
    take the gemm counter, because only they issue products."""
    counting = {kind for kind, k in KERNELS.items()
                if "counter" in k.takes or "backward.counter" in k.takes}
    assert counting == {"conv", "local", "deconv", "fc"}
