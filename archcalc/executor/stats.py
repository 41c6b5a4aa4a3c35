"""`archcalc init-stats`: forward a random batch and report each layer's activation mean and
std — the slides' weight-initialization experiment (CS231n/CS182 lecture 6, seed 004): with
0.01·N(0, 1) weights the std collapses layer by layer; with He init it holds on ReLU nets."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from archcalc.errors import ArchError
from archcalc.graph import Graph

from .network import Net, Options, Tick, forward, quiet


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    shape: tuple[int, ...]
    mean: float
    std: float


@dataclass(frozen=True)
class Stats:
    network: str
    init: str
    std: float
    batch: int
    seed: int
    rows: list[Row]

    def overflow(self) -> str | None:
        """The first layer whose activations are not all finite, if one is."""
        return next((r.name for r in self.rows if not (math.isfinite(r.mean) and
                                                       math.isfinite(r.std))), None)

    def describe(self) -> str:
        init = f"normal, std {self.std:g}" if self.init == "normal" else self.init
        return f"{init} init, a batch of {self.batch} N(0, 1) inputs, seed {self.seed}"


@quiet
def init_stats(graph: Graph, options: Options, tick: Tick | None = None) -> Stats:
    """Forward one seeded N(0, 1) batch (training mode) and measure every output. A batch of
    no images is refused: the mean and std of nothing are no figures (NaN)."""
    if not isinstance(options.batch, int) or isinstance(options.batch, bool) \
            or options.batch < 1:
        raise ArchError(f"batch {options.batch!r}: init-stats needs at least one image",
                        hint="give a whole number of images >= 1")
    net = Net(graph, replace(options, inplace=False))  # every output kept as it came out
    x = net.input()
    state = forward(net, x, loss=False, tick=tick)
    rows = [_row("input", "input", x)]
    for node, value in zip(graph.nodes, state.values, strict=True):
        assert value is not None
        rows.append(_row(node.name, node.layer.kind, value))
    return Stats(graph.network, str(options.init), options.std, options.batch, options.seed,
                 rows)


def _row(name: str, kind: str, value: np.ndarray) -> Row:
    data = value.astype(np.float64)
    return Row(name, kind, tuple(value.shape[1:]), float(data.mean()), float(data.std()))
