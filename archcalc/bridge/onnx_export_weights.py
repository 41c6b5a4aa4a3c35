"""The weights of an exported ONNX model: drawn by the NumPy executor (seeded, He init), zeros,
or taken from an executor `Net` — and turned from the executor's layouts (channels last,
archcalc/executor/init.py) into ONNX's (channels first, PyTorch's names and shapes):

    CONV    w (Fh, Fw, C/g, K) → weight (K, C/g, Fh, Fw)       b (K,) → bias
    DECONV  w (C, Fh, Fw, K)   → weight (C, K, Fh, Fw)
    LOCAL   w (Ho, Wo, Fh, Fw, C, K) → weight (Ho·Wo, C·Fh·Fw, K)   b (Ho, Wo, K) → (K, Ho, Wo)
    FC      w (D_in, D_out)    → weight (D_in, D_out) for Gemm without transB, the rows of a
            flattened volume in ONNX's C, H, W order (archcalc flattens H, W, C)
    BN      gamma, beta, running_mean, running_var → weight, bias, running_mean, running_var
    PRELU   alpha (C,) → weight;  SCALE gamma (C,) → weight;  LAYERNORM/GROUPNORM gamma, beta

A flattened volume reaches ONNX in C, H, W order; its values are archcalc's permuted (`orders`),
which an FC after it absorbs into its weight's rows, and the per-channel weights of BN, PRELU,
LAYERNORM and SCALE on it follow. A kind that groups neighbouring values of such a vector
(MAXOUT, CHUNK, GROUPNORM, CHANNELSHUFFLE) or a merge of differently ordered vectors cannot be
given the executor's weights exactly, and says so (only when the weights are the executor's)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from archcalc.bridge.export_geometry import Shapes, refuse
from archcalc.graph import INPUT

Array = Any
Weights = dict[str, Array]
ORDER_BLIND = {"relu", "relu6", "leakyrelu", "elu", "sigmoid", "tanh", "silu", "hardswish",
               "hardsigmoid", "gelu", "softmax", "dropout", "droppath", "identity"}
PER_CHANNEL = {"bn", "prelu", "layernorm", "scale"}


def executor_shapes(shapes: Shapes, i: int) -> dict[str, tuple[int, ...]]:
    """The shapes of node i's weights and buffers in the executor's layout."""
    layer: Any = shapes.graph.nodes[i].layer
    x, y = shapes.ins(i)[0], shapes.out(i)
    kind, c = layer.kind, x[-1]
    out: dict[str, tuple[int, ...]] = {}
    if kind in ("conv", "deconv", "local"):
        f = (int(layer.f.h), int(layer.f.w))
        out["w"] = {"conv": (*f, c // getattr(layer, "groups", 1), layer.k),
                    "deconv": (c, *f, layer.k),
                    "local": (y[0], y[1], *f, c, layer.k)}[kind]
        if layer.bias:
            out["b"] = (y[0], y[1], layer.k) if kind == "local" else (layer.k,)
    elif kind == "fc":
        out["w"] = (math.prod(x), layer.n)
        if layer.bias:
            out["b"] = (layer.n,)
    elif kind == "prelu":
        out["alpha"] = (c,)
    elif kind == "scale":
        out["gamma"] = (c,)
    elif kind == "bn" or (kind in ("layernorm", "groupnorm") and layer.affine):
        out.update(gamma=(c,), beta=(c,))
        if kind == "bn":
            out.update(running_mean=(c,), running_var=(c,))
    return out


def drawn(shapes: Shapes, source: Any, seed: int) -> list[Weights]:
    """Per node, executor-layout weights and buffers: "zero", "random" (an executor Net with
    `seed` draws them) or a Net's own (drawn now where it has not run)."""
    graph = shapes.graph
    if source == "zero":
        return [{k: np.zeros(s, np.float32) for k, s in executor_shapes(shapes, i).items()}
                for i in range(len(graph.nodes))]
    net = source
    if isinstance(source, str):
        from archcalc.executor.network import Net
        from archcalc.executor.trace import Options

        net = Net(graph, Options(seed=seed))
    out = []
    for i in range(len(graph.nodes)):
        weights = dict(net.weights_for(i, shapes.ins(i)[0]))
        weights.update(net.buffers[i])
        out.append({k: np.asarray(a, np.float32) for k, a in weights.items()})
    return out


