"""Normalization and regularization: BN, LRN, LAYERNORM, GROUPNORM, SCALE, DROPOUT,
DROPPATH."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from archcalc.layers.base import (
    ZERO,
    Count,
    Counted,
    Flag,
    Layer,
    Output,
    Real,
    Shape,
    arg,
    channels,
    divisible_channels,
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

    def params(self, x: Shape, y: Shape) -> Counted:
        return Counted(2 * channels(x), f"2·{channels(x)} (γ, β)")

    def kernel(self, x: Shape, y: Shape) -> Shape:
        return (channels(x),)  # γ (β alike)

    def biases(self, x: Shape, y: Shape) -> Counted:
        return Counted(channels(x))

    def buffers(self, x: Shape, y: Shape) -> Counted:
        return Counted(2 * channels(x), f"2·{channels(x)} (running mean, variance)")

    def flops(self, x: Shape, y: Shape) -> Counted:
        return Counted(4 * elements(y), f"4·{product_text(y)}")


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

    def flops(self, x: Shape, y: Shape) -> Counted:
        return Counted((2 * self.n + 3) * elements(y), f"(2·{self.n} + 3)·{product_text(y)}")


@register
@dataclass(frozen=True)
class Dropout(Layer):
    """Inverted dropout; `p` is the probability of dropping (PyTorch/Keras), `keep` the
    slides' probability of keeping. Identity at inference: no FLOPs counted."""

    kind = "dropout"
    prefix = "dropout"
    inplace = True
    flops_rule = "none (identity at inference)"

    alternatives = (("p", "keep"),)  # one of them; the one written last wins over defaults

    p: Fraction | None = arg(Real(Fraction(0), Fraction(1), high_open=True), None,
                             "probability of dropping a unit", shown="0.5")
    keep: Fraction | None = arg(Real(Fraction(0), Fraction(1)), None,
                                "probability of keeping a unit (the slides' p)", shown="1 − p")

    def check(self) -> None:
        if self.keep is not None and self.p is not None:
            raise fail("give either p (drop) or keep, not both", "keep = 1 − p")
        if self.keep == 0:
            raise fail("keep=0 drops every unit", "keep must be in (0, 1]")

    def describe(self, implied: frozenset[str] = frozenset()) -> str:
        if self.p == Fraction(1, 2):  # PyTorch's default, whether written or not
            return replace(self, p=None).describe(implied)
        return Layer.describe(self, implied)

    @property
    def rate(self) -> Fraction:
        """The probability of dropping: 1 − keep, p, or 0.5 (PyTorch's default)."""
        if self.keep is not None:
            return 1 - self.keep
        return self.p if self.p is not None else Fraction(1, 2)


# ---- normalizations with per-sample statistics ------------------------------------------------
# FLOPs of an inference pass, per statistics set of m elements: m for μ (m − 1 adds, a division),
# 3m for σ² (m subtractions x − μ, kept for the next step; m squares, m − 1 adds, a division),
# 2 for √(σ² + ε), m divisions (x − μ)/σ, and when affine 2 per element for γ·x̂ + β. With E
# elements in S sets: 7E + 2S, or 5E + 2S without affine. LAYERNORM's sets are the positions
# (m = C), GROUPNORM's the g groups of each sample (m = H·W·C/g).


def affine_params(x: Shape, affine: bool) -> Counted:
    c = channels(x)
    return Counted(2 * c, f"2·{c} (γ, β)") if affine else ZERO


def affine_biases(x: Shape, affine: bool) -> Counted:
    return Counted(channels(x)) if affine else ZERO


def norm_flops_per_element(affine: bool) -> int:
    return 7 if affine else 5


