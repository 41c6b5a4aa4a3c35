"""The effective receptive field of a layer (Luo, Li, Urtasun and Zemel, "Understanding the
Effective Receptive Field in Deep Convolutional Neural Networks", NeurIPS 2016, §2): how much
each input pixel moves a centre unit, as the magnitude of the gradient ∂y/∂x.

For each sample k (seeded: weights and input both drawn from seed + k, batch 1, the executor's
init), the gradient at the layer's output is 1 at the centre position ((H − 1)//2, (W − 1)//2)
for every channel and 0 elsewhere (a vector layer: 1 everywhere), the network runs backward
to the input, and |∂y/∂x| summed over the input's channels is the sample's map; the ERF is
the mean of the maps. Nothing here reads the analyzer: the theoretical field the pictures
draw over the map comes from the Analysis, the map only from the arrays.

`moments` treats the map as a distribution over pixels (normalized to sum 1): its centre and
standard deviation per axis. For a Gaussian ERF, ±2σ holds 95.45 % of it — the width the
paper's figures compare with the theoretical field, which grows as n while σ grows as √n.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archcalc.graph import Graph, ancestors

from .base import Array
from .network import Net, Options, backward, forward


@dataclass(frozen=True)
class ERF:
    """A layer's effective receptive field over the input (H × W), and how it was made."""

    name: str
    grid: Array  # mean over samples of Σ_channels |∂y_centre/∂x|
    unit: tuple[int, int] | None  # the output position seeded (None: all of a vector)
    samples: int
    seed: int

    def moments(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(centre row, centre column), (σ rows, σ columns) of the normalized map, in
        input pixels (pixel k's centre is k + 0.5)."""
        total = float(self.grid.sum())
        if total <= 0 or not math.isfinite(total):
            return (math.nan, math.nan), (math.nan, math.nan)
        p = self.grid / total
        axes = []
        for marginal in (p.sum(axis=1), p.sum(axis=0)):
            k = np.arange(marginal.size) + 0.5
            mean = float((k * marginal).sum())
            axes.append((mean, math.sqrt(float(((k - mean) ** 2 * marginal).sum()))))
        return (axes[0][0], axes[1][0]), (axes[0][1], axes[1][1])

    def rows(self) -> list[list[float]]:
        """The map as plain floats, largest 1 (for pictures, which import no NumPy)."""
        top = float(self.grid.max())
        scaled = self.grid / top if top > 0 and math.isfinite(top) else self.grid * 0
        return [[float(v) for v in row] for row in scaled]


def effective_rf(graph: Graph, index: int, samples: int = 8, seed: int = 0,
                 tick: Callable[[str], None] | None = None) -> ERF:
    """The ERF of node `index` of `graph` (whose input must be an H×W×C volume)."""
    if len(graph.input) != 3:
        raise ValueError("the effective receptive field needs an H×W×C input")
    needed = ancestors([index], lambda i: graph.nodes[i].inputs)  # the only nodes to run
    total = np.zeros(graph.input[:2], dtype=np.float64)
    unit: tuple[int, int] | None = None
    for k in range(samples):
        net = Net(graph, Options(batch=1, seed=seed + k))
        state = forward(net, net.input(), loss=False, only=needed)
        out = state.values[index]
        assert out is not None
        seed_grad = np.zeros_like(out)
        if out.ndim == 4:
            unit = ((out.shape[1] - 1) // 2, (out.shape[2] - 1) // 2)
            seed_grad[0, unit[0], unit[1], :] = 1.0
        else:
            seed_grad[...] = 1.0
        state.seeds = {index: seed_grad}
        dx, _ = backward(net, state)
        if dx is not None:
            total += np.abs(dx[0].astype(np.float64)).sum(axis=-1)
        if tick:
            tick(f"sample {k + 1} of {samples}")
    return ERF(graph.nodes[index].name, total / samples, unit, samples, seed)

