"""ONNX operators as archcalc kinds, one handler each. The converter is the torch importer's
(same values, layouts and reshapes: an ONNX node is an event with its inputs as values and
initializers as Params), so Transpose pairs, channel shuffles, chunks as Slices and flattening
Reshapes read as they do from torch. Conventions converted: ONNX's LRN divides α by n (archcalc's
does not), InstanceNormalization is GROUPNORM with a group per channel, HardSigmoid is archcalc's
only with α = 1/6 and β = 1/2, AveragePool excludes padding from the divisor by default (then it
must have none), Conv's `pads` are [top, left, bottom, right] (unequal ones: TF `same`, or an
explicit ZEROPAD first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archcalc.bridge import torch_import_functions as fn
from archcalc.bridge.ir import single
from archcalc.bridge.onnx_import import Graph, Node, Shaped, scope_of, shape_of
from archcalc.bridge.onnx_import_moves import channel_slice, concat, reshape, split, transpose
from archcalc.bridge.onnx_import_pools import (
    avgpool,
    conv,
    deconv,
    global_pool,
    local,
    maxpool,
    reduce_mean,
)
from archcalc.bridge.torch_import_modules import layernorm_spec, pad_spec, refuse, softmax_spec
from archcalc.bridge.torch_import_ops import Converter
from archcalc.bridge.torch_import_values import Event, Info, Param, Val, input_val
from archcalc.errors import ArchError
from archcalc.values import Pair


class OnnxConverter(Converter):
    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.g = graph
        dims = graph.shapes[graph.input]
        self.values: dict[str, Any] = {graph.input: input_val(
            (dims[2], dims[3], dims[1]) if len(dims) == 4 else (dims[1],))}
        self.places = _places(graph.nodes)

    def run(self) -> Val:
        for n in self.g.nodes:
            if self.derived(n):
                continue
            handler = HANDLERS.get(n.op)
            if handler is None:
                raise refuse(self.node_event(n), f"no archcalc kind for the ONNX operator {n.op}",
                             "see docs/bridge.md (Import) for the operators archcalc imports")
            result = handler(self, n)
            results = result if isinstance(result, tuple) else (result,)
            for name, value in zip(n.outputs, results, strict=False):
                self.values[name] = value
        out = self.values.get(self.g.output)
        if not isinstance(out, Val):
            raise ArchError("the model's output is not computed from its input", None, "")
        return out

    def derived(self, n: Node) -> bool:
        """A node computing from parameters only (a weight transposed, too large to fold): its
        output is a parameter of its shape."""
        present = [i for i in n.inputs if i]
        if not present or not all(i in self.g.consts or isinstance(self.values.get(i), Param)
                                  for i in present) or n.outputs[0] not in self.g.shapes:
            return False
        self.values[n.outputs[0]] = Param(n.outputs[0], self.g.shapes[n.outputs[0]])
        return True

    # ---- reading a node -------------------------------------------------------------------

    def node_event(self, n: Node, *args: Any, **kwargs: Any) -> Event:
        out = Info(self.g.shapes[n.outputs[0]]) if n.outputs[0] in self.g.shapes else None
        name, scope, label = self.places.get(id(n), (n.name, (), None))
        return Event("onnx", n.op, args, kwargs, out, name, scope, label)

    def x(self, n: Node, i: int = 0) -> Any:
        """Input i: a value (Val, Piece), a Param for an initializer or constant."""
        name = n.inputs[i]
        if name in self.values:
            return self.values[name]
        if name in self.g.consts:
            return Param(name, tuple(self.g.consts[name].shape))
        raise refuse(self.node_event(n), f"the input {name!r} is computed by nothing archcalc read")

    def const(self, n: Node, i: int) -> Any:
        """The constant of input i, or None when there is none (an optional input)."""
        if i >= len(n.inputs) or not n.inputs[i]:
            return None
        value = self.values.get(n.inputs[i])
        if isinstance(value, Param):
            return Shaped(value.shape)
        return self.g.consts.get(n.inputs[i])

    def size(self, n: Node, *indices: int) -> int:
        """The element count of the initializers at `indices` (a node's parameters)."""
        return sum(int(c.size) for i in indices if (c := self.const(n, i)) is not None)

    def shape(self, n: Node) -> tuple[int, ...]:
        """The torch-style shape (batch 1 first) of a node's first input."""
        return shape_of(self.g, n.inputs[0], n)

    def one(self, node: Node, kind: str, params: int = 0, buffers: int = 0, **args: Any) -> Val:
        ev = self.node_event(node)
        x = self.read(self.x(node), ev)
        return self.emit(kind, args, [x], ev, shape_of(self.g, node.outputs[0], node), params,
                         buffers)


def _places(nodes: list[Node]) -> dict[int, tuple[str, Any, str | None]]:
    """Name, scope and label of each node with a scheme (onnx_import.scope_of): in
    torch.onnx.export's, a module path that holds a single node is that node's (its label),
    others enclose nodes."""
    named = {id(n): scope_of(n.name) for n in nodes}
    scopes = {k: scope for k, (scope, label) in named.items() if label is None}
    inner = [s[-1][0] for s in scopes.values() if s]
    outer = {p for s in scopes.values() for p, _ in s[:-1]}
    out: dict[int, tuple[str, Any, str | None]] = {}
    for n in nodes:
        scope, label = named[id(n)]
        if label is not None:  # a layer's own dotted path
            out[id(n)] = (n.name, scope, label)
            continue
        if not scope:
            continue
        path = scope[-1][0]
        if inner.count(path) == 1 and path not in outer:
            out[id(n)] = (path, scope[:-1], path.rsplit(".", 1)[-1])
        else:
            out[id(n)] = (n.name, scope, None)
    return out


def _act(kind: str) -> Callable[[OnnxConverter, Node], Val]:
    return lambda c, n: c.one(n, kind)


def _hardsigmoid(c: OnnxConverter, n: Node) -> Val:
    alpha, beta = n.attrs.get("alpha", 0.2), n.attrs.get("beta", 0.5)
    if abs(alpha - 1 / 6) > 1e-6 or abs(beta - 0.5) > 1e-6:
        raise refuse(c.node_event(n), f"HardSigmoid(alpha={alpha:.6g}, beta={beta:.6g}): "
                                      "archcalc's HARDSIGMOID is relu6(x + 3)/6 (alpha 1/6, "
                                      "beta 0.5)")
    return c.one(n, "hardsigmoid")


def _clip(c: OnnxConverter, n: Node) -> Val:
    low, high = c.const(n, 1), c.const(n, 2)
    bounds = (float(low) if low is not None else n.attrs.get("min"),
              float(high) if high is not None else n.attrs.get("max"))
    if bounds == (0.0, 6.0):
        return c.one(n, "relu6")
    if bounds[0] == 0.0 and bounds[1] in (None, float("inf")):
        return c.one(n, "relu")
    raise refuse(c.node_event(n), f"Clip{bounds}: only (0, 6), RELU6, and (0, ∞), RELU, have kinds")


def _prelu(c: OnnxConverter, n: Node) -> Val:
    x, slope = c.read(c.x(n), c.node_event(n)), c.const(n, 1)
    if slope is None or slope.size != x.shape[x.channel_dim]:
        raise refuse(c.node_event(n), "archcalc's PRELU learns one slope per channel")
    return c.one(n, "prelu", params=int(slope.size))


def _softmax(c: OnnxConverter, n: Node) -> Val:
    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    kind, args = softmax_spec(n.attrs.get("axis", -1), x, ev)
    return c.emit(kind, args, [x], ev, shape_of(c.g, n.outputs[0], n))


def _merge(name: str) -> Callable[[OnnxConverter, Node], Val]:
    def handler(c: OnnxConverter, n: Node) -> Val:
        inputs = [c.x(n, i) for i in range(len(n.inputs))]
        if name == "add" and len(inputs) > 2:
            return fn.merge_values(c, c.node_event(n), "add", inputs)
        handler = fn.f_add if name == "add" else fn.f_mul
        return handler(c, c.node_event(n, *inputs))
    return handler


def _bn(c: OnnxConverter, n: Node) -> Val:
    return c.one(n, "bn", params=c.size(n, 1, 2), buffers=c.size(n, 3, 4))


def _layernorm(c: OnnxConverter, n: Node) -> Val:
    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    if n.attrs.get("axis", -1) not in (-1, len(x.shape) - 1):
        raise refuse(ev, "a LayerNormalization over more than the last axis")
    kind, args = layernorm_spec((x.shape[-1],), c.const(n, 1) is not None,
                                c.const(n, 2) is not None, x, ev)
    return c.emit(kind, args, [x], ev, shape_of(c.g, n.outputs[0], n), c.size(n, 1, 2))


def _groupnorm(c: OnnxConverter, n: Node, groups: int | None = None) -> Val:
    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    channels = x.shape[1]
    g = groups or n.attrs.get("num_groups", channels)
    if c.size(n, 1) != channels:
        raise refuse(ev, "a GroupNormalization with γ per group (opset 18): archcalc's "
                         "GROUPNORM learns γ and β per channel")
    return c.emit("groupnorm", {"g": int(g), "affine": True}, [x], ev,
                  shape_of(c.g, n.outputs[0], n), c.size(n, 1, 2))


def _lrn(c: OnnxConverter, n: Node) -> Val:
    size = int(n.attrs["size"])  # ONNX, as PyTorch, divides α by n; archcalc's LRN does not
    return c.one(n, "lrn", n=size, k=single(n.attrs.get("bias", 1.0)),
                 alpha=single(n.attrs.get("alpha", 1e-4)) / size,
                 beta=single(n.attrs.get("beta", 0.75)))


def _resize(c: OnnxConverter, n: Node) -> Val:
    from archcalc.bridge.torch_import_modules import upsample_spec

    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    y = shape_of(c.g, n.outputs[0], n)
    kind, args = upsample_spec(n.attrs.get("mode", "nearest"), x, y, ev)
    return c.emit(kind, args, [x], ev, y)


def _pad(c: OnnxConverter, n: Node) -> Val:
    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    pads, value = c.const(n, 1), c.const(n, 2)
    pads = list(pads) if pads is not None else n.attrs.get("pads", [])
    if n.attrs.get("mode", "constant") != "constant" or len(pads) != 8 or any(
            pads[i] for i in (0, 1, 4, 5)):
        raise refuse(ev, f"Pad {list(pads)}: archcalc's ZEROPAD pads H and W with zeros")
    kind, args = pad_spec((pads[3], pads[7], pads[2], pads[6]),
                          float(value.reshape(-1)[0]) if value is not None else 0.0, x, ev)
    return c.emit(kind, args, [x], ev, shape_of(c.g, n.outputs[0], n))


def _dropout(c: OnnxConverter, n: Node) -> Val:
    ratio = c.const(n, 1)
    rate = float(ratio) if ratio is not None else n.attrs.get("ratio", 0.5)
    return c.one(n, "dropout", p=single(rate))


def _linear(c: OnnxConverter, n: Node) -> Val:
    """Gemm (A·Bᵀ + C with transB) and MatMul (+ Add): FC on a vector, 1×1 CONV per position
    of channels-last data."""
    ev = c.node_event(n)
    x, w = c.read(c.x(n), ev), c.const(n, 1)
    if w is None or n.attrs.get("transA", 0) or n.attrs.get("alpha", 1.0) != 1.0 or (
            n.attrs.get("beta", 1.0) != 1.0):
        raise refuse(ev, "a matrix product with computed weights, transA, alpha or beta")
    units = int(w.shape[0] if n.attrs.get("transB", 0) else w.shape[-1])
    bias = c.const(n, 2) is not None
    kind, args = (("fc", {"n": units, "bias": bias}) if x.layout == "vec" else
                  ("conv", {"k": units, "f": Pair.of(1), "bias": bias}))
    if x.layout == "nchw":
        raise refuse(ev, "a MatMul on N×C×H×W data acts on its last axis (W)")
    return c.emit(kind, args, [x], ev, shape_of(c.g, n.outputs[0], n), c.size(n, 1, 2))


HANDLERS: dict[str, Callable[..., Any]] = {
    "Conv": conv, "ConvTranspose": deconv, "Local": local, "Gemm": _linear, "MatMul": _linear,
    "MatMulAdd": _linear, "Relu": _act("relu"), "Sigmoid": _act("sigmoid"),
    "Tanh": _act("tanh"), "HardSwish": _act("hardswish"), "Silu": _act("silu"),
    "HardSigmoid": _hardsigmoid, "Clip": _clip, "PRelu": _prelu,
    "LeakyRelu": lambda c, n: c.one(n, "leakyrelu", alpha=single(n.attrs.get("alpha", 0.01))),
    "Elu": lambda c, n: c.one(n, "elu", alpha=single(n.attrs.get("alpha", 1.0))),
    "Gelu": lambda c, n: c.one(n, "gelu", tanh=n.attrs.get("approximate") == "tanh"),
    "Softmax": _softmax, "Mul": _merge("mul"), "Add": _merge("add"), "Sum": _merge("add"),
    "Concat": concat, "Split": split, "Slice": channel_slice, "Flatten": reshape,
    "Reshape": reshape, "Squeeze": reshape, "Unsqueeze": reshape, "Transpose": transpose,
    "MaxPool": maxpool, "AveragePool": avgpool, "AveragePoolCeil": avgpool,
    "GlobalAveragePool": global_pool("gap"), "GlobalMaxPool": global_pool("adaptivemaxpool"),
    "ReduceMean": reduce_mean, "BatchNormalization": _bn, "LayerNormalization": _layernorm,
    "InstanceNormalization": lambda c, n: _groupnorm(c, n, c.shape(n)[1]),
    "GroupNormalization": _groupnorm, "LRN": _lrn, "Resize": _resize, "Upsample": _resize,
    "Pad": _pad, "Dropout": _dropout, "Identity": lambda c, n: c.x(n),
    "Cast": lambda c, n: c.x(n), "Maxout": lambda c, n: c.one(n, "maxout", k=n.attrs["k"]),
    "AdaptivePool": lambda c, n: c.one(n, n.attrs["kind"], size=Pair(*n.attrs["size"])),
}
