"""Export a graph as an ONNX model: `export_onnx(graph, weights="random", seed=0)`.

Built with the onnx library's helper API (no torch needed), opset 21 (onnx 1.16 and onnxruntime
1.18 or later), NCHW: the input `input` is N×C×H×W (N symbolic), each .arch layer's output is
the value of the same name, and every value's shape is annotated. The model is checked by
ONNX's strict shape inference against the analysis and by onnx.checker (full check) before it
is returned. Weights: "random" (drawn as the NumPy executor draws them, seeded), "zero", or an
executor `Net`'s own (archcalc.executor.network.Net, its BN running statistics included), so
that onnxruntime and the executor can be run on the same weights (onnx_export_weights.py)."""

from __future__ import annotations

from typing import Any

import archcalc
from archcalc.bridge.export_geometry import Shapes, shapes
from archcalc.bridge.extras import require
from archcalc.bridge.onnx_export_emit import OPSET, Emit
from archcalc.bridge.onnx_export_ops import lower
from archcalc.bridge.onnx_export_weights import drawn, onnx_layout, orders
from archcalc.errors import ArchError
from archcalc.graph import INPUT, Graph

INPUT_NAME = "input"
IR_VERSION = 10  # the IR of opset 21


def export_onnx(graph: Graph, weights: Any = "random", seed: int = 0) -> Any:
    """The ONNX ModelProto of `graph` (see the module doc); ArchError where the graph has a
    layer ONNX cannot express exactly, located at it."""
    onnx = require("onnx")
    if isinstance(weights, str) and weights not in ("random", "zero"):
        raise ArchError(f"weights {weights!r}: expected random or zero", None,
                        "or pass an executor Net")
    try:
        return Builder(onnx, graph, weights, seed).model()
    except ArchError as err:
        raise err.located(graph.source) from None


def nchw(shape: tuple[int, ...]) -> list[Any]:
    """An .arch shape as ONNX dims, the batch symbolic: H×W×C → N×C×H×W, N → N×N."""
    dims = [shape[2], shape[0], shape[1]] if len(shape) == 3 else list(shape)
    return ["N", *dims]


class Builder:
    def __init__(self, onnx: Any, graph: Graph, weights: Any, seed: int) -> None:
        self.onnx, self.graph = onnx, graph
        self.shapes: Shapes = shapes(graph)
        self.weights = drawn(self.shapes, weights, seed)
        self.orders = orders(self.shapes, strict=not isinstance(weights, str))

    def model(self) -> Any:
        onnx, graph = self.onnx, self.graph
        helper = onnx.helper
        nodes: list[Any] = []
        inits: dict[str, Any] = {}
        for i, node in enumerate(graph.nodes):
            inputs = [INPUT_NAME if j == INPUT else graph.nodes[j].name for j in node.inputs]
            first = node.inputs[0]
            order = None if first == INPUT else self.orders[first]
            weights = onnx_layout(self.shapes, i, self.weights[i], order)
            lower(Emit(helper, node, weights, nodes, inits), inputs, self.shapes.ins(i),
                  self.shapes.out(i))
        float32 = onnx.TensorProto.FLOAT
        values = [helper.make_tensor_value_info(n.name, float32, nchw(self.shapes.out(i)))
                  for i, n in enumerate(graph.nodes)]
        x = helper.make_tensor_value_info(INPUT_NAME, float32, nchw(graph.input))
        inferred = self.inferred(nodes, x, values, inits)
        tensors = [onnx.numpy_helper.from_array(a, name) for name, a in inits.items()]
        body = helper.make_graph(
            nodes, graph.network, [x], values[-1:], tensors, value_info=values[:-1] + inferred,
            doc_string=f"{graph.network}, exported by archcalc from {graph.source.name}: NCHW, "
                       "each layer's output named as in the .arch file")
        return self.versioned(body)

    def versioned(self, body: Any) -> Any:
        helper = self.onnx.helper
        model = helper.make_model(body, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="archcalc", producer_version=archcalc.__version__)
        model.ir_version = IR_VERSION
        return model

    def inferred(self, nodes: list[Any], x: Any, values: list[Any], inits: dict[str, Any]
                 ) -> list[Any]:
        """The shapes of the helper values, by ONNX's own shape inference — strict, so it must
        agree with every annotated shape (the analysis's) — after onnx.checker's full check.
        Both run on a copy whose weights are graph inputs of the same shapes: the checks read
        shapes, and serializing hundreds of megabytes of weights would take seconds."""
        onnx = self.onnx
        helper = onnx.helper
        small = {n: a for n, a in inits.items() if a.dtype != "float32" or a.size <= 64}
        weights = [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, list(a.shape))
                   for n, a in inits.items() if n not in small]
        skeleton = self.versioned(helper.make_graph(
            nodes, self.graph.network, [x, *weights], values[-1:],
            [onnx.numpy_helper.from_array(a, n) for n, a in small.items()],
            value_info=values[:-1]))
        try:
            checked = onnx.shape_inference.infer_shapes(skeleton, check_type=True,
                                                        strict_mode=True, data_prop=True)
            onnx.checker.check_model(checked, full_check=True)
        except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError) as exc:
            raise ArchError("the exported ONNX model does not check: " + str(exc).strip()
                            .splitlines()[0], None, "this is a bug in archcalc's exporter: "
                            "please report it") from None
        declared = {v.name for v in values}
        extra = [v for v in checked.graph.value_info if v.name not in declared]
        found = declared | {v.name for v in extra}
        missing = [out for n in nodes for out in n.output if out not in found]
        if missing:
            raise ArchError(f"ONNX could not infer the shape of {missing[0]}", None,
                            "this is a bug in archcalc's exporter: please report it")
        return extra
