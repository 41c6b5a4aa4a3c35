"""Pooling and resampling: MAXPOOL, AVGPOOL, GAP, ADAPTIVEAVGPOOL, ADAPTIVEMAXPOOL, UPSAMPLE,
ZEROPAD."""

from __future__ import annotations

import math
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
    elements,
    fail,
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

    def check(self) -> None:
        """PyTorch refuses pool padding beyond half the window (2·P ≤ F), which would let a
        window read only padding."""
        if isinstance(self.p, Pair) and any(2 * p > f for p, f in zip(self.p, self.f,
                                                                       strict=True)):
            raise fail(f"{self.kind.upper()} padding {self.p} is more than half the window "
                       f"{self.f}",
                       "pool padding is at most F/2 per side (PyTorch refuses more): a "
                       "window would read only padding")

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

    def flops(self, x: Shape, y: Shape) -> Counted:
        taps = self.f.h * self.f.w
        return Counted((taps - 1) * elements(y), f"({self.f.h}·{self.f.w} − 1)·{product_text(y)}")


@register
@dataclass(frozen=True)
class AvgPool(Pool):
    kind = "avgpool"
    aliases = ("avg_pool", "averagepool", "meanpool")
    flops_rule = "F·F − 1 adds and 1 division per output element"

    def flops(self, x: Shape, y: Shape) -> Counted:
        return Counted(self.f.h * self.f.w * elements(y),
                       f"{self.f.h}·{self.f.w}·{product_text(y)}")


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

    def flops(self, x: Shape, y: Shape) -> Counted:
        return Counted(elements(x), f"{product_text(x)}")

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        return whole_input(x, field_in)


def window_heights(extent: int, outputs: int) -> int:
    """Σ over the outputs of their windows' lengths along an axis: H + h − gcd(H, h).

    PyTorch's rule (aten/src/ATen/native/AdaptivePooling.h, start_index/end_index): output i
    reads rows ⌊i·H/h⌋ … ⌈(i + 1)·H/h⌉ − 1. Window i ends where window i + 1 starts, or one
    row later when h ∤ (i + 1)·H; h | k·H for gcd(H, h) − 1 of k = 1 … h − 1 (the multiples
    of h/gcd), so the sum is H + (h − 1) − (gcd(H, h) − 1).
    """
    return extent + outputs - math.gcd(extent, outputs)


def heights_text(extent: int, outputs: int) -> str:
    return f"({extent} + {outputs} − {math.gcd(extent, outputs)})"


@dataclass(frozen=True)
class AdaptivePool(Layer):
    """An h×w output whatever the input, each output the pool of its window (PyTorch's
    nn.AdaptiveAvgPool2d / nn.AdaptiveMaxPool2d); windows may differ in size and overlap."""

    size: Pair[int] = arg(Size(), doc="output size h×w (7, or 7x7 for H×W)")

    def out_shape(self, x: Shape) -> Output:
        return Output((self.size.h, self.size.w, volume(x, self)[2]))

    def window_area(self, x: Shape) -> tuple[int, str]:
        """Σ over the h×w outputs of their window's area, (Σ heights)·(Σ widths), per channel."""
        h, w = self.size
        return (window_heights(x[0], h) * window_heights(x[1], w),
                f"{heights_text(x[0], h)}·{heights_text(x[1], w)}")

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        return Pair(rflib.adaptive(field_in.h, x[0], self.size.h),
                    rflib.adaptive(field_in.w, x[1], self.size.w))


@register
@dataclass(frozen=True)
class AdaptiveAvgPool(AdaptivePool):
    kind = "adaptiveavgpool"
    prefix = "adaptiveavgpool"
    aliases = ("adaptive_avg_pool", "adaptiveavgpool2d", "adaptiveaveragepool")
    flops_rule = ("area − 1 adds and 1 division per output element: (Σ window heights)·"
                  "(Σ window widths)·C, Σ heights = H + h − gcd(H, h) (H·W·C when h | H "
                  "and w | W, as AVGPOOL)")

    def flops(self, x: Shape, y: Shape) -> Counted:
        area, text = self.window_area(x)
        return Counted(area * y[2], f"{text}·{y[2]}")


@register
@dataclass(frozen=True)
class AdaptiveMaxPool(AdaptivePool):
    kind = "adaptivemaxpool"
    prefix = "adaptivemaxpool"
    aliases = ("adaptive_max_pool", "adaptivemaxpool2d")
    flops_rule = ("area − 1 comparisons per output element: ((Σ window heights)·"
                  "(Σ window widths) − h·w)·C, Σ heights = H + h − gcd(H, h)")

    def flops(self, x: Shape, y: Shape) -> Counted:
        area, text = self.window_area(x)
        h, w, c = y
        return Counted((area - h * w) * c, f"({text} − {h}·{w})·{c}")


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


@register
@dataclass(frozen=True)
class ZeroPad(Layer):
    """Explicit zero padding per side, asymmetric allowed (PyTorch nn.ZeroPad2d, Keras
    ZeroPadding2D): (H + top + bottom)×(W + left + right)×C."""

    kind = "zeropad"
    prefix = "zeropad"
    aliases = ("zeropad2d", "zeropadding2d", "zero_pad")
    flops_rule = "none (copies)"

    p: Pair[int] = arg(Size(0), Pair.of(0), "rows on top and bottom × columns on left and "
                       "right: 1, or 1x2 as Keras's padding=(1, 2); PyTorch's ZeroPad2d((l, "
                       "r, t, b)) is ZEROPAD(left=l, right=r, top=t, bottom=b)")
    top: int | None = arg(Count(0), None, "rows above (overrides p)", shown="p")
    bottom: int | None = arg(Count(0), None, "rows below (overrides p)", shown="p")
    left: int | None = arg(Count(0), None, "columns on the left (overrides p)", shown="p")
    right: int | None = arg(Count(0), None, "columns on the right (overrides p)", shown="p")

    def sides(self) -> Pair[tuple[int, int]]:
        """(before, after) per axis: a keyword side overrides p."""
        def side(value: int | None, default: int) -> int:
            return default if value is None else value

        return Pair((side(self.top, self.p.h), side(self.bottom, self.p.h)),
                    (side(self.left, self.p.w), side(self.right, self.p.w)))

    def out_shape(self, x: Shape) -> Output:
        h, w, c = volume(x, self)
        pads = self.sides()
        rows, cols = padded_axis(h, pads.h), padded_axis(w, pads.w)
        return Output((rows.size, cols.size, c), (rows, cols))

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        """Output unit o is input unit o − top (resp. − left): a window of 1."""
        pads = self.sides()
        return Pair(rflib.window(field_in.h, 1, 1, pads.h[0]),
                    rflib.window(field_in.w, 1, 1, pads.w[0]))


def padded_axis(size: int, pads: tuple[int, int]) -> Extent:
    """The extent before + size + after."""
    total = pads[0] + size + pads[1]
    return Extent(total, Fraction(total), f"{pads[0]} + {size} + {pads[1]}")


def whole_input(x: Shape, field_in: rflib.RF) -> rflib.RF:
    """A global unit that sees the whole H×W input (FC, GAP, FLATTEN): jump 0."""
    if len(x) != 3:
        return field_in
    return Pair(rflib.whole(field_in.h, x[0]), rflib.whole(field_in.w, x[1]))

