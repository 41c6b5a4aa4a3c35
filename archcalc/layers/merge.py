"""Merges of several paths, written `NAME(path | path …)`: ADD and MUL (element-wise, with
broadcasting), CONCAT (depth), and two forms that expand into them — RES(body | shortcut)
(an ADD whose shortcut may be left out) and SPLIT(p | q …) (a CONCAT whose paths start at equal
channel groups of the input). A new merge is one class here, one kernel and its tests: the
grammar takes its name from the registry and the expander asks the class for its paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from archcalc.layers.base import (
    Counted,
    Layer,
    Output,
    Shape,
    elements,
    fail,
    product_text,
)
from archcalc.layers.channels import Chunk
from archcalc.layers.registry import register
from archcalc.units import shape_text


@dataclass(frozen=True)
class Merge(Layer):
    """A layer with several inputs. Class facts: how many paths it takes, whether a missing
    last path is the merge's input (RES); a `sugar` merge only expands into another one
    (`node_layer`)."""

    min_paths: ClassVar[int] = 2
    max_paths: ClassVar[int | None] = None
    shortcut: ClassVar[bool] = False  # fewer than max_paths: the input itself is the last path
    meaning: ClassVar[str] = ""  # what it computes, for the reference table

    def heads(self, paths: int) -> list[Layer | None]:
        """A layer put at the head of each path (SPLIT's channel groups), or None."""
        return [None] * paths

    def node_layer(self) -> Merge:
        """The layer of the graph node that joins the paths."""
        return self

    def count_error(self, paths: int) -> tuple[str, str]:
        """(message, hint) for a wrong number of paths."""
        name = self.kind.upper()
        least = {2: "two", 3: "three"}.get(self.min_paths, str(self.min_paths))
        return (f"{name} needs at least {least} paths",
                f"separate them with |: {name}(CONV(8) | IDENTITY)")

    def merge_shape(self, xs: list[Shape], paths: list[str]) -> Output:
        raise NotImplementedError

    def merge_flops(self, xs: list[Shape], y: Shape) -> Counted:
        return Counted(0)


def _listing(xs: list[Shape], paths: list[str]) -> str:
    return "; ".join(f"{p} gives {shape_text(x)}" for x, p in zip(xs, paths, strict=True))


def broadcast(name: str, xs: list[Shape], paths: list[str]) -> Shape:
    """The shape paths broadcast to, as PyTorch broadcasts NCHW tensors: per axis (H, W, C) the
    sizes are equal or 1, and the output takes the larger; a vector N counts as 1×1×N (the
    squeeze-and-excitation gate). All vectors give a vector."""
    volumes: list[Shape] = [(1, 1, x[0]) if len(x) == 1 else x for x in xs]
    out = tuple(max(sizes) for sizes in zip(*volumes, strict=True))
    if any(size not in (1, full) for v in volumes for size, full in zip(v, out, strict=True)):
        raise fail(f"{name} needs every path to give the same shape (or size 1 along an axis, "
                   "as PyTorch broadcasts)", _listing(xs, paths))
    return (out[2],) if all(len(x) == 1 for x in xs) else out


@dataclass(frozen=True)
class Elementwise(Merge):
    """A merge applied element by element to paths that broadcast: one `operation` per
    output element and extra path."""

    operation: ClassVar[str] = ""  # what one FLOP is, plural: "adds"

    def merge_shape(self, xs: list[Shape], paths: list[str]) -> Output:
        return Output(broadcast(self.kind.upper(), xs, paths))

    def merge_flops(self, xs: list[Shape], y: Shape) -> Counted:
        return Counted((len(xs) - 1) * elements(y),
                       f"({len(xs)} − 1)·{product_text(y)} {self.operation}")


@register
@dataclass(frozen=True)
class Add(Elementwise):
    """Element-wise sum (ResNet's shortcut); paths broadcast like PyTorch's `+`."""

    kind = "add"
    prefix = "add"
    operation = "adds"
    meaning = "element-wise sum; shapes broadcast (equal sizes or 1 per axis, a vector is 1×1×N)"
    flops_rule = "(paths − 1) adds per output element"


@register
@dataclass(frozen=True)
class Mul(Elementwise):
    """Element-wise product with broadcasting: squeeze-and-excitation's `x * gate` (Hu et al.
    2018), a 1×1×C (or C) gate against H×W×C. Its backward keeps every input (dx_i = dout·Π_j≠i
    x_j), so it is a new tensor whose inputs cannot be overwritten in place."""

    kind = "mul"
    prefix = "mul"
    operation = "multiplies"
    meaning = ("element-wise product, broadcast like ADD: a squeeze-and-excitation gate 1×1×C "
               "scales H×W×C")
    keeps = "input"
    flops_rule = "(paths − 1) multiplies per output element"


@register
@dataclass(frozen=True)
class Concat(Merge):
    """Depth concatenation (GoogLeNet's inception): the paths agree in H×W, or are all
    vectors."""

    kind = "concat"
    prefix = "concat"
    meaning = "depth concatenation: the paths agree in H×W, or are all vectors"
    flops_rule = "none (copies)"

    def merge_shape(self, xs: list[Shape], paths: list[str]) -> Output:
        if len({len(x) for x in xs}) > 1 or any(x[:-1] != xs[0][:-1] for x in xs):
            raise fail("CONCAT needs every path to give the same H×W (or all vectors)",
                       _listing(xs, paths) + _flatten_hint(xs, paths))
        return Output((*xs[0][:-1], sum(x[-1] for x in xs)))


def _flatten_hint(xs: list[Shape], paths: list[str]) -> str:
    """Vectors beside 1×1×C volumes (a GAP's): FLATTEN makes those vectors too."""
    volumes = [p for x, p in zip(xs, paths, strict=True) if len(x) == 3 and x[:2] == (1, 1)]
    if not volumes or not any(len(x) == 1 for x in xs) or len(volumes) + sum(
            len(x) == 1 for x in xs) < len(xs):
        return ""
    return f"; end {volumes[0]} with FLATTEN, which makes 1×1×C the vector C"


@register
@dataclass(frozen=True)
class Res(Merge):
    """`RES(body)` = ADD(body | the input), `RES(body | shortcut)` = ADD(body | shortcut)."""

    kind = "res"
    prefix = "res"
    meaning = "ADD(body | the input) with one path, ADD(body | shortcut) with two"
    min_paths = 1
    max_paths = 2
    shortcut = True
    sugar = True
    flops_rule = "as ADD"

    def node_layer(self) -> Merge:
        return Add()

    def count_error(self, paths: int) -> tuple[str, str]:
        return "RES takes a body and at most one shortcut", "RES(body) or RES(body | shortcut)"


@register
@dataclass(frozen=True)
class Split(Merge):
    """`SPLIT(p | q …)`: path i starts at CHUNK(i, n), the i-th of n equal consecutive channel
    groups of the input (ShuffleNetV2's `x.chunk(2, dim=1)`), and the paths' outputs
    concatenate: a CONCAT whose paths begin with the chunks."""

    kind = "split"
    prefix = "split"
    meaning = ("path i starts at CHUNK(i, n), the i-th of n equal channel groups; the outputs "
               "concatenate (a CONCAT)")
    sugar = True
    flops_rule = "as CONCAT; the chunks are views"

    def heads(self, paths: int) -> list[Layer | None]:
        return [Chunk(i, paths) for i in range(1, paths + 1)]

    def node_layer(self) -> Merge:
        return Concat()
