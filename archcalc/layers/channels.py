"""Channel kinds: CHUNK (one of n equal channel groups, the head of each SPLIT path) and
CHANNELSHUFFLE (ShuffleNet's channel interleaving)."""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.layers.base import Count, Layer, Output, Shape, arg, divisible_channels, fail
from archcalc.layers.registry import register


@register
@dataclass(frozen=True)
class Chunk(Layer):
    """Channels (i − 1)·C/n … i·C/n − 1 of the input: PyTorch's `x.chunk(n, dim=1)[i − 1]`.
    A view (no new memory); SPLIT puts one at the head of each of its paths."""

    kind = "chunk"
    prefix = "chunk"
    inplace = True
    view = True
    shown = ("n",)
    flops_rule = "none (a view)"

    i: int = arg(Count(), doc="which group, counted from 1")
    n: int = arg(Count(), 2, "number of equal groups")

    def check(self) -> None:
        if self.i > self.n:
            raise fail(f"CHUNK({self.i}, {self.n}): there are only {self.n} groups",
                       "i counts the groups from 1 to n")

    def out_shape(self, x: Shape) -> Output:
        c = divisible_channels(x, self.n, f"splitting {{c}} channels into {self.n} equal groups",
                               "the number of paths")
        return Output((*x[:-1], c // self.n))


@register
@dataclass(frozen=True)
class ChannelShuffle(Layer):
    """ShuffleNet's channel shuffle (Zhang et al. 2018; PyTorch nn.ChannelShuffle): channels
    viewed as g groups × C/g, transposed, flattened — output channel k·g + j is input channel
    j·C/g + k. A new tensor (PyTorch's `.contiguous()` copies)."""

    kind = "channelshuffle"
    prefix = "shuffle"
    aliases = ("shuffle",)
    flops_rule = "none (copies)"

    g: int = arg(Count(), doc="groups g (C must be divisible by g)")

    def out_shape(self, x: Shape) -> Output:
        divisible_channels(x, self.g, f"CHANNELSHUFFLE({self.g}) needs a channel count "
                                      f"divisible by {self.g}, got {{c}}")
        return Output(x)
