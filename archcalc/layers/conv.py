"""Convolution-like kinds: CONV, LOCAL (unshared weights), DECONV (transposed)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from archcalc import rf as rflib
from archcalc.layers.base import (
    Count,
    Counted,
    Extent,
    Flag,
    Layer,
    Output,
    Padding,
    Shape,
    Size,
    arg,
    bias_adds,
    fail,
    volume,
)
from archcalc.layers.registry import register
from archcalc.layers.windows import effective, paddings, spatial_rf, window_axis
from archcalc.values import Pair, Value, Word

ONE = Pair.of(1)
_GROUPS = "groups must divide both the input channels and the filters (groups=C: depthwise)"
ZERO_PAD = Pair.of(0)


@dataclass(frozen=True)
class Windowed(Layer):
    """Shared geometry of layers that slide an F×F window with stride and padding."""


    def window(self) -> tuple[Pair[int], Pair[int], Pair[int] | Word, Pair[int]]:
        """(filter size, stride, padding, dilation)."""
        raise NotImplementedError

    def rounds_up(self) -> bool:
        """True where the output size is ceiled (Caffe's pooling), not floored."""
        return False

    def geometry(self, x: Shape) -> tuple[Pair[int], Pair[tuple[int, int]]]:
        """(effective filter size F', (before, after) padding) for input `x`."""
        h, w, _ = volume(x, self)
        f, s, p, d = self.window()
        f_eff = Pair(effective(f.h, d.h), effective(f.w, d.w))
        return f_eff, paddings(p, (h, w), f_eff, s)

    def spatial_out(self, x: Shape) -> tuple[Extent, Extent]:
        f_eff, pads = self.geometry(x)
        _, s, p, _ = self.window()
        same = isinstance(p, Word) and p.text == "same"
        return (window_axis(x[0], f_eff.h, s.h, pads.h, self.rounds_up(), same),
                window_axis(x[1], f_eff.w, s.w, pads.w, self.rounds_up(), same))

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        _, pads = self.geometry(x)
        f, s, _, d = self.window()
        return spatial_rf(field_in, f, s, pads, d)


@register
@dataclass(frozen=True)
class Conv(Windowed):
    """K filters of F×F×C/groups, one output channel each (CS231n conv layer summary)."""

    kind = "conv"
    prefix = "conv"
    keeps = "input"
    aliases = ("convolution", "conv2d")
    shown = ("f",)
    flops_rule = "2·MACs, plus one add per output element for the bias"

    k: int = arg(Count(), doc="number of filters K")
    f: Pair[int] = arg(Size(), Pair.of(3), "filter size F (3, or 3x5 for H×W)")
    s: Pair[int] = arg(Size(), ONE, "stride S")
    p: Pair[int] | Word = arg(Padding(), ZERO_PAD, "zero padding P per side, same or valid")
    d: Pair[int] = arg(Size(), ONE, "dilation D: the filter spans D·(F − 1) + 1 pixels")
    groups: int = arg(Count(), 1, "groups G: each filter sees C/G channels (G = C: depthwise)")
    bias: bool = arg(Flag(), True, "learn one bias per filter")

    @classmethod
    def preset(cls, number: int) -> dict[str, Value] | None:
        return {"f": number, "s": 1, "p": Word("same")}  # VGG's conv3-64

    def check(self) -> None:
        if self.k % self.groups:
            raise fail(f"groups={self.groups} does not divide the {self.k} filters", _GROUPS)

    def window(self) -> tuple[Pair[int], Pair[int], Pair[int] | Word, Pair[int]]:
        return self.f, self.s, self.p, self.d

    def fan_in(self, x: Shape) -> int:
        c = volume(x, self)[2]
        if c % self.groups:
            raise fail(f"groups={self.groups} does not divide the {c} input channels", _GROUPS)
        return self.f.h * self.f.w * (c // self.groups)

    def fan_text(self, x: Shape) -> str:
        c = f"{x[2]}/{self.groups}" if self.groups > 1 else f"{x[2]}"
        return f"{self.f.h}·{self.f.w}·{c}"

    def out_shape(self, x: Shape) -> Output:
        self.fan_in(x)
        h, w = self.spatial_out(x)
        return Output((h.size, w.size, self.k), (h, w))

    def kernel(self, x: Shape, y: Shape) -> Shape:
        return self.k, x[2] // self.groups, self.f.h, self.f.w

    def params(self, x: Shape, y: Shape) -> Counted:
        total = self.fan_in(x) * self.k + (self.k if self.bias else 0)
        bias = f" + {self.k}" if self.bias else ""
        return Counted(total, f"({self.fan_text(x)})·{self.k}{bias}")

    def biases(self, x: Shape, y: Shape) -> Counted:
        return Counted(self.k if self.bias else 0)

    def macs(self, x: Shape, y: Shape) -> Counted:
        return Counted(y[0] * y[1] * self.k * self.fan_in(x),
                      f"{y[0]}·{y[1]}·{self.k}·({self.fan_text(x)})")

    def flops(self, x: Shape, y: Shape) -> Counted:
        return bias_adds(y, self.bias)


@register
@dataclass(frozen=True)
class Local(Windowed):
    """Locally connected: a conv whose weights are not shared across positions."""

    kind = "local"
    prefix = "local"
    keeps = "input"
    aliases = ("locallyconnected",)
    flops_rule = "2·MACs, plus one add per output element for the bias"

    k: int = arg(Count(), doc="number of filters K per position")
    f: Pair[int] = arg(Size(), doc="filter size F")
    s: Pair[int] = arg(Size(), ONE, "stride S")
    p: Pair[int] | Word = arg(Padding(), ZERO_PAD, "zero padding P per side, same or valid")
    bias: bool = arg(Flag(), True, "one bias per output unit (Keras LocallyConnected2D)")

    def window(self) -> tuple[Pair[int], Pair[int], Pair[int] | Word, Pair[int]]:
        return self.f, self.s, self.p, ONE

    def out_shape(self, x: Shape) -> Output:
        h, w = self.spatial_out(x)
        return Output((h.size, w.size, self.k), (h, w))

    def kernel(self, x: Shape, y: Shape) -> Shape:
        """One filter bank per output position: H'·W' × K × (F·F·C)."""
        return y[0] * y[1], self.k, self.f.h * self.f.w * x[2]

    def params(self, x: Shape, y: Shape) -> Counted:
        fan = self.f.h * self.f.w * x[2]
        per = fan * self.k + (self.k if self.bias else 0)
        bias = f" + {self.k}" if self.bias else ""
        return Counted(y[0] * y[1] * per,
                      f"{y[0]}·{y[1]}·(({self.f.h}·{self.f.w}·{x[2]})·{self.k}{bias})")

    def biases(self, x: Shape, y: Shape) -> Counted:
        return Counted(y[0] * y[1] * self.k if self.bias else 0)

    def macs(self, x: Shape, y: Shape) -> Counted:
        return Counted(y[0] * y[1] * self.k * self.f.h * self.f.w * x[2],
                      f"{y[0]}·{y[1]}·{self.k}·({self.f.h}·{self.f.w}·{x[2]})")

    def flops(self, x: Shape, y: Shape) -> Counted:
        return bias_adds(y, self.bias)


@register
@dataclass(frozen=True)
class Deconv(Layer):
    """Transposed convolution: output (W − 1)·S − 2P + D·(F − 1) + 1 + out_p (PyTorch)."""

    kind = "deconv"
    prefix = "deconv"
    keeps = "input"
    aliases = ("convt", "convtranspose", "transposedconv")
    flops_rule = "2·MACs (one product per input unit and filter tap), plus bias adds"

    k: int = arg(Count(), doc="number of filters K")
    f: Pair[int] = arg(Size(), doc="filter size F")
    s: Pair[int] = arg(Size(), ONE, "stride S")
    p: Pair[int] = arg(Size(0), ZERO_PAD, "padding P removed from each side")
    out_p: Pair[int] = arg(Size(0), ZERO_PAD, "extra rows/columns added at the end")
    d: Pair[int] = arg(Size(), ONE, "dilation D")
    bias: bool = arg(Flag(), True, "learn one bias per filter")

    def check(self) -> None:
        for out_p, s, d in zip(self.out_p, self.s, self.d, strict=True):
            if out_p >= max(s, d):
                raise fail(f"out_p={out_p} must be smaller than the stride or the dilation",
                           "as in PyTorch's ConvTranspose2d")

    def axis(self, size: int, f: int, s: int, p: int, out_p: int, d: int) -> Extent:
        f_eff = effective(f, d)
        out = (size - 1) * s - 2 * p + f_eff + out_p
        formula = f"({size} − 1)·{s} − 2·{p} + {f_eff} + {out_p}"
        if out <= 0:
            raise fail("the transposed convolution's output would be empty",
                       f"{formula} = {out} ≤ 0")
        return Extent(out, Fraction(out), formula)

    def out_shape(self, x: Shape) -> Output:
        h, w, _ = volume(x, self)
        axes = tuple(self.axis(n, *a) for n, a in zip(
            (h, w), zip(self.f, self.s, self.p, self.out_p, self.d, strict=True), strict=True))
        return Output((axes[0].size, axes[1].size, self.k), axes)

    def kernel(self, x: Shape, y: Shape) -> Shape:
        """ConvTranspose2d's layout: in × out × F × F."""
        return x[2], self.k, self.f.h, self.f.w

    def params(self, x: Shape, y: Shape) -> Counted:
        bias = f" + {self.k}" if self.bias else ""
        return Counted(self.f.h * self.f.w * x[2] * self.k + (self.k if self.bias else 0),
                      f"({self.f.h}·{self.f.w}·{x[2]})·{self.k}{bias}")

    def biases(self, x: Shape, y: Shape) -> Counted:
        return Counted(self.k if self.bias else 0)

    def macs(self, x: Shape, y: Shape) -> Counted:
        return Counted(x[0] * x[1] * x[2] * self.f.h * self.f.w * self.k,
                      f"{x[0]}·{x[1]}·{x[2]}·({self.f.h}·{self.f.w}·{self.k})")

    def flops(self, x: Shape, y: Shape) -> Counted:
        return bias_adds(y, self.bias)

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        axes = [rflib.transposed(a, f, s, p, d) for a, f, d, s, p in
                zip(field_in, self.f, self.d, self.s, self.p, strict=True)]
        return Pair(axes[0], axes[1])
