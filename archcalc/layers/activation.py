"""Activation kinds: RELU, LEAKYRELU, PRELU, ELU, SIGMOID, TANH, SOFTMAX, MAXOUT."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from archcalc.layers.base import (
    Count,
    Figure,
    Layer,
    Output,
    Real,
    Shape,
    arg,
    channels,
    elements,
    fail,
    product_text,
)
from archcalc.layers.registry import register


@dataclass(frozen=True)
class Elementwise(Layer):
    """An activation applied to each element, in place (CS231n memory convention)."""

    inplace = True
    per_element = 1

    def flops(self, x: Shape, y: Shape) -> Figure:
        dims = product_text(y)
        if self.per_element == 1:
            return Figure(elements(y), dims)
        return Figure(self.per_element * elements(y), f"{self.per_element}·{dims}")


@register
@dataclass(frozen=True)
class ReLU(Elementwise):
    kind = "relu"
    prefix = "relu"
    flops_rule = "1 per element (max)"


@register
@dataclass(frozen=True)
class LeakyReLU(Elementwise):
    kind = "leakyrelu"
    prefix = "leakyrelu"
    aliases = ("lrelu",)
    per_element = 2
    flops_rule = "2 per element (multiply, max)"

    alpha: Fraction = arg(Real(), Fraction(1, 100), "slope for x < 0")


@register
@dataclass(frozen=True)
class PReLU(Elementwise):
    """Leaky ReLU whose slope is learned, one per channel (He et al. 2015)."""

    kind = "prelu"
    prefix = "prelu"
    per_element = 2
    flops_rule = "2 per element (multiply, max)"

    def params(self, x: Shape, y: Shape) -> Figure:
        return Figure(channels(x), f"{channels(x)} slopes")


@register
@dataclass(frozen=True)
class ELU(Elementwise):
    kind = "elu"
    prefix = "elu"
    keeps = "output"
    per_element = 3
    flops_rule = "3 per element (exp, subtract, multiply)"

    alpha: Fraction = arg(Real(), Fraction(1), "α in α·(exp(x) − 1) for x ≤ 0")


@register
@dataclass(frozen=True)
class Sigmoid(Elementwise):
    kind = "sigmoid"
    prefix = "sigmoid"
    keeps = "output"
    aliases = ("logistic",)
    per_element = 3
    flops_rule = "3 per element (exp, add, divide)"


@register
@dataclass(frozen=True)
class Tanh(Elementwise):
    kind = "tanh"
    prefix = "tanh"
    keeps = "output"
    flops_rule = "1 per element"


@register
@dataclass(frozen=True)
class Softmax(Elementwise):
    """Softmax over the channels of each position (the last axis)."""

    kind = "softmax"
    prefix = "softmax"
    keeps = "output"
    flops_rule = "per position: C exps, C − 1 adds, C divisions"

    def flops(self, x: Shape, y: Shape) -> Figure:
        c = channels(y)
        positions = elements(y) // c
        return Figure(positions * (3 * c - 1), f"{positions}·(3·{c} − 1)")


@register
@dataclass(frozen=True)
class Maxout(Layer):
    """The max over groups of k consecutive channels: C → C/k (Goodfellow et al. 2013)."""

    kind = "maxout"
    prefix = "maxout"
    flops_rule = "k − 1 comparisons per output element"

    k: int = arg(Count(), 2, "group size k")

    def out_shape(self, x: Shape) -> Output:
        c = channels(x)
        if c % self.k:
            raise fail(f"MAXOUT(k={self.k}) needs a channel count divisible by {self.k}, "
                       f"got {c}", "k groups consecutive channels: C must be a multiple of k")
        return Output((*x[:-1], c // self.k))

    def flops(self, x: Shape, y: Shape) -> Figure:
        dims = product_text(y)
        return Figure((self.k - 1) * elements(y), f"({self.k} − 1)·{dims}")
