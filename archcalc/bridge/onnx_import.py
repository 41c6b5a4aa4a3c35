"""Importing an ONNX model as .arch text: `import_onnx(model)`, and `onnx_source(path)`, through
which `archcalc analyze model.onnx` (check, verify, sweep) reads an ONNX file directly.

The graph's shapes come from ONNX shape inference (the batch taken as 1), its parameters from
the initializers (every value a node reads that no node computes). Constant subgraphs — the
Shape → Gather → Unsqueeze → Concat arithmetic torch.onnx.export writes for a `view` or a
`chunk` — are folded with NumPy first; then known multi-node patterns are fused (GELU written
with Erf, SiLU and Hardswish as x · σ(x), MatMul + Add, LOCAL and MAXOUT as archcalc's own
export writes them: onnx_import_fuse), and every remaining node maps to a kind
(onnx_import_ops), or is refused naming the operator and the node. Node names of the form
`/layer1/layer1.0/conv1/Conv` (torch.onnx.export's) give the module scopes and labels."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from archcalc.bridge.arch_writer import write_arch
from archcalc.bridge.extras import require
from archcalc.bridge.ir import Net, Scope, node_error
from archcalc.errors import ArchError, Source

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
AUTO = re.compile(r"[A-Z][A-Za-z]*_[0-9]+")  # an exporter's numbering: Conv_0, Relu_12


@dataclass
class Node:
    """An ONNX node as the importer reads it (attributes decoded)."""

    op: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    proto: Any = None  # the NodeProto read


@dataclass(frozen=True)
class Shaped:
    """A large initializer (a weight) seen by its shape only: converting it is not needed."""

    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)


class Consts(dict[str, Any]):
    """Constant values by name: folded arrays, and the initializers, converted to arrays when
    first read — a weight of more than LARGE elements only as its Shaped."""

    LARGE = 1 << 20

    def __init__(self, protos: Any) -> None:
        super().__init__()
        self.protos = {t.name: t for t in protos}

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self.protos

    def __getitem__(self, name: str) -> Any:
        if not dict.__contains__(self, name):
            from onnx import numpy_helper

            proto = self.protos[name]
            dims = tuple(int(d) for d in proto.dims)
            dict.__setitem__(self, name, Shaped(dims) if math.prod(dims) > self.LARGE
                             else numpy_helper.to_array(proto))
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def folded(self) -> dict[str, Any]:
        """The values computed by folding (not initializers)."""
        return {k: v for k, v in dict.items(self) if k not in self.protos}


@dataclass
class Graph:
    """What the converter needs of a model: nodes in order, constant values, value shapes."""

    nodes: list[Node]
    consts: Consts  # name → numpy array (initializers, folded constants)
    shapes: dict[str, tuple[int, ...]]  # value → dims, the batch (symbolic or not) as 1
    input: str
    output: str
    name: str
    model: Any = None  # the ModelProto read


def onnx_source(path: str) -> Source:
    """An ONNX file as a Source: its path as the name, the imported .arch as the text."""
    try:
        return Source(path, import_onnx(path))
    except ArchError as err:
        raise err.located(Source(path, "")) from None


def import_onnx(model: Any) -> str:
    """An ONNX model (a ModelProto or a path) as .arch text."""
    return write_arch(onnx_net(model)).text


def onnx_net(model: Any) -> Net:
    """The model as an IR network, with the figures of its initializers and shapes."""
    from archcalc.bridge.onnx_import_fold import fold
    from archcalc.bridge.onnx_import_fuse import fuse
    from archcalc.bridge.onnx_import_ops import OnnxConverter

    graph = read_graph(load(model))
    if isinstance(model, str | os.PathLike):
        graph.name = os.path.splitext(os.path.basename(os.fspath(model)))[0]
    fold(graph)
    while any(o not in graph.shapes and o not in graph.consts for n in graph.nodes
              for o in n.outputs[:1]) and reinfer(graph):
        fold(graph)  # shapes learnt: more Shape nodes fold
    fuse(graph)
    conv = OnnxConverter(graph)
    out = conv.run()
    dims = graph.shapes[graph.input]
    shape = (dims[2], dims[3], dims[1]) if len(dims) == 4 else (dims[1],)
    return Net(graph.name, shape, tuple(conv.builder.ops), out.ir, "ONNX")


def load(model: Any) -> Any:
    """A ModelProto from a path or a ModelProto."""
    onnx = require("onnx")
    if not isinstance(model, str | os.PathLike):
        return model
    try:
        return onnx.load(os.fspath(model))
    except FileNotFoundError:
        raise ArchError("no such file", None, "check the path") from None
    except Exception as exc:  # protobuf's errors: not an ONNX file
        raise ArchError(f"not a readable ONNX model ({type(exc).__name__})", None,
                        "give a .onnx file written by onnx.save or torch.onnx.export") from None


def infer(model: Any, nodes: list[Any], extra: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """The value shapes ONNX's shape inference gives `nodes` (the model's inputs, outputs and
    initializers, and the `extra` constants). Large initializers go in as typed inputs: the
    inference needs their shapes, not their hundreds of megabytes."""
    onnx = require("onnx")
    from onnx import helper, numpy_helper

    g = model.graph
    inits = [*g.initializer, *(numpy_helper.from_array(v, k) for k, v in extra.items())]
    small = [t for t in inits if math.prod(t.dims) <= 4096]
    large = [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
             for t in inits if math.prod(t.dims) > 4096]
    names = {t.name for t in inits}
    inputs = [i for i in g.input if i.name not in names] + large
    stripped = helper.make_model(helper.make_graph(nodes, g.name, inputs, list(g.output), small),
                                 opset_imports=list(model.opset_import),
                                 ir_version=model.ir_version)
    try:
        inferred = onnx.shape_inference.infer_shapes(stripped)
    except Exception:  # a model inference rejects: the shapes it states
        return {}
    return value_shapes(inferred.graph)


def read_graph(model: Any) -> Graph:
    from onnx import helper

    g = model.graph
    consts = Consts(g.initializer)
    shapes = {**value_shapes(g), **infer(model, list(g.node), {})}
    inputs = [i.name for i in g.input if i.name not in consts]
    if len(inputs) != 1 or len(g.output) != 1:
        what = "inputs" if len(inputs) != 1 else "outputs"
        raise ArchError(f"the model has {len(inputs) if what == 'inputs' else len(g.output)} "
                        f"{what}", None, "archcalc describes a network with one input and one "
                        "output")
    nodes = [Node(n.op_type, n.name or f"{n.op_type}_{k}", list(n.input), list(n.output),
                  {a.name: _attr(helper.get_attribute_value(a)) for a in n.attribute}, n)
             for k, n in enumerate(g.node)]
    if inputs[0] not in shapes or len(shapes[inputs[0]]) not in (2, 4):
        raise ArchError(f"the input {inputs[0]!r} is not N×C×H×W or N×F", None,
                        "archcalc imports image and vector models")
    return Graph(nodes, consts, shapes, inputs[0], g.output[0].name, g.name or "imported",
                 model)


def value_shapes(g: Any) -> dict[str, tuple[int, ...]]:
    """Each value's dims where inference knows them all (a symbolic batch taken as 1)."""
    shapes: dict[str, tuple[int, ...]] = {}
    for info in (*g.input, *g.value_info, *g.output):
        if not info.type.tensor_type.HasField("shape"):
            continue
        dims = list(info.type.tensor_type.shape.dim)
        if all(d.HasField("dim_value") for d in dims[1:]) and dims:
            shapes[info.name] = (dims[0].dim_value or 1, *(d.dim_value for d in dims[1:]))
    return shapes


