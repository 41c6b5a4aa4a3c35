"""Multi-node patterns of an ONNX graph fused into one node the converter maps to a kind:

- GELU as exporters write it before opset 20: x · (erf(x / √2) + 1) · 0.5 → Gelu;
- SiLU and Hardswish as x · σ(x) and x · hardsigmoid(x) → Silu, HardSwish;
- MatMul by a weight and Add of a bias → MatMulAdd (a Linear);
- what archcalc's own ONNX export writes for kinds ONNX has no operator for (onnx_ops): MAXOUT
  (Reshape to C/k × k, ReduceMax over k), LOCAL (a one-hot patch Conv, Einsum, Reshape, Add),
  a ceil-mode AVGPOOL (explicit Pad, then the overhang as padding outside the divisor), an
  even LRN between two channel reversals, an adaptive pool whose windows differ (Slices,
  reductions and a Concat per axis);
- GroupNorm as torch.onnx.export writes it (an InstanceNormalization of the groups).

A pattern fuses only when its inner values feed nothing else; the fused node keeps the name of
the pattern's first node and the output of its last."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from archcalc.bridge.onnx_import import Graph, Node


class Matcher:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.producer = {o: n for n in graph.nodes for o in n.outputs}
        self.readers: dict[str, list[Node]] = {}
        for n in graph.nodes:
            for i in n.inputs:
                self.readers.setdefault(i, []).append(n)

    def const(self, name: str) -> Any:
        return self.g.consts.get(name)

    def fixed(self, name: str) -> bool:
        """A constant, or computed from constants only (a weight transposed, not folded)."""
        if self.const(name) is not None:
            return True
        node = self.producer.get(name)
        return node is not None and all(self.fixed(i) for i in node.inputs if i)

    def near(self, name: str, value: float) -> bool:
        c = self.const(name)
        return c is not None and c.size == 1 and abs(float(c.reshape(-1)[0]) - value) < 1e-5

    def only(self, value: str, op: str) -> Node | None:
        """The one node reading `value`, if it is an `op` (and the graph's output is not it)."""
        readers = self.readers.get(value, [])
        if len(readers) != 1 or readers[0].op != op or value == self.g.output:
            return None
        return readers[0]

    def after(self, n: Node | None, op: str) -> Node | None:
        """The one reader of a node's output, if it is an `op`."""
        return None if n is None else self.only(n.outputs[0], op)

    def other(self, n: Node, value: str) -> str | None:
        """The input of a two-input node that is not `value`."""
        rest = [i for i in n.inputs if i != value]
        return rest[0] if len(rest) == 1 else (value if n.inputs == [value, value] else None)


def fuse(graph: Graph) -> None:
    """Replace every pattern by its fused node, in place, until none is left."""
    from archcalc.bridge.onnx_import import Node

    changed = True
    while changed:
        changed = False
        m = Matcher(graph)
        for n in graph.nodes:
            for pattern in PATTERNS:
                found = pattern(m, n)
                if found is not None:
                    op, inputs, nodes, attrs = found
                    fused = Node(op, n.name, inputs, nodes[-1].outputs, attrs)
                    at = graph.nodes.index(nodes[-1])
                    graph.nodes[at] = fused
                    graph.nodes = [k for k in graph.nodes if k not in nodes[:-1]]
                    changed = True
                    break
            if changed:
                break


Found = tuple[str, list[str], list["Node"], dict[str, Any]] | None


def _gelu(m: Matcher, n: Node) -> Found:
    if n.op != "Div" or not m.near(n.inputs[1], math.sqrt(2)):
        return None
    x = n.inputs[0]
    erf = m.after(n, "Erf")
    add = m.after(erf, "Add")
    if erf is None or add is None or not m.near(m.other(add, erf.outputs[0]) or "", 1.0):
        return None
    mul = m.only(add.outputs[0], "Mul")
    if mul is None:
        return None
    if m.other(mul, add.outputs[0]) == x:
        half = m.only(mul.outputs[0], "Mul")
        if half is None or not m.near(m.other(half, mul.outputs[0]) or "", 0.5):
            return None
        return "Gelu", [x], [n, erf, add, mul, half], {"approximate": "none"}
    return None


def _gated(m: Matcher, n: Node) -> Found:
    if n.op not in ("Sigmoid", "HardSigmoid"):
        return None
    if n.op == "HardSigmoid" and not (abs(n.attrs.get("alpha", 0.2) - 1 / 6) < 1e-6
                                      and abs(n.attrs.get("beta", 0.5) - 0.5) < 1e-6):
        return None
    x = n.inputs[0]
    mul = m.only(n.outputs[0], "Mul")
    if mul is None or m.other(mul, n.outputs[0]) != x:
        return None
    return ("Silu" if n.op == "Sigmoid" else "HardSwish"), [x], [n, mul], {}


def _linear(m: Matcher, n: Node) -> Found:
    if n.op != "MatMul" or not m.fixed(n.inputs[1]):
        return None
    add = m.after(n, "Add")
    bias = m.other(add, n.outputs[0]) if add is not None else None
    if add is None or bias is None or m.const(bias) is None or m.const(bias).ndim != 1:
        return None
    return "MatMulAdd", [n.inputs[0], n.inputs[1], bias], [n, add], {}


def _maxout(m: Matcher, n: Node) -> Found:
    if n.op != "Reshape" or n.inputs[0] not in m.g.shapes or n.outputs[0] not in m.g.shapes:
        return None
    x, y = m.g.shapes[n.inputs[0]], m.g.shapes[n.outputs[0]]
    reduce = m.only(n.outputs[0], "ReduceMax")
    if reduce is None or len(y) != len(x) + 1 or y[1] * y[2] != x[1] or y[3:] != x[2:]:
        return None
    axes = reduce.attrs.get("axes") or list(m.const(reduce.inputs[1]) if len(reduce.inputs) > 1
                                            else [])
    if [int(a) for a in axes] != [2] or reduce.attrs.get("keepdims", 1) != 0:
        return None
    return "Maxout", [n.inputs[0]], [n, reduce], {"k": int(y[2])}


def _local(m: Matcher, n: Node) -> Found:
    if n.op != "Einsum" or n.attrs.get("equation", "").replace(" ", "") != "nfl,lfk->nkl":
        return None
    cols = m.producer.get(n.inputs[0])
    patches = cols and m.producer.get(cols.inputs[0])
    shaped = m.only(n.outputs[0], "Reshape")
    if cols is None or patches is None or patches.op != "Conv" or shaped is None:
        return None
    taps = m.const(patches.inputs[1])
    if taps is None or set(np.unique(taps)) - {0.0, 1.0}:
        return None
    nodes, inputs = [patches, cols, n, shaped], [patches.inputs[0], n.inputs[1]]
    add = m.only(shaped.outputs[0], "Add")
    if add is not None and m.const(m.other(add, shaped.outputs[0]) or "") is not None:
        nodes.append(add)
        inputs.append(m.other(add, shaped.outputs[0]) or "")
    return "Local", inputs, nodes, dict(patches.attrs)


def _avgpool_ceil(m: Matcher, n: Node) -> Found:
    if n.op != "Pad" or m.const(n.inputs[1]) is None:
        return None
    pool = m.only(n.outputs[0], "AveragePool")
    if pool is None or pool.attrs.get("count_include_pad", 0) != 0:
        return None
    pads = [int(p) for p in m.const(n.inputs[1])]
    extra = pool.attrs.get("pads", [0, 0, 0, 0])
    if len(pads) != 8 or pads[:2] + pads[4:6] != [0, 0, 0, 0] or extra[:2] != [0, 0]:
        return None
    attrs = {**pool.attrs, "pads": [pads[2], pads[3], pads[6], pads[7]], "ceil_mode": 1}
    return "AveragePoolCeil", [n.inputs[0]], [n, pool], attrs


def _reversed_lrn(m: Matcher, n: Node) -> Found:
    if not _reversal(m, n):
        return None
    lrn = m.after(n, "LRN")
    back = m.after(lrn, "Slice")
    if lrn is None or back is None or not _reversal(m, back):
        return None
    return "LRN", [n.inputs[0]], [n, lrn, back], dict(lrn.attrs)


def _reversal(m: Matcher, n: Node) -> bool:
    """A Slice that reverses the channels (start −1, step −1 along axis 1)."""
    if n.op != "Slice" or len(n.inputs) < 5:
        return False
    values = [m.const(i) for i in n.inputs[1:5]]
    if any(v is None or v.size != 1 for v in values):
        return False
    start, _, axis, step = (int(v.reshape(-1)[0]) for v in values)
    return (start, axis, step) == (-1, 1, -1)


def _groupnorm(m: Matcher, n: Node) -> Found:
    """torch.onnx.export's GroupNorm: Reshape to N×g×(C/g·H·W), InstanceNormalization of those
    g "channels" with unit γ and zero β, Reshape back, Mul by γ, Add β (per channel)."""
    if n.op != "Reshape" or n.outputs[0] not in m.g.shapes or n.inputs[0] not in m.g.shapes:
        return None
    x, grouped = m.g.shapes[n.inputs[0]], m.g.shapes[n.outputs[0]]
    norm = m.after(n, "InstanceNormalization")
    back = m.after(norm, "Reshape")
    if norm is None or back is None or len(grouped) != 3 or len(x) != 4 or (
            m.g.shapes.get(back.outputs[0]) != x):
        return None
    nodes, inputs = [n, norm, back], [n.inputs[0]]
    for op in ("Mul", "Add"):
        step = m.after(nodes[-1], op)
        value = m.other(step, nodes[-1].outputs[0]) if step is not None else None
        if step is None or value is None or m.const(value) is None or m.const(value).size != x[1]:
            return None
        nodes.append(step)
        inputs.append(value)
    return "GroupNormalization", inputs, nodes, {"num_groups": int(grouped[1])}


def _adaptive_axis(m: Matcher, n: Node) -> Found:
    """One axis of an adaptive pool as archcalc's export writes it when the windows differ:
    a Concat along the axis of ReduceMean (or ReduceMax) of Slices of one value, the slices
    PyTorch's windows ⌊i·H/h⌋ … ⌈(i + 1)·H/h⌉ − 1."""
    axis = n.attrs.get("axis")
    if n.op != "Concat" or axis not in (2, 3):
        return None
    reduces = [m.producer.get(i) for i in n.inputs]
    slices = [r and m.producer.get(r.inputs[0]) for r in reduces]
    if any(r is None or r.op not in ("ReduceMean", "ReduceMax") or s is None or s.op != "Slice"
           for r, s in zip(reduces, slices, strict=True)):
        return None
    source = slices[0].inputs[0]  # type: ignore[union-attr]
    size, count = m.g.shapes.get(source, (0, 0, 0, 0))[axis], len(n.inputs)
    for i, (r, sl) in enumerate(zip(reduces, slices, strict=True)):
        bounds = [m.const(v) for v in sl.inputs[1:4]]  # type: ignore[union-attr]
        if (sl.inputs[0] != source or any(b is None for b in bounds)  # type: ignore[union-attr]
                or r.op != reduces[0].op or r.attrs.get("keepdims", 1) != 1  # type: ignore
                or [int(b.reshape(-1)[0]) for b in bounds]
                != [i * size // count, -(-(i + 1) * size // count), axis]):
            return None
    nodes = [*slices, *reduces, n]
    return "AdaptiveAxis", [source], nodes, {"axis": axis, "count": count,  # type: ignore
                                             "reduce": reduces[0].op}  # type: ignore[union-attr]


def _adaptive(m: Matcher, n: Node) -> Found:
    """The two axes of an adaptive pool: rows, then columns."""
    if n.op != "AdaptiveAxis" or n.attrs["axis"] != 2:
        return None
    cols = m.only(n.outputs[0], "AdaptiveAxis")
    if cols is None or cols.attrs["axis"] != 3 or cols.attrs["reduce"] != n.attrs["reduce"]:
        return None
    kind = "adaptiveavgpool" if n.attrs["reduce"] == "ReduceMean" else "adaptivemaxpool"
    return "AdaptivePool", n.inputs, [n, cols], {"kind": kind,
                                                 "size": (n.attrs["count"], cols.attrs["count"])}


PATTERNS = (_gelu, _gated, _linear, _maxout, _local, _avgpool_ceil, _reversed_lrn, _groupnorm,
            _adaptive_axis, _adaptive)
