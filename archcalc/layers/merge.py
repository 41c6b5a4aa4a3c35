"""Merges of several paths: ADD (element-wise sum; RES desugars to it) and CONCAT."""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.layers.base import (
    Figure,
    Layer,
    Output,
    Shape,
    elements,
    fail,
    product_text,
    shape_text,
)
from archcalc.layers.registry import register


@dataclass(frozen=True)
class Merge(Layer):
    """A layer with several inputs, written `ADD(p | q)` / `CONCAT(p | q)`, never called."""

    def merge_shape(self, xs: list[Shape], paths: list[str]) -> Output:
        raise NotImplementedError

    def merge_flops(self, xs: list[Shape], y: Shape) -> Figure:
        return Figure(0)


def _listing(xs: list[Shape], paths: list[str]) -> str:
    return "; ".join(f"{p} gives {shape_text(x)}" for x, p in zip(xs, paths, strict=True))


@register
@dataclass(frozen=True)
class Add(Merge):
    kind = "add"
    prefix = "add"
    flops_rule = "(paths − 1) adds per element"

    def merge_shape(self, xs: list[Shape], paths: list[str]) -> Output:
        if any(x != xs[0] for x in xs):
            raise fail("ADD needs every path to give the same shape", _listing(xs, paths))
        return Output(xs[0])

    def merge_flops(self, xs: list[Shape], y: Shape) -> Figure:
        dims = product_text(y)
        return Figure((len(xs) - 1) * elements(y), f"({len(xs)} − 1)·{dims}")


@register
@dataclass(frozen=True)
class Concat(Merge):
    kind = "concat"
    prefix = "concat"
    flops_rule = "none (copies)"

    def merge_shape(self, xs: list[Shape], paths: list[str]) -> Output:
        if len({len(x) for x in xs}) > 1 or any(x[:-1] != xs[0][:-1] for x in xs):
            raise fail("CONCAT needs every path to give the same H×W (or all vectors)",
                       _listing(xs, paths))
        return Output((*xs[0][:-1], sum(x[-1] for x in xs)))
