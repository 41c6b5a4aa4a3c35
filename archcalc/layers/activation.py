"""Activation kinds: RELU, RELU6, LEAKYRELU, PRELU, ELU, SIGMOID, TANH, SOFTMAX, MAXOUT, and
the gated and hard ones of MobileNetV3 and transformers: SILU, HARDSWISH, HARDSIGMOID, GELU.

FLOPs count the elementary operations of each formula, a transcendental (exp, erf, tanh) as
one, as TANH does; constants (3, 1/6, √2) are not operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from archcalc.layers.base import (
    Count,
    Counted,
    Flag,
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

    def ops(self) -> int:
        """Operations per element."""
        return self.per_element

    def flops(self, x: Shape, y: Shape) -> Counted:
        dims, ops = product_text(y), self.ops()
        if ops == 1:
            return Counted(elements(y), dims)
        return Counted(ops * elements(y), f"{ops}·{dims}")


@register
@dataclass(frozen=True)
class ReLU(Elementwise):
    kind = "relu"
    prefix = "relu"
    flops_rule = "1 per element (max)"


@register
@dataclass(frozen=True)
class ReLU6(Elementwise):
    """min(max(0, x), 6) (Krizhevsky 2010; PyTorch nn.ReLU6); its backward keeps the mask
    0 < x < 6."""

    kind = "relu6"
    prefix = "relu6_"  # relu6_1, not relu61
    per_element = 2
    flops_rule = "2 per element (max, min)"


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

    def params(self, x: Shape, y: Shape) -> Counted:
        return Counted(channels(x), f"{channels(x)} slopes")

    def kernel(self, x: Shape, y: Shape) -> Shape:
        return (channels(x),)


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
class SiLU(Elementwise):
    """x·σ(x) (Elfwing et al. 2018; Swish with β = 1, Ramachandran et al. 2017; PyTorch
    nn.SiLU). Its backward needs x: in place, it keeps a private copy, which blocks nothing."""

    kind = "silu"
    prefix = "silu"
    aliases = ("swish",)
    per_element = 4
    flops_rule = "4 per element (exp, add, divide: σ; multiply by x)"


@register
@dataclass(frozen=True)
class HardSwish(Elementwise):
    """x·relu6(x + 3)/6 (Howard et al. 2019, MobileNetV3; PyTorch nn.Hardswish); its backward
    keeps a private copy of x."""

    kind = "hardswish"
    prefix = "hardswish"
    per_element = 5
    flops_rule = "5 per element (add, max, min, multiply, divide)"


@register
@dataclass(frozen=True)
class HardSigmoid(Elementwise):
    """relu6(x + 3)/6 (PyTorch nn.Hardsigmoid): 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between;
    its backward keeps the mask −3 < x < 3."""

    kind = "hardsigmoid"
    prefix = "hardsigmoid"
    per_element = 4
    flops_rule = "4 per element (add, max, min, divide)"


@register
@dataclass(frozen=True)
class GELU(Elementwise):
    """x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016; PyTorch nn.GELU); with
    tanh=true, PyTorch's approximate='tanh': 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    Its backward keeps a private copy of x."""

    kind = "gelu"
    prefix = "gelu"
    flops_rule = ("5 per element (divide by √2, erf, add 1, multiply by x, by 0.5); "
                  "tanh=true: 9 (x³: 2 multiplies, ·0.044715, add x, ·√(2/π), tanh, add 1, "
                  "multiply by x, by 0.5)")

    tanh: bool = arg(Flag(), False, "PyTorch's tanh approximation (approximate='tanh')")

    def ops(self) -> int:
        return 9 if self.tanh else 5


@register
@dataclass(frozen=True)
class Softmax(Elementwise):
    """Softmax over the channels of each position (the last axis)."""

    kind = "softmax"
    prefix = "softmax"
    keeps = "output"
    flops_rule = "per position: C exps, C − 1 adds, C divisions"

    def flops(self, x: Shape, y: Shape) -> Counted:
        c = channels(y)
        positions = elements(y) // c
        return Counted(positions * (3 * c - 1), f"{positions}·(3·{c} − 1)")


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

    def flops(self, x: Shape, y: Shape) -> Counted:
        dims = product_text(y)
        return Counted((self.k - 1) * elements(y), f"({self.k} − 1)·{dims}")
