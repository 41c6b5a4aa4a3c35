"""Importing ONNX files: models written by torch.onnx.export (the TorchScript exporter,
dynamo=False: it needs no onnxscript) import and analyze — through `archcalc analyze
model.onnx` and `verify` as through the API — with torch's own figures when the export keeps
BatchNorm, and with the figures of the file when it folds BatchNorm into the convolutions;
onnxruntime runs the file to the output the analysis gives. The patterns torch writes
(GroupNorm as InstanceNormalization, GELU with Erf, SiLU as x·σ(x), chunks as Slices, the
channel shuffle's Reshape–Transpose–Reshape, LayerNorm between Transposes) import as their
kinds; an operator with no kind is refused, naming it and the node."""

from __future__ import annotations

import io
import json
import warnings

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import numpy as np  # noqa: E402
from torch import nn  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import archcalc  # noqa: E402
from archcalc.bridge.onnx_import import import_onnx  # noqa: E402
from archcalc.cli import app  # noqa: E402
from archcalc.errors import ArchError  # noqa: E402

runner = CliRunner()


def exported(model: nn.Module, size: tuple[int, int, int], fold: bool = False,
             opset: int | None = None) -> bytes:
    """The model as torch.onnx.export writes it (eval mode; fold: BN into the convs)."""
    h, w, c = size
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the TorchScript exporter's deprecation notice
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, c, h, w),), buffer, dynamo=False,
                          do_constant_folding=fold, opset_version=opset)
    return buffer.getvalue()


class Small(nn.Module):
    """A residual block with a hard-sigmoid gate, a concatenation, a channel split and a
    shuffle, a group norm, a GELU and a head."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.body = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16))
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(16, 16, 1),
                                  nn.Hardsigmoid())
        self.left, self.right = nn.Conv2d(16, 8, 1), nn.Conv2d(16, 8, 3, padding=1)
        self.gn, self.gelu = nn.GroupNorm(4, 16), nn.GELU()
        self.fc = nn.Linear(16, 10)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.stem(x)
        x = torch.relu(x + self.body(x) * self.gate(x))
        x = torch.cat([self.left(x), self.right(x)], dim=1)
        a, b = x.chunk(2, dim=1)
        x = torch.cat([a, torch.relu(b)], dim=1)
        n, c, h, w = x.shape
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
        x = self.gelu(self.gn(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def bn_channels(model: nn.Module) -> int:
    return sum(m.num_features for m in model.modules() if isinstance(m, nn.BatchNorm2d))


@pytest.fixture(scope="module")
def small_onnx(tmp_path_factory):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = Small()
    path = tmp_path_factory.mktemp("onnx") / "small.onnx"
    path.write_bytes(exported(model, (32, 32, 3)))
    return model, path


def test_archcalc_analyze_reads_an_onnx_file(small_onnx) -> None:  # type: ignore[no-untyped-def]
    model, path = small_onnx
    result = runner.invoke(app, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["network"] == "small"
    assert doc["totals"]["params"] == sum(p.numel() for p in model.parameters())
    kinds = {layer["kind"] for layer in doc["layers"]}
    assert {"mul", "concat", "chunk", "channelshuffle", "groupnorm", "gelu", "hardsigmoid",
            "bn", "fc"} <= kinds


def test_archcalc_verify_runs_an_onnx_file(small_onnx) -> None:  # type: ignore[no-untyped-def]
    _, path = small_onnx
    result = runner.invoke(app, ["verify", str(path)])
    assert result.exit_code == 0, result.output


def test_onnxruntime_gives_the_output_the_analysis_gives(small_onnx) -> None:  # type: ignore[no-untyped-def]
    _, path = small_onnx
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    (out,) = session.run(None, {name: np.zeros((1, 3, 32, 32), np.float32)})
    analysis = archcalc.analyze(path)
    assert analysis.layers[-1].output == out.shape[1:] == (10,)


def test_folded_batchnorm_counts_what_the_file_holds() -> None:
    """Folded into a convolution, a BN's γ and β (2C) become the conv's C biases: the file
    holds C numbers fewer per BN than the torch model, and the analysis says so."""
    torch.manual_seed(0)
    model = Small()
    analysis = archcalc.analyze(import_onnx(onnx.load_from_string(
        exported(model, (32, 32, 3), fold=True))))
    assert analysis.totals.params == sum(p.numel() for p in model.parameters()) - bn_channels(
        model)
    assert analysis.totals.buffers == 0


ZOO = [pytest.param(n, marks=() if n in ("mobilenet_v3_large", "shufflenet_v2_x1_0",
                                         "convnext_tiny") else pytest.mark.slow)
       for n in ("resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0",
                 "convnext_tiny", "shufflenet_v2_x1_0")]


@pytest.mark.parametrize("name", ZOO)
def test_zoo_exports_import_with_torchs_figures(zoo_models, torch_figures, name: str) -> None:  # type: ignore[no-untyped-def]
    model = zoo_models.FACTORIES[name]()
    size = (32, 32, 3)  # every layer still has an output (the last ones 1×1)
    analysis = archcalc.analyze(import_onnx(onnx.load_from_string(exported(model, size))))
    measured = torch_figures(model, size)
    assert analysis.totals.params == measured["params"]
    assert analysis.totals.buffers == measured["buffers"]
    assert analysis.totals.macs == measured["macs"]


def test_gelu_written_with_erf_is_a_gelu() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.GELU(), nn.SiLU())
    text = import_onnx(onnx.load_from_string(exported(model, (8, 8, 3), opset=17)))
    assert "GELU" in text and "SILU" in text and "MUL" not in text


def graph_with(op: str) -> bytes:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="first"),
             helper.make_node(op, ["r"], ["y"], name="the_odd_one")]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y]),
                              opset_imports=[helper.make_opsetid("", 17)])
    return bytes(model.SerializeToString())


def test_an_operator_without_a_kind_is_refused_naming_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArchError) as info:
        import_onnx(onnx.load_from_string(graph_with("Softplus")))
    assert "Softplus" in info.value.message and "the_odd_one" in info.value.message
    path = tmp_path / "odd.onnx"
    path.write_bytes(graph_with("Softplus"))
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 2
    assert "odd.onnx" in result.output and "Softplus" in result.output


def test_a_file_that_is_not_onnx_is_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"this is not a protobuf \xff\xfe")
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 2 and "not a readable ONNX model" in result.output