def orders(shapes: Shapes, strict: bool) -> list[Array | None]:
    """Per node, where ONNX's output vector takes archcalc's values from (onnx[p] =
    archcalc[order[p]]), or None where both orders agree. With `strict`, a kind that would
    need more than a reordering of its weights is refused (a located error)."""
    graph = shapes.graph
    out: list[Array | None] = []
    order: Array | None
    for i, node in enumerate(graph.nodes):
        ins = [None if j == INPUT else out[j] for j in node.inputs]
        kind, x = node.layer.kind, shapes.ins(i)[0]
        if kind == "flatten" and len(x) == 3 and x[0] * x[1] > 1:
            order = np.arange(math.prod(x)).reshape(x).transpose(2, 0, 1).reshape(-1)
        elif kind == "concat" and any(o is not None for o in ins):
            parts, offset = [], 0
            for j, o in zip(node.inputs, ins, strict=True):
                n = shapes.out(j)[-1]
                parts.append(offset + (np.arange(n) if o is None else o))
                offset += n
            order = np.concatenate(parts)
        elif kind in ORDER_BLIND | PER_CHANNEL or kind == "fc" or all(o is None for o in ins):
            order = None if kind == "fc" else ins[0]
        elif kind in ("add", "mul") and all(_same(o, ins[0]) for o in ins):
            order = ins[0]
        else:  # random weights need no order: the model is another draw of the same network
            order = None
            if strict:
                raise refuse(node, f"{kind.upper()} groups the values of a flattened volume, "
                             "which ONNX orders C, H, W and archcalc H, W, C",
                             "the executor's weights cannot be carried over exactly; export "
                             "random weights, or flatten after GAP")
        out.append(order)
    return out


def _same(a: Array | None, b: Array | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None
                                         and bool(np.array_equal(a, b)))


def onnx_layout(shapes: Shapes, i: int, weights: Weights, order_in: Array | None
                ) -> dict[str, Array]:
    """Node i's weights in ONNX's layout, by initializer suffix (`weight`, `bias`, …)."""
    layer = shapes.graph.nodes[i].layer
    kind, x = layer.kind, shapes.ins(i)[0]
    if not weights:
        return {}
    w: Array = weights.get("w")
    out: dict[str, Array] = {}
    if kind == "conv":
        out["weight"] = w.transpose(3, 2, 0, 1)
    elif kind == "deconv":
        out["weight"] = w.transpose(0, 3, 1, 2)
    elif kind == "local":
        ho, wo, fh, fw, c, k = w.shape
        out["weight"] = w.reshape(ho * wo, fh, fw, c, k).transpose(0, 3, 1, 2, 4) \
            .reshape(ho * wo, c * fh * fw, k)
        if "b" in weights:
            out["bias"] = weights["b"].transpose(2, 0, 1)
    elif kind == "fc":
        rows = w.reshape(*x, -1).transpose(2, 0, 1, 3).reshape(w.shape) if len(x) == 3 else w
        out["weight"] = rows if order_in is None else w[order_in]
    else:
        names = {"gamma": "weight", "beta": "bias", "alpha": "weight",
                 "running_mean": "running_mean", "running_var": "running_var"}
        out = {names[k]: a if order_in is None else a[order_in] for k, a in weights.items()}
    if "b" in weights and kind != "local":
        out["bias"] = weights["b"]
    return {k: np.ascontiguousarray(a, np.float32) for k, a in out.items()}

