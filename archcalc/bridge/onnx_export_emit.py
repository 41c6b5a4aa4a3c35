"""The ONNX operators of one node: `Emit` adds them (the last one named after the .arch layer,
helpers `<layer>/<what>`) and the node's initializers (`<layer>.weight`, `<layer>.bias`, … as
PyTorch names them). Opset 21; NCHW."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from archcalc.bridge.export_geometry import Window
from archcalc.graph import Node

OPSET = 21
EPS = 1e-5  # BN, LAYERNORM and GROUPNORM, as the executor and PyTorch
Shape = tuple[int, ...]
Array = Any


class Emit:
    """The operators of one node: `op` adds one (the node's own name for `last`), `const`
    an initializer."""

    def __init__(self, helper: Any, node: Node, weights: dict[str, Array],
                 nodes: list[Any], inits: dict[str, Array]) -> None:
        self.helper, self.node, self.weights = helper, node, weights
        self.nodes, self.inits = nodes, inits
        self.count = 0
        self.layer: Any = node.layer  # its fields, read duck-typed

    def op(self, op_type: str, inputs: list[str], last: bool = False, **attrs: Any) -> str:
        self.count += 1
        out = self.node.name if last else f"{self.node.name}/{op_type.lower()}{self.count}"
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def const(self, what: str, value: Any, dtype: Any = np.float32) -> str:
        name = f"{self.node.name}/{what}"
        self.inits[name] = np.asarray(value, dtype)
        return name

    def weight(self, key: str) -> str:
        """An initializer `<layer>.<key>` from the node's weights."""
        name = f"{self.node.name}.{key}"
        self.inits[name] = self.weights[key]
        return name

    def ints(self, what: str, values: list[int]) -> str:
        return self.const(what, values, np.int64)


Lower = Callable[[Emit, list[str], list[Shape], Shape], None]


def pads_of(w: Window, overhang: bool = False) -> list[int]:
    """ONNX's pads: [top, left, bottom, right], with the ceil overhang at the end."""
    (top, bottom), (left, right) = w.pads
    extra = w.overhang if overhang else (0, 0)
    return [top, left, bottom + extra[0], right + extra[1]]


def biased(e: Emit, names: list[str]) -> list[str]:
    return names + ([e.weight("bias")] if "bias" in e.weights else [])