def reinfer(graph: Graph) -> bool:
    """Shape inference again with the folded constants: the shapes after a Reshape or Slice
    whose arguments were computed become known. Whether any did."""
    known = len(graph.shapes)
    learnt = infer(graph.model, [n.proto for n in graph.nodes], graph.consts.folded())
    graph.shapes = {**graph.shapes, **learnt}
    return len(graph.shapes) > known


def _attr(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return [_attr(v) for v in value]
    return value


def scope_of(name: str) -> tuple[Scope, str | None]:
    """The module scopes of a node, and its label when the name says it, from the two naming
    schemes in use: torch.onnx.export's `/stage2/stage2.0/branch1/branch1.0/Conv` (in stage2 ›
    stage2.0 › stage2.0.branch1 › stage2.0.branch1.0, each component the module's name within
    its parent's parent; the label decided by the caller), and a layer's dotted path as archcalc's
    export writes it, `layer1.bottleneck1.conv1` (labeled conv1). Automatic names (`Conv_12`)
    say nothing."""
    parts = name.split("/")
    if len(parts) == 1:
        dotted = name.split(".")
        if AUTO.fullmatch(dotted[-1]) or not all(IDENT.fullmatch(p) for p in dotted):
            return (), None
        return tuple((".".join(dotted[:k]), "") for k in range(1, len(dotted))), dotted[-1]
    if len(parts) < 3 or parts[0]:
        return (), None
    paths: list[str] = []
    for part in parts[1:-1]:
        prev = paths[-1] if paths else ""
        last = prev.rsplit(".", 1)[-1]
        if prev and part.startswith(last + "."):
            paths.append(prev + part[len(last):])
        else:
            paths.append(f"{prev}.{part}" if prev else part)
    return tuple((p, "") for p in paths), None


def shape_of(graph: Graph, value: str, node: Node) -> tuple[int, ...]:
    if value in graph.shapes:
        return graph.shapes[value]
    if value in graph.consts:
        return tuple(graph.consts[value].shape)
    raise node_error(node.name, f"ONNX {node.op}", f"no shape is known for {value!r}",
                     "run onnx.shape_inference on the model, or export it with static shapes")

