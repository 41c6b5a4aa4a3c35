"""The runner on top of the kernels: registry parity, geometry by hand, in-place storage,
kept bytes, MAC records per node, losses. Expected values are hand arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from kinds import EXAMPLES, network

import archcalc
from archcalc.executor import geometry
from archcalc.executor.kernels import KERNELS
from archcalc.executor.network import Options, run
from archcalc.executor.trace import Blocked
from archcalc.layers import graph_kinds
from archcalc.values import Pair, Word


def trace_of(text: str, **options: object):  # type: ignore[no-untyped-def]
    trace, _ = run(archcalc.build_graph(text), Options(**options))  # type: ignore[arg-type]
    return {node.name: node for node in trace.nodes}, trace


def test_kernels_and_layer_kinds_are_the_same_set() -> None:
    assert sorted(KERNELS) == sorted(graph_kinds())


@pytest.mark.parametrize(("size", "span", "stride", "expected"), [
    (32, 3, 1, (1, 1)),  # total (32 − 1)·1 + 3 − 32 = 2
    (224, 7, 2, (2, 3)),  # ⌈224/2⌉ = 112: (111·2 + 7 − 224) = 5 → 2 before, 3 after
    (225, 7, 2, (3, 3)),  # ⌈225/2⌉ = 113: 112·2 + 7 − 225 = 6
    (5, 1, 2, (0, 0)),  # (3 − 1)·2 + 1 − 5 = 0
    (4, 1, 3, (0, 0)),  # (2 − 1)·3 + 1 − 4 = 0 (clamped at 0 when negative)
    (6, 2, 2, (0, 0)),  # 3 outputs: (3 − 1)·2 + 2 − 6 = 0
    (7, 4, 2, (1, 2)),  # 4 outputs: 3·2 + 4 − 7 = 3
])
def test_same_padding_follows_tensorflow(size: int, span: int, stride: int,
                                         expected: tuple[int, int]) -> None:
    assert geometry.same_padding(size, span, stride) == expected


@pytest.mark.parametrize(("size", "kernel", "stride", "pad", "expected"), [
    (5, 2, 2, (0, 0), 1),  # ⌈3/2⌉ + 1 = 3 windows: the last reads row 5, one past
    (4, 2, 2, (0, 0), 0),  # exact: 2 windows
    (6, 3, 2, (0, 0), 1),  # ⌈3/2⌉ + 1 = 3 windows at 0, 2, 4: rows up to 6
    (5, 3, 2, (1, 1), 0),  # padded 7: ⌈4/2⌉ + 1 = 3 windows at 0, 2, 4 read ≤ 6
    (3, 2, 2, (1, 1), 0),  # padded 5: ⌈3/2⌉ + 1 = 3, but window 3 would start at 4 ≥ 3 + 1:
                           # PyTorch drops it, leaving 2 windows and no overhang
    (112, 3, 2, (0, 0), 1),  # ⌈109/2⌉ + 1 = 56 windows: the last starts at 110, reads 112
])
def test_ceil_overhang(size: int, kernel: int, stride: int, pad: tuple[int, int],
                       expected: int) -> None:
    assert geometry.ceil_overhang(size, kernel, stride, pad) == expected


def test_windowed_reads_fields_only() -> None:
    from archcalc.layers.pool import MaxPool

    g = geometry.windowed(MaxPool(f=Pair(3, 3), s=None, p=Word("same"), ceil=False), (8, 9))
    assert g.kernel == (3, 3) and g.stride == (3, 3)  # S = F for pools
    # ⌈8/3⌉ = 3: 2·3 + 3 − 8 = 1 → (0, 1); ⌈9/3⌉ = 3: 2·3 + 3 − 9 = 0
    assert g.padding == ((0, 1), (0, 0))


# ---- kept bytes and in-place storage -----------------------------------------------------


def test_kept_bytes_of_a_small_net_by_hand() -> None:
    nodes, trace = trace_of("input 4x4x2\nCONV(3, f=3, p=1) - RELU - MAXPOOL(2) - FC(5)",
                            batch=2)
    assert trace.input_bytes == 2 * 4 * 4 * 2 * 4
    assert nodes["conv1"].kept_bytes == 2 * 4 * 4 * 3 * 4  # float32, batch 2
    assert nodes["relu1"].kept_bytes == 0 and nodes["relu1"].lives_in == "conv1"
    assert nodes["pool1"].kept_bytes == 2 * 2 * 2 * 3 * 4
    assert nodes["fc1"].kept_bytes == 2 * 5 * 4


def test_relu_on_the_input_overwrites_it() -> None:
    nodes, _ = trace_of("input 4x4x2\nRELU - CONV(2)")
    assert nodes["relu1"].lives_in == "input" and nodes["relu1"].kept_bytes == 0


def test_in_place_is_refused_when_another_path_reads_the_input_later() -> None:
    nodes, _ = trace_of("input 6x6x2\nCONV(2, f=1)\nRES(RELU - CONV(2, p=1) | IDENTITY)")
    relu = nodes["relu1"]
    assert relu.kept_bytes == 6 * 6 * 2 * 4 and relu.lives_in == ""
    assert relu.blocked == Blocked("identity1", kept=False)
    assert nodes["identity1"].lives_in == "conv1"  # a view: no new storage


def test_in_place_is_refused_over_an_output_a_cache_keeps() -> None:
    nodes, _ = trace_of("input 5x5x1\nCONV(2) - TANH - DROPOUT")  # tanh's backward needs it
    assert nodes["tanh1"].lives_in == "conv1"
    assert nodes["dropout1"].kept_bytes == 3 * 3 * 2 * 4
    assert nodes["dropout1"].blocked == Blocked("tanh1", kept=True)


def test_relu_then_dropout_both_in_place() -> None:
    nodes, _ = trace_of("input 8\nFC(6) - RELU - DROPOUT - FC(2)")
    assert nodes["relu1"].lives_in == "fc1" and nodes["dropout1"].lives_in == "fc1"


def test_workspace_counts_cache_arrays_that_are_not_outputs() -> None:
    nodes, _ = trace_of("input 3x3x4\nBN - RELU - MAXPOOL(3)")
    assert nodes["bn1"].workspace_bytes == 2 * 36 * 4 + 4 * 4  # x − μ, x̂ (float32), σ² (C)
    assert nodes["relu1"].workspace_bytes == 36  # the bool mask
    assert nodes["pool1"].workspace_bytes == 4  # uint8 argmax, one per output


# ---- MACs, parameters, losses -------------------------------------------------------------


def test_mac_records_are_labelled_per_node() -> None:
    nodes, trace = trace_of("input 5x5x2\nc: CONV(4, f=3) - f: FC(3)", batch=2)
    labels = {r.label for r in trace.records}
    assert labels == {"c/conv.forward", "c/conv.dw", "c/conv.dx", "f/fc.forward", "f/fc.dw",
                      "f/fc.dx"}
    assert nodes["c"].macs_forward == 2 * 3 * 3 * 4 * (3 * 3 * 2)  # N·H'·W'·K·(F·F·C)
    assert nodes["c"].macs_backward == 2 * nodes["c"].macs_forward  # dW and dX
    assert nodes["f"].macs_forward == 2 * 36 * 3


def test_parameter_arrays_and_buffers() -> None:
    nodes, _ = trace_of("input 4x4x3\nCONV(6, f=3, groups=3, bias=false) - BN - PRELU\n"
                        "LOCAL(2, f=2) - DECONV(3, f=2, s=2)")
    assert nodes["conv1"].weights == {"w": (3, 3, 1, 6)}
    assert nodes["bn1"].weights == {"gamma": (6,), "beta": (6,)} and nodes["bn1"].buffers == 12
    assert nodes["prelu1"].params == 6
    assert nodes["local1"].weights == {"w": (1, 1, 2, 2, 6, 2), "b": (1, 1, 2)}
    assert nodes["deconv1"].weights == {"w": (2, 2, 2, 3), "b": (3,)}
    assert nodes["deconv1"].output == (2, 2, 3)  # (1 − 1)·2 + 2


def test_gap_gives_a_1x1_volume() -> None:
    nodes, _ = trace_of("input 3x5x4\nGAP")
    assert nodes["gap1"].output == (1, 1, 4)


def test_softmax_loss_starts_below_the_softmax() -> None:
    nodes, trace = trace_of("input 6\nFC(4) - SOFTMAX", batch=3)
    assert trace.loss == "softmax cross-entropy"
    assert nodes["softmax1"].macs_backward == 0 and nodes["fc1"].macs_backward == 2 * 3 * 6 * 4
    assert np.isfinite(trace.loss_value) and trace.loss_value > 0


def test_other_nets_use_a_random_projection_loss() -> None:
    _, trace = trace_of("input 6\nFC(4) - TANH")
    assert trace.loss == "Σ output·R"


def test_runs_are_deterministic() -> None:
    _, a = trace_of("input 6x6x2\nCONV(3) - DROPOUT - FC(2)", seed=5)
    _, b = trace_of("input 6x6x2\nCONV(3) - DROPOUT - FC(2)", seed=5)
    _, c = trace_of("input 6x6x2\nCONV(3) - DROPOUT - FC(2)", seed=6)
    assert a.loss_value == b.loss_value != c.loss_value


def test_every_kind_has_an_example() -> None:
    assert sorted(EXAMPLES) == sorted(graph_kinds())


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_kind_runs_and_its_gradients_have_the_parameters_shapes(kind: str) -> None:
    nodes, _ = trace_of(network(kind), batch=2)
    assert kind in {n.kind for n in nodes.values()}
    assert all(n.grads_ok for n in nodes.values())
