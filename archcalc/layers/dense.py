"""Fully connected and shape-only kinds: FC, FLATTEN, IDENTITY."""

from __future__ import annotations

import math
from dataclasses import dataclass

from archcalc import rf as rflib
from archcalc.layers.base import (
    Count,
    Counted,
    Flag,
    Layer,
    Output,
    Shape,
    arg,
    bias_adds,
    product_text,
)
from archcalc.layers.pool import whole_input
from archcalc.layers.registry import register


@register
@dataclass(frozen=True)
class FC(Layer):
    """N units, each connected to every input element (a volume is flattened H, W, C)."""

    kind = "fc"
    prefix = "fc"
    keeps = "input"
    aliases = ("dense", "linear", "fullyconnected")
    flops_rule = "2·MACs, plus one add per unit for the bias"

    n: int = arg(Count(), doc="number of units N")
    bias: bool = arg(Flag(), True, "learn one bias per unit")

    def out_shape(self, x: Shape) -> Output:
        return Output((self.n,))

    def fan_text(self, x: Shape) -> str:
        return product_text(x)

    def kernel(self, x: Shape, y: Shape) -> Shape:
        """nn.Linear's layout: out × in."""
        return self.n, math.prod(x)

    def params(self, x: Shape, y: Shape) -> Counted:
        bias = f" + {self.n}" if self.bias else ""
        total = math.prod(x) * self.n + (self.n if self.bias else 0)
        fan = f"({self.fan_text(x)})" if len(x) > 1 else self.fan_text(x)
        return Counted(total, f"{fan}·{self.n}{bias}")

    def biases(self, x: Shape, y: Shape) -> Counted:
        return Counted(self.n if self.bias else 0)

    def macs(self, x: Shape, y: Shape) -> Counted:
        fan = f"({self.fan_text(x)})" if len(x) > 1 else self.fan_text(x)
        return Counted(math.prod(x) * self.n, f"{fan}·{self.n}")

    def flops(self, x: Shape, y: Shape) -> Counted:
        return bias_adds(y, self.bias)

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        return whole_input(x, field_in)


@register
@dataclass(frozen=True)
class Flatten(Layer):
    """H×W×C → a vector of H·W·C (a view: no new memory)."""

    kind = "flatten"
    prefix = "flatten"
    inplace = True
    view = True
    flops_rule = "none"

    def out_shape(self, x: Shape) -> Output:
        return Output((math.prod(x),))

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        return whole_input(x, field_in)


@register
@dataclass(frozen=True)
class Identity(Layer):
    """Passes its input through: a shortcut path in ADD/RES."""

    kind = "identity"
    prefix = "identity"
    aliases = ("id",)
    inplace = True
    view = True
    flops_rule = "none"
