"""onnxruntime as an independent oracle: every zoo spec (and one network per layer kind) is
exported to ONNX, passes onnx.checker's full check, and runs in onnxruntime with every .arch
layer's value as an output —

- the shape of every value equals the analysis (H×W×C as N×C×H×W);
- on the same weights, the NumPy executor's forward values (archcalc.executor.network.forward)
  equal onnxruntime's, layer by layer, within float32 rounding: the executor checked by a real
  engine. The executor runs in training mode (batch statistics, dropout masks), onnxruntime in
  inference mode, so the comparison makes them the same function: dropout rates are set to 0
  on the executor's side, and the ONNX BatchNormalization is given the batch's own mean and
  (biased) variance as running statistics (batch 2). A vector flattened from a volume is
  ordered C, H, W in ONNX and H, W, C in archcalc (`orders`). Both are measured against the
  executor in float64: onnxruntime's float32 error stays within a few times the executor's own
  (check_values).

Specs whose weights or MACs make a run take seconds are marked slow (the shapes of all of them
are also checked through torch in test_crosscheck_torch.py)."""

from __future__ import annotations

import dataclasses
import functools
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import archcalc  # noqa: E402
from archcalc.bridge.export_geometry import shapes  # noqa: E402
from archcalc.bridge.onnx_export import INPUT_NAME, export_onnx, nchw  # noqa: E402
from archcalc.bridge.onnx_export_weights import orders  # noqa: E402
from archcalc.errors import ArchError  # noqa: E402
from archcalc.executor.network import Net, forward  # noqa: E402
from archcalc.executor.trace import Options  # noqa: E402
from archcalc.source import zoo  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kinds import EXAMPLES, network  # noqa: E402

SPECS = [name for name, _ in zoo()]


@functools.cache
def totals(name: str):  # type: ignore[no-untyped-def]
    return archcalc.analyze(name).totals


LIGHT = [n for n in SPECS if totals(n).params < 15 * 10**6]  # the rest: 100 MB and more
SMALL = [n for n in LIGHT if totals(n).macs < 2 * 10**8]  # the executor runs them in seconds
# the modern blocks, their values compared at 64×64 (at the real size in the slow run)
MODERN = ["resnet18", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "convnext_tiny"]


def session(model):  # type: ignore[no-untyped-def]
    """An onnxruntime session whose outputs are every layer's value."""
    declared = {v.name: v for v in model.graph.value_info}
    wanted = [n.output[0] for n in model.graph.node if n.output[0] in declared]
    model.graph.output.extend(declared[name] for name in wanted)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def run(model, x):  # type: ignore[no-untyped-def]
    s = session(model)
    names = [o.name for o in s.get_outputs()]
    return dict(zip(names, s.run(names, {INPUT_NAME: x}), strict=True))


def check_shapes(graph, model, batch: int = 1) -> dict:  # type: ignore[type-arg]
    onnx.checker.check_model(model, full_check=True)
    size = nchw(graph.input)[1:]
    got = run(model, np.zeros((batch, *size), np.float32))
    found = shapes(graph)
    for i, node in enumerate(graph.nodes):
        assert got[node.name].shape == (batch, *nchw(found.out(i))[1:]), node.name
    return got


def inference(graph):  # type: ignore[no-untyped-def]
    """The graph with every dropout rate 0: the executor's training-mode masks become ones."""
    def still(layer):  # type: ignore[no-untyped-def]
        if layer.kind == "dropout":
            return dataclasses.replace(layer, p=Fraction(0), keep=None)
        if layer.kind == "droppath":
            return dataclasses.replace(layer, p=Fraction(0))
        return layer

    return dataclasses.replace(graph, nodes=tuple(dataclasses.replace(n, layer=still(n.layer))
                                                  for n in graph.nodes))


def executor(graph, batch: int, dtype: str, like: Net | None = None):  # type: ignore[no-untyped-def]
    """(net, input, state) of an executor forward; `like`: the same weights and input."""
    net = Net(inference(graph), Options(batch=batch, seed=0, inplace=False, dtype=dtype))
    x = net.input()
    if like is not None:
        net.weights = [None if w is None else {k: a.astype(dtype) for k, a in w.items()}
                       for w in like.weights]
        x = x.astype(dtype)
    return net, x, forward(net, x, loss=False)


