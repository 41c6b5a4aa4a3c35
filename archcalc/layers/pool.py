"""Pooling and resampling: MAXPOOL, AVGPOOL, GAP, UPSAMPLE."""

from __future__ import annotations

from dataclasses import dataclass

from archcalc import rf as rflib
from archcalc.layers.base import (
    Figure,
    Flag,
    Layer,
    Output,
    Padding,
    Shape,
    Size,
    arg,
    elements,
    product_text,
    volume,
)
from archcalc.layers.conv import ONE, ZERO_PAD, Windowed
from archcalc.layers.registry import register
from archcalc.values import Pair, Value, Word


@dataclass(frozen=True)
class Pool(Windowed):
    """An F×F window with stride S (default F) over each channel separately."""

    prefix = "pool"
    shown = ("f",)

    f: Pair[int] = arg(Size(), Pair.of(2), "window size F")
    s: Pair[int] | None = arg(Size(), None, "stride S (default: F)", shown="f")
    p: Pair[int] | Word = arg(Padding(), ZERO_PAD, "padding P per side, same or valid")
    ceil: bool = arg(Flag(), False, "round the output size up, as Caffe does")

    @classmethod
    def preset(cls, number: int) -> dict[str, Value] | None:
        return {"f": number, "s": number}  # POOL2: 2×2 stride 2

    def window(self) -> tuple[Pair[int], Pair[int], Pair[int] | Word, Pair[int]]:
        return self.f, self.s or self.f, self.p, ONE

    def rounds_up(self) -> bool:
        return self.ceil

    def out_shape(self, x: Shape) -> Output:
        h, w = self.spatial_out(x)
        return Output((h.size, w.size, volume(x, self)[2]), (h, w))


@register
@dataclass(frozen=True)
class MaxPool(Pool):
    kind = "maxpool"
    aliases = ("pool", "max_pool", "maxpooling")
    flops_rule = "F·F − 1 comparisons per output element"

    def flops(self, x: Shape, y: Shape) -> Figure:
        taps = self.f.h * self.f.w
        return Figure((taps - 1) * elements(y), f"({self.f.h}·{self.f.w} − 1)·{product_text(y)}")


@register
@dataclass(frozen=True)
class AvgPool(Pool):
    kind = "avgpool"
    aliases = ("avg_pool", "averagepool", "meanpool")
    flops_rule = "F·F − 1 adds and 1 division per output element"

    def flops(self, x: Shape, y: Shape) -> Figure:
        return Figure(self.f.h * self.f.w * elements(y), f"{self.f.h}·{self.f.w}·{product_text(y)}")


@register
@dataclass(frozen=True)
class GlobalAvgPool(Layer):
    """The mean of each channel: H×W×C → 1×1×C."""

    kind = "gap"
    prefix = "gap"
    aliases = ("globalavgpool", "globalaveragepool")
    flops_rule = "H·W − 1 adds and 1 division per channel"

    def out_shape(self, x: Shape) -> Output:
        return Output((1, 1, volume(x, self)[2]))

    def flops(self, x: Shape, y: Shape) -> Figure:
        return Figure(elements(x), f"{product_text(x)}")

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        return whole_input(x, field_in)


@register
@dataclass(frozen=True)
class Upsample(Layer):
    """Nearest-neighbour upsampling by an integer factor per axis."""

    kind = "upsample"
    prefix = "upsample"
    flops_rule = "none (copies)"

    s: Pair[int] = arg(Size(), Pair.of(2), "factor S (2, or 2x1 for H×W)")

    def out_shape(self, x: Shape) -> Output:
        h, w, c = volume(x, self)
        return Output((h * self.s.h, w * self.s.w, c))

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        return Pair(rflib.upsampled(field_in.h, self.s.h), rflib.upsampled(field_in.w, self.s.w))


def whole_input(x: Shape, field_in: rflib.RF) -> rflib.RF:
    """A global unit that sees the whole H×W input (FC, GAP, FLATTEN): jump 0."""
    if len(x) != 3:
        return field_in
    return Pair(rflib.whole(field_in.h, x[0]), rflib.whole(field_in.w, x[1]))

