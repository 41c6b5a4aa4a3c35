"""Normalization and regularization: BN, LRN, DROPOUT."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from archcalc.layers.base import (
    Count,
    Figure,
    Layer,
    Real,
    Shape,
    arg,
    channels,
    elements,
    fail,
    product_text,
)
from archcalc.layers.registry import register


@register
@dataclass(frozen=True)
class BatchNorm(Layer):
    """Per-channel normalization with learned γ, β (Ioffe & Szegedy 2015).

    Parameters are γ and β (2C); the running mean and variance (2C) are buffers,
    Keras's "non-trainable params".
    """

    kind = "bn"
    prefix = "bn"
    aliases = ("batchnorm", "batchnormalization")
    flops_rule = "4 per element: γ·(x − μ)/σ + β with stored statistics"

    def params(self, x: Shape, y: Shape) -> Figure:
        return Figure(2 * channels(x), f"2·{channels(x)} (γ, β)")

    def biases(self, x: Shape, y: Shape) -> Figure:
        return Figure(channels(x))

    def buffers(self, x: Shape, y: Shape) -> Figure:
        return Figure(2 * channels(x), f"2·{channels(x)} (running mean, variance)")

    def flops(self, x: Shape, y: Shape) -> Figure:
        return Figure(4 * elements(y), f"4·{product_text(y)}")


@register
@dataclass(frozen=True)
class LRN(Layer):
    """Local response normalization across n channels (Krizhevsky et al. 2012, §3.3):
    b = a / (k + α·Σ a²)^β, α not divided by n (PyTorch divides it by n)."""

    kind = "lrn"
    prefix = "norm"
    keeps = "input"
    aliases = ("norm", "localresponsenorm")
    flops_rule = "2n + 3 per element (n squares, n − 1 adds, ·α, +k, power, divide)"

    n: int = arg(Count(), 5, "channels in the window")
    k: Fraction = arg(Real(), Fraction(2), "additive constant k")
    alpha: Fraction = arg(Real(), Fraction(1, 10000), "scale α")
    beta: Fraction = arg(Real(), Fraction(3, 4), "exponent β")

    def flops(self, x: Shape, y: Shape) -> Figure:
        return Figure((2 * self.n + 3) * elements(y), f"(2·{self.n} + 3)·{product_text(y)}")


@register
@dataclass(frozen=True)
class Dropout(Layer):
    """Inverted dropout; `p` is the probability of dropping (PyTorch/Keras), `keep` the
    slides' probability of keeping. Identity at inference: no FLOPs counted."""

    kind = "dropout"
    prefix = "dropout"
    inplace = True
    flops_rule = "none (identity at inference)"

    p: Fraction = arg(Real(Fraction(0), Fraction(1), high_open=True), Fraction(1, 2),
                      "probability of dropping a unit")
    keep: Fraction | None = arg(Real(Fraction(0), Fraction(1)), None,
                                "probability of keeping a unit (the slides' p)", shown="1 − p")

    def check(self) -> None:
        if self.keep is not None and self.p != Fraction(1, 2):
            raise fail("give either p (drop) or keep, not both", "keep = 1 − p")
        if self.keep == 0:
            raise fail("keep=0 drops every unit", "keep must be in (0, 1]")

    @property
    def rate(self) -> Fraction:
        return 1 - self.keep if self.keep is not None else self.p
