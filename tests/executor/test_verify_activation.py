"""End to end: small networks with RELU6, SILU, HARDSWISH, HARDSIGMOID and GELU run for real, and
the analyzer's shapes, params, buffers, MACs, kept bytes (the in-place convention) and
receptive fields equal the executor's."""

from __future__ import annotations

import pytest

import archcalc
from archcalc.executor.network import Options
from archcalc.executor.verify import Report, compare

NETS = {
    "chain": """input 16x16x3
CONV(8, f=3, p=1) - SILU - CONV(8, f=3, p=1) - GELU(tanh=true) - CONV(8, f=1) - HARDSWISH
RELU6 - HARDSIGMOID - GAP - FC(10)""",
    # masks and copies block nothing: every DROPOUT and activation writes in place
    "in_place_after_each": """input 12x12x2
CONV(4, f=3, p=1) - SWISH - DROPOUT(0.2) - GELU - DROPOUT(0.2) - HARDSWISH - RELU6
HARDSIGMOID - DROPOUT(0.2) - CONV(4, f=3, s=2) - GELU - FC(5)""",
    # a branch reads the input later: the first activation stores; the last reader may
    # overwrite it (no cache holds that buffer)
    "branches": """input 10x10x3
CONV(4, f=1) - ADD(SILU | RELU) - ADD(GELU - CONV(4, f=3, p=1) | IDENTITY)
ADD(HARDSWISH | RELU6) - RES(HARDSIGMOID - CONV(4, f=1) | IDENTITY) - RELU6 - FC(3)""",
    # TANH's backward keeps its output: the gated kind after it must store
    "after_tanh": """input 6x6x2
CONV(3, f=3) - TANH - SILU - CONV(3, f=1) - SIGMOID - GELU(tanh=true) - FC(2)""",
    "vectors": """input 12
FC(8) - GELU(tanh=true) - FC(6) - SWISH - FC(5) - HARDSWISH - RELU6 - HARDSIGMOID - GELU
FC(3) - SOFTMAX""",
    "strided_dilated": """input 23x19x2
CONV(4, f=3, s=2, p=1) - RELU6 - CONV(4, f=3, d=2) - HARDSWISH - MAXPOOL(2)
CONV(4, f=3, p=same) - GELU - CONV(4, f=2, s=2) - HARDSIGMOID - SILU""",
    # three doublings lift the probe's positive activations to ~8, past RELU6's 6 and
    # HARDSIGMOID's 3, where their derivatives are 0: without their identity stand-ins the
    # supports after them vanish and the measured fields are wrong
    "past_the_kinks": """input 24x24x2
CONV(4, f=3, p=1) - ADD(IDENTITY | IDENTITY) - ADD(IDENTITY | IDENTITY)
ADD(IDENTITY | IDENTITY) - RELU6 - CONV(4, f=3, p=1) - ADD(IDENTITY | IDENTITY)
ADD(IDENTITY | IDENTITY) - HARDSIGMOID - CONV(4, f=3, p=1)""",
}


def verified(text: str, options: Options = Options(), gradcheck: int = 0) -> Report:
    graph = archcalc.build_graph(text)
    analysis = archcalc.analyze(text, batch=options.batch, dtype=options.dtype)
    report = compare(graph, analysis, options, gradcheck_samples=gradcheck)
    failing = [(layer.name, layer.figures) for layer in report.layers if not layer.ok]
    assert report.ok, failing
    return report


@pytest.mark.parametrize("name", sorted(NETS))
def test_static_equals_executed(name: str) -> None:
    verified(NETS[name], Options(batch=2))


def test_float64_with_a_gradient_check() -> None:
    report = verified(NETS["chain"], Options(batch=2, dtype="float64"), gradcheck=2)
    assert report.gradcheck and all(g.ok for g in report.gradcheck)


def test_in_place_layers_keep_no_new_bytes() -> None:
    report = verified(NETS["in_place_after_each"])
    kept = {layer.name: layer.trace.kept_bytes for layer in report.layers}
    assert kept["conv1"] == 12 * 12 * 4 * 4  # float32
    assert all(kept[n] == 0 for n in ("silu1", "dropout1", "gelu1", "dropout2", "hardswish1",
                                      "relu6_1", "hardsigmoid1", "dropout3"))


def test_a_gated_kind_in_a_branch_does_not_block_the_other_branch() -> None:
    # ADD(SILU | RELU): SILU stores (RELU reads its input later); RELU then writes in place,
    # since SILU's cache holds a copy of x, not x
    report = verified(NETS["branches"])
    kept = {layer.name: layer.trace.kept_bytes for layer in report.layers}
    assert kept["silu1"] == 10 * 10 * 4 * 4 and kept["relu1"] == 0
    assert kept["hardswish1"] == 10 * 10 * 4 * 4 and kept["relu6_1"] == 0


def test_workspace_is_a_mask_or_a_copy() -> None:
    report = verified(NETS["chain"])
    workspace = {layer.name: layer.trace.workspace_bytes for layer in report.layers}
    elements = 16 * 16 * 8
    assert workspace["relu6_1"] == workspace["hardsigmoid1"] == elements  # bool: 1 byte each
    assert workspace["silu1"] == workspace["gelu1"] == workspace["hardswish1"] == elements * 4


@pytest.mark.parametrize("call", ["SILU", "GELU", "GELU(tanh=true)", "HARDSWISH"])
def test_gates_need_no_stand_in_at_large_positive_values(call: str) -> None:
    # on positive inputs their derivatives stay ≥ 1/2, at ~8 as at ~1
    verified(NETS["past_the_kinks"].replace("RELU6", call).replace("HARDSIGMOID", call))
