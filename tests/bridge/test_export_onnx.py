"""The ONNX exporter: every kind and merge lowers (a test generated from the registry) to a model
that passes onnx.checker's full check with every value's shape annotated; the weights are
zeros, seeded draws equal to the executor's, or an executor Net's; ONNX's rules that differ from
.arch's (LRN's even window, a ceil pool's overhang) are lowered exactly, checked by hand in
onnxruntime; what cannot be carried over is a located error."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import archcalc  # noqa: E402
from archcalc.bridge import onnx_export_ops  # noqa: E402
from archcalc.bridge.onnx_export import INPUT_NAME, export_onnx  # noqa: E402
from archcalc.errors import ArchError  # noqa: E402
from archcalc.executor.network import Net  # noqa: E402
from archcalc.executor.trace import Options  # noqa: E402
from archcalc.layers import graph_kinds  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kinds import network  # noqa: E402


def run(model, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    s = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {INPUT_NAME: x.astype(np.float32)})[0]


def test_every_kind_and_merge_has_an_onnx_lowering() -> None:
    assert set(graph_kinds()) <= set(onnx_export_ops.LOWER)


@pytest.mark.parametrize("kind", graph_kinds())
def test_every_kind_exports_a_checked_model_with_every_shape_annotated(kind: str) -> None:
    graph = archcalc.build_graph(network(kind))
    model = export_onnx(graph)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 21 and model.ir_version == 10
    annotated = {v.name for v in model.graph.value_info} | {model.graph.output[0].name}
    produced = {out for node in model.graph.node for out in node.output}
    assert produced <= annotated  # every intermediate value, helpers included
    assert {n.name for n in graph.nodes} <= annotated  # each .arch layer is a value
    for value in model.graph.value_info:
        dims = value.type.tensor_type.shape.dim
        assert dims[0].dim_param == "N" and all(d.dim_value > 0 for d in dims[1:])


def test_initializers_are_named_and_shaped_as_pytorch_names_them() -> None:
    graph = archcalc.build_graph("input 8x8x3\nCONV(4, f=3) - BN - PRELU - GAP - FC(5)")
    shapes = {t.name: tuple(t.dims) for t in export_onnx(graph).graph.initializer}
    assert shapes["conv1.weight"] == (4, 3, 3, 3) and shapes["conv1.bias"] == (4,)
    assert {shapes[f"bn1.{k}"] for k in ("weight", "bias", "running_mean", "running_var")} == \
        {(4,)}
    assert shapes["prelu1.weight"] == (4, 1, 1)
    assert shapes["fc1.weight"] == (4, 5) and shapes["fc1.bias"] == (5,)  # Gemm, no transB


def test_weights_are_zeros_or_the_executors_seeded_draws() -> None:
    graph = archcalc.build_graph("input 8x8x3\nCONV(4, f=3) - RELU - FC(5)")

    def weights(**kwargs):  # type: ignore[no-untyped-def]
        model = export_onnx(graph, **kwargs)
        return {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}

    assert all(not a.any() for a in weights(weights="zero").values())
    first, again, other = weights(seed=3), weights(seed=3), weights(seed=4)
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["conv1.weight"], other["conv1.weight"])
    drawn = Net(graph, Options(seed=3)).weights_for(0, (8, 8, 3))["w"]  # (Fh, Fw, C, K)
    assert np.array_equal(first["conv1.weight"], drawn.transpose(3, 2, 0, 1))


def test_fc_on_a_volume_takes_the_executors_weights_in_onnx_order() -> None:
    """ONNX flattens C, H, W, archcalc H, W, C: the weight's rows follow, so both compute the
    same function — here FC(1) with weight 1 at one (h, w, c) picks that input value."""
    graph = archcalc.build_graph("input 2x3x4\nFC(1, bias=false)")
    net = Net(graph, Options())
    w = np.zeros((24, 1), np.float32)
    w[(1 * 3 + 2) * 4 + 3] = 1.0  # archcalc's index of (h=1, w=2, c=3)
    net.weights[0] = {"w": w}
    x = np.random.default_rng(0).standard_normal((1, 4, 2, 3))
    assert run(export_onnx(graph, weights=net), x)[0, 0] == pytest.approx(x[0, 3, 1, 2])


def test_an_even_lrn_window_is_centred_as_in_pytorch() -> None:
    """b_c = a_c / (k + α·Σ a²)^β over channels c − 2 … c + 1 for n = 4 (ONNX's own LRN would
    take c − 1 … c + 2), by hand."""
    graph = archcalc.build_graph("input 1x1x6\nLRN(n=4, k=1, alpha=0.5, beta=1)")
    a = np.arange(1.0, 7.0)
    got = run(export_onnx(graph), a.reshape(1, 6, 1, 1)).flatten()
    expected = [v / (1 + 0.5 * sum(u * u for u in a[max(c - 2, 0):c + 2]))
                for c, v in enumerate(a)]
    assert got == pytest.approx(expected, rel=1e-6)


def test_a_ceil_pools_overhang_is_neither_counted_nor_a_max() -> None:
    graph = archcalc.build_graph("input 6x6x1\nAVGPOOL(3, s=2, p=1, ceil=true)")
    out = run(export_onnx(graph), np.ones((1, 1, 6, 6)))[0, 0]
    rows = [2 / 3, 1.0, 1.0, 1 / 2]  # input rows over input and padding rows, per window
    assert out == pytest.approx(np.outer(rows, rows), rel=1e-6)
    graph = archcalc.build_graph("input 6x6x1\nMAXPOOL(3, s=2, p=1, ceil=true)")
    x = -np.arange(36.0).reshape(1, 1, 6, 6)
    out = run(export_onnx(graph), x)[0, 0]
    assert out[3, 3] == -35.0 and out[0, 0] == 0.0  # padding never wins


def test_what_onnx_cannot_take_is_a_located_error() -> None:
    graph = archcalc.build_graph("input 2x2x4\nFLATTEN\nMAXOUT(2) - FC(3)")
    with pytest.raises(ArchError) as caught:
        export_onnx(graph, weights=Net(graph, Options()))
    assert caught.value.span is not None and caught.value.span.line == 3
    assert "MAXOUT" in caught.value.message
    export_onnx(graph)  # random weights: no order to keep
    with pytest.raises(ArchError, match="expected random or zero"):
        export_onnx(graph, weights="ones")


def test_a_missing_onnx_names_the_extra(hide_onnx: Callable[[], None]) -> None:
    hide_onnx()
    with pytest.raises(ArchError) as caught:
        export_onnx(archcalc.build_graph("input 4\nFC(2)"))
    assert "archcalc[onnx]" in caught.value.hint


def test_export_to_onnx_writes_a_model_onnxruntime_runs(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from archcalc.cli.export import export

    app = typer.Typer()
    app.command()(export)
    app.callback()(lambda: None)
    target = tmp_path / "net.onnx"
    spec = Path(__file__).resolve().parents[2] / "specs" / "lenet5.arch"
    result = CliRunner().invoke(app, ["export", str(spec), "--to", "onnx", "-o", str(target),
                                      "--weights", "zero"])
    assert result.exit_code == 0, result.output
    assert "61,706 zero weights" in result.output
    model = onnx.load(str(target))
    onnx.checker.check_model(model, full_check=True)
    assert run(model, np.ones((1, 1, 32, 32))).shape == (1, 10)
