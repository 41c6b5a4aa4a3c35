"""What both exporters resolve the same way: every node's input and output shapes (from the
analysis), and a window layer's geometry for its input size — `same` as TF/Keras (the odd
pixel of padding at the end), `ceil=true` as Caffe/PyTorch (a last window that would start past
the input and its leading padding is dropped), and the ceil overhang beyond the padding.

The layers' fields are read duck-typed (`layer.f.h`, `layer.p` a Word or a Pair), as the
executor reads them; the analysis supplies only the shapes, which the exporters then check
their own arithmetic against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archcalc.analyze import Analysis, analyze_graph
from archcalc.errors import ArchError
from archcalc.graph import INPUT, Graph, Node

Shape = tuple[int, ...]
Sides = tuple[int, int]  # (before, after) along one axis


@dataclass(frozen=True)
class Shapes:
    """Per node, the shapes of its inputs and its output (H×W×C or a vector's N)."""

    graph: Graph
    analysis: Analysis

    def out(self, i: int) -> Shape:
        return self.graph.input if i == INPUT else self.analysis.layers[i].output

    def ins(self, i: int) -> list[Shape]:
        return [self.out(j) for j in self.graph.nodes[i].inputs]


def shapes(graph: Graph) -> Shapes:
    return Shapes(graph, analyze_graph(graph, detail=False))


@dataclass(frozen=True)
class Window:
    """A window layer on one input size, per axis (h, w)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[Sides, Sides]  # ((top, bottom), (left, right))
    ceil: bool
    same: bool  # p=same: the padding depends on the input size (and may be asymmetric)
    overhang: tuple[int, int]  # ceil mode's rows/columns read past the bottom/right padding

    @property
    def symmetric(self) -> bool:
        return all(before == after for before, after in self.pads)

    @property
    def sides(self) -> tuple[int, int, int, int]:
        """(left, right, top, bottom): the order of F.pad and nn.ZeroPad2d."""
        (top, bottom), (left, right) = self.pads
        return left, right, top, bottom


def pair(value: Any) -> tuple[int, int]:
    return int(value.h), int(value.w)


def same_sides(size: int, span: int, stride: int) -> Sides:
    """TF/Keras `same`: ⌈W/S⌉ outputs, total padding max((⌈W/S⌉ − 1)·S + F' − W, 0), the odd
    pixel at the end."""
    total = max((-(-size // stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def window(layer: Any, hw: tuple[int, int]) -> Window:
    """The geometry of CONV, LOCAL, MAXPOOL or AVGPOOL on an H×W input."""
    kernel = pair(layer.f)
    stride = pair(layer.s) if getattr(layer, "s", None) is not None else kernel
    dilation = pair(layer.d) if hasattr(layer, "d") else (1, 1)
    span = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
    word = getattr(layer.p, "text", None)
    if word == "same":
        pads = (same_sides(hw[0], span[0], stride[0]), same_sides(hw[1], span[1], stride[1]))
    elif word == "valid":
        pads = ((0, 0), (0, 0))
    else:
        ph, pw = pair(layer.p)
        pads = ((ph, ph), (pw, pw))
    ceil = bool(getattr(layer, "ceil", False))
    overhang = (0, 0)
    if ceil:
        overhang = (_overhang(hw[0], span[0], stride[0], pads[0]),
                    _overhang(hw[1], span[1], stride[1], pads[1]))
    return Window(kernel, stride, dilation, pads, ceil, word == "same", overhang)


def outputs(size: int, span: int, stride: int, pads: Sides, ceil: bool) -> int:
    """Output extent: (W − F' + P_b + P_a)/S + 1 floored, or ceiled without a last window
    starting past the input and its leading padding (PyTorch's pooling rule)."""
    padded = size + pads[0] + pads[1]
    count = (padded - span) // stride + 1
    if ceil and (padded - span) % stride:
        count += 1
        if (count - 1) * stride >= size + pads[0]:
            count -= 1
    return count


def _overhang(size: int, span: int, stride: int, pads: Sides) -> int:
    """Rows a ceil-mode window reads past the padded input (0 when it fits)."""
    if size + pads[0] + pads[1] < span:
        return 0
    count = outputs(size, span, stride, pads, True)
    return max((count - 1) * stride + span - (size + pads[0] + pads[1]), 0)


def refuse(node: Node, message: str, hint: str) -> ArchError:
    """A located error about a layer that the target cannot express exactly."""
    return ArchError(f"{node.name}: {message}", node.span, hint)