@register
@dataclass(frozen=True)
class LayerNorm(Layer):
    """Normalization over the C channels of each position, statistics of that position alone:
    ConvNeXt's LayerNorm2d, PyTorch's nn.LayerNorm(C) on channels-last data (Ba et al. 2016);
    on a vector, nn.LayerNorm(C). Biased variance; γ, β learned per channel, no buffers.
    Its backward keeps x̂ and 1/σ (workspace), not its input."""

    kind = "layernorm"
    prefix = "ln"
    aliases = ("ln",)
    flops_rule = ("per position: 7C + 2 (μ C, σ² 3C, √(σ² + ε) 2, (x − μ)/σ C, γ·x̂ + β 2C); "
                  "5C + 2 without affine")

    affine: bool = arg(Flag(), True, "learn γ and β per channel")

    def params(self, x: Shape, y: Shape) -> Counted:
        return affine_params(x, self.affine)

    def kernel(self, x: Shape, y: Shape) -> Shape:
        return (channels(x),) if self.affine else ()

    def biases(self, x: Shape, y: Shape) -> Counted:
        return affine_biases(x, self.affine)

    def flops(self, x: Shape, y: Shape) -> Counted:
        c, k = channels(y), norm_flops_per_element(self.affine)
        positions = elements(y) // c
        where = f"·{product_text(y[:-1])}" if len(y) > 1 else ""
        text = f"({k}·{c} + 2){where}" if where else f"{k}·{c} + 2"
        return Counted(positions * (k * c + 2), text)


@register
@dataclass(frozen=True)
class GroupNorm(Layer):
    """Statistics over each of g groups of C/g consecutive channels and every position of one
    sample (Wu & He 2018; PyTorch's nn.GroupNorm(g, C)); γ, β per channel, no buffers.

    Its receptive field is its input's: as for BN's batch statistics, the mean and variance
    the normalization divides by are not counted as a path (they would make every field the
    whole input)."""

    kind = "groupnorm"
    prefix = "gn"
    aliases = ("gn",)
    flops_rule = ("per sample of E = H·W·C: 7E + 2g (per group of m: μ m, σ² 3m, √(σ² + ε) 2, "
                  "(x − μ)/σ m; γ·x̂ + β 2 per element); 5E + 2g without affine")

    g: int = arg(Count(), doc="number of groups g (divides C)")
    affine: bool = arg(Flag(), True, "learn γ and β per channel")

    def out_shape(self, x: Shape) -> Output:
        divisible_channels(x, self.g, f"GROUPNORM(g={self.g}) needs a channel count divisible "
                                      f"by {self.g}, got {{c}}")
        return Output(x)

    def params(self, x: Shape, y: Shape) -> Counted:
        return affine_params(x, self.affine)

    def kernel(self, x: Shape, y: Shape) -> Shape:
        return (channels(x),) if self.affine else ()

    def biases(self, x: Shape, y: Shape) -> Counted:
        return affine_biases(x, self.affine)

    def flops(self, x: Shape, y: Shape) -> Counted:
        k = norm_flops_per_element(self.affine)
        return Counted(k * elements(y) + 2 * self.g, f"{k}·{product_text(y)} + 2·{self.g}")


@register
@dataclass(frozen=True)
class Scale(Layer):
    """A learned per-channel multiplier y = γ ⊙ x: ConvNeXt's layer scale (Liu et al. 2022;
    torchvision's `self.layer_scale * x`). C weights, no bias; its backward keeps its input
    (dγ = Σ dout·x)."""

    kind = "scale"
    prefix = "scale"
    aliases = ("layerscale",)
    keeps = "input"
    flops_rule = "1 per element (multiply)"

    def params(self, x: Shape, y: Shape) -> Counted:
        return Counted(channels(x), f"{channels(x)} (γ)")

    def kernel(self, x: Shape, y: Shape) -> Shape:
        return (channels(x),)

    def flops(self, x: Shape, y: Shape) -> Counted:
        return Counted(elements(y), product_text(y))


@register
@dataclass(frozen=True)
class DropPath(Layer):
    """Stochastic depth (Huang et al. 2016), torchvision's stochastic_depth(mode="row"): in
    training each sample is dropped with probability p, survivors scaled by 1/(1 − p); the
    identity at inference, so no FLOPs. In place, as DROPOUT: its mask is one number per
    sample."""

    kind = "droppath"
    prefix = "droppath"
    aliases = ("stochasticdepth",)
    inplace = True
    flops_rule = "none (identity at inference)"

    p: Fraction = arg(Real(Fraction(0), Fraction(1), high_open=True), Fraction(1, 10),
                      "probability of dropping a sample's path")