def check_values(graph, batch: int = 2) -> float:  # type: ignore[no-untyped-def]
    """The executor's float32 values, and onnxruntime's on the same weights, against the
    executor in float64 (the same arithmetic, exact to ~1e-12): onnxruntime's error at each
    layer within a few times the executor's own float32 error so far (BN over a batch of few
    values amplifies rounding in both) plus 1e-5; the worst ratio of the two errors."""
    net, x, state = executor(graph, batch, "float32")
    _, _, exact = executor(graph, batch, "float64", like=net)
    for i, node in enumerate(graph.nodes):
        if node.layer.kind == "bn":  # the batch's statistics, as the executor normalized
            j = node.inputs[0]
            v = x if j < 0 else state.values[j]
            axes = tuple(range(v.ndim - 1))
            net.buffers[i] = {"running_mean": v.mean(axes), "running_var": v.var(axes)}
    got = run(export_onnx(graph, weights=net), x.transpose(0, 3, 1, 2) if x.ndim == 4 else x)
    order = orders(shapes(graph), strict=True)

    def onnx_layout(i: int, value: np.ndarray) -> np.ndarray:
        value = value.transpose(0, 3, 1, 2) if value.ndim == 4 else value
        return value if order[i] is None else value[:, order[i]]

    rounding, worst = 0.0, 0.0
    for i, node in enumerate(graph.nodes):
        truth = onnx_layout(i, exact.values[i])
        scale = max(float(np.abs(truth).max()), 1e-6)
        ours = float(np.abs(onnx_layout(i, state.values[i]) - truth).max()) / scale
        rounding = max(rounding, ours)
        theirs = float(np.abs(got[node.name] - truth).max()) / scale
        assert theirs <= 1e-5 + 10 * rounding, (node.name, theirs, rounding)
        worst = max(worst, theirs / max(rounding, 1e-7))
    return worst


@pytest.mark.parametrize("name", LIGHT)
def test_zoo_shapes_in_onnxruntime_equal_the_analysis(name: str) -> None:
    graph = archcalc.build_graph(name)
    check_shapes(graph, export_onnx(graph, weights="zero"))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SPECS if n not in LIGHT])
def test_heavy_zoo_shapes_in_onnxruntime_equal_the_analysis(name: str) -> None:
    graph = archcalc.build_graph(name)
    check_shapes(graph, export_onnx(graph, weights="zero"))


@pytest.mark.parametrize("name", SMALL)
def test_small_specs_run_in_onnxruntime_as_the_executor(name: str) -> None:
    check_values(archcalc.build_graph(name))


@pytest.mark.parametrize("name", MODERN)
def test_modern_blocks_run_in_onnxruntime_as_the_executor_at_64x64(name: str) -> None:
    check_values(archcalc.build_graph(name, input_shape=(64, 64, 3)))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SPECS if n not in SMALL])
def test_big_specs_run_in_onnxruntime_as_the_executor(name: str) -> None:
    check_values(archcalc.build_graph(name))


# forms the zoo and the per-kind examples do not reach (test_crosscheck_torch.py has the same)
SHAPES = {
    "vectors": "input 16\nFC(8) - BN - LAYERNORM - PRELU - SCALE - DROPOUT(0.1) - MAXOUT(2) - "
               "CHANNELSHUFFLE(2) - SPLIT(IDENTITY | FC(2)) - GROUPNORM(2) - LRN(n=3) - SOFTMAX",
    "broadcast": "input 8x8x4\nMUL(IDENTITY | GAP - FLATTEN - FC(4) - SIGMOID) - "
                 "ADD(IDENTITY | GAP | FC(4))",
    "flattened": "input 3x2x4\nFLATTEN - BN - PRELU - LAYERNORM - SCALE - RELU - FC(6)",
    "chunks": "input 8x8x6\nCONCAT(CHUNK(1, 3) | CHUNK(3, 3) - CONV(2, f=1))",
    "windows": "input 4x4x8\nCONV(8, f=3, s=2, p=same) - LOCAL(4, f=2, p=same) - "
               "AVGPOOL(3, s=2, p=same, ceil=true) - ADAPTIVEMAXPOOL(3) - ADAPTIVEAVGPOOL(2x3) - "
               "UPSAMPLE(3x2) - DECONV(4, f=4, s=3, p=1, out_p=2, d=2) - MAXPOOL(2, s=3, p=1, "
               "ceil=true) - LRN(n=4) - LRN(n=2)",
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_other_forms_run_in_onnxruntime_as_the_executor(name: str) -> None:
    graph = archcalc.build_graph(SHAPES[name])
    check_shapes(graph, export_onnx(graph), batch=2)
    check_values(graph)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_kind_runs_in_onnxruntime_as_the_executor(kind: str) -> None:
    graph = archcalc.build_graph(network(kind))
    check_shapes(graph, export_onnx(graph), batch=3)
    check_values(graph)


# ---- random architectures -----------------------------------------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "executor"))
from hypothesis import HealthCheck, given, settings  # noqa: E402
from test_properties import architecture  # noqa: E402  (the executor's property generator)

EXAMPLES_RUN = settings(max_examples=60, deadline=None, derandomize=True,
                        suppress_health_check=list(HealthCheck))
EXAMPLES_SLOW = settings(max_examples=400, deadline=None, derandomize=False,
                         suppress_health_check=list(HealthCheck))


def random_architecture(text: str) -> None:
    graph = archcalc.build_graph(text)
    check_shapes(graph, export_onnx(graph), batch=2)
    try:
        check_values(graph)
    except ArchError as err:  # FLATTEN before a kind that groups values: refused, located
        assert "flattened volume" in err.message and err.span is not None


@EXAMPLES_RUN
@given(text=architecture(branched=True, fractional=True))
def test_random_architectures_run_in_onnxruntime_as_the_executor(text: str) -> None:
    random_architecture(text)


@pytest.mark.slow
@EXAMPLES_SLOW
@given(text=architecture(branched=True, fractional=True))
def test_random_architectures_run_in_onnxruntime_slow(text: str) -> None:
    random_architecture(text)
