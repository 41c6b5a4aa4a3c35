"""Constant folding of an ONNX graph with NumPy: a node whose inputs are all constants (or a
Shape of a value whose shape is known) is computed and removed, so that `Reshape(x, shape)`,
`Slice(x, starts, ends)`, `Clip(x, 0, 6)` see their arguments as numbers. torch.onnx.export
writes such subgraphs for `x.view(x.size(0), -1)` and `x.chunk(2, dim=1)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from archcalc.bridge.onnx_import import Graph, Node

Array = Any


def _constant(n: Node, xs: list[Array]) -> Array:
    from onnx import numpy_helper

    a = n.attrs
    if "value" in a:
        return numpy_helper.to_array(a["value"])
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32),
                       ("value_int", np.int64), ("value_ints", np.int64)):
        if key in a:
            return np.asarray(a[key], dtype)
    raise ValueError("an unsupported Constant")


def _axes(n: Node, xs: list[Array]) -> list[int]:
    return [int(v) for v in (xs[1] if len(xs) > 1 else n.attrs.get("axes", []))]


def _unsqueeze(n: Node, xs: list[Array]) -> Array:
    out = xs[0]
    for axis in sorted(a % (out.ndim + len(_axes(n, xs))) for a in _axes(n, xs)):
        out = np.expand_dims(out, axis)
    return out


def _squeeze(n: Node, xs: list[Array]) -> Array:
    axes = _axes(n, xs)
    return np.squeeze(xs[0], axis=tuple(axes) if axes else None)


def _slice(n: Node, xs: list[Array]) -> Array:
    data, starts, ends = xs[0], xs[1], xs[2]
    axes = xs[3] if len(xs) > 3 else range(len(starts))
    steps = xs[4] if len(xs) > 4 else [1] * len(starts)
    index = [slice(None)] * data.ndim
    for s, e, a, st in zip(starts, ends, axes, steps, strict=False):
        index[int(a)] = slice(int(s), int(e), int(st))
    return data[tuple(index)]


def _div(n: Node, xs: list[Array]) -> Array:
    a, b = xs
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        return np.trunc(a / b).astype(a.dtype)
    return a / b


FOLD: dict[str, Callable[[Node, list[Array]], Array]] = {
    "Constant": _constant,
    "Identity": lambda n, xs: xs[0],
    "Gather": lambda n, xs: np.take(xs[0], xs[1], axis=n.attrs.get("axis", 0)),
    "Unsqueeze": _unsqueeze, "Squeeze": _squeeze,
    "Concat": lambda n, xs: np.concatenate([np.atleast_1d(x) for x in xs],
                                           axis=n.attrs.get("axis", 0)),
    "Cast": lambda n, xs: xs[0].astype(_dtype(n.attrs.get("to", 1))),
    "Slice": _slice,
    "Add": lambda n, xs: xs[0] + xs[1], "Sub": lambda n, xs: xs[0] - xs[1],
    "Mul": lambda n, xs: xs[0] * xs[1], "Div": _div,
    "Neg": lambda n, xs: -xs[0], "Floor": lambda n, xs: np.floor(xs[0]),
    "Ceil": lambda n, xs: np.ceil(xs[0]), "Sqrt": lambda n, xs: np.sqrt(xs[0]),
    "Reshape": lambda n, xs: xs[0].reshape([int(d) for d in xs[1]]),
    "Transpose": lambda n, xs: np.transpose(xs[0], n.attrs.get("perm")),
    "ConstantOfShape": lambda n, xs: np.full([int(d) for d in xs[0]], _fill(n)),
    "Range": lambda n, xs: np.arange(xs[0], xs[1], xs[2]),
    "Equal": lambda n, xs: np.equal(xs[0], xs[1]),
    "Where": lambda n, xs: np.where(xs[0], xs[1], xs[2]),
    "Expand": lambda n, xs: xs[0] * np.ones([int(d) for d in xs[1]], xs[0].dtype),
}


def _dtype(code: int) -> Any:
    from onnx import helper

    return helper.tensor_dtype_to_np_dtype(code)


def _fill(n: Node) -> Array:
    from onnx import numpy_helper

    value = n.attrs.get("value")
    return numpy_helper.to_array(value).reshape(-1)[0] if value is not None else 0.0


def fold(graph: Graph) -> None:
    """Compute every constant node; the graph keeps the others."""
    kept: list[Node] = []
    for n in graph.nodes:
        value = _value(graph, n)
        if value is None:
            kept.append(n)
        else:
            graph.consts[n.outputs[0]] = value
    graph.nodes = kept


def _value(graph: Graph, n: Node) -> Array | None:
    if n.op == "Shape" and n.inputs[0] in graph.shapes:
        dims = graph.shapes[n.inputs[0]]
        start, end = n.attrs.get("start", 0), n.attrs.get("end", len(dims))
        return np.asarray(dims[start:end], np.int64)
    present = [i for i in n.inputs if i]
    if n.op not in FOLD or len(n.outputs) != 1 or not all(i in graph.consts for i in present):
        return None
    try:
        return np.asarray(FOLD[n.op](n, [graph.consts[i] for i in present]))
    except (ValueError, IndexError, TypeError, AttributeError):  # not computable: kept
        return None
