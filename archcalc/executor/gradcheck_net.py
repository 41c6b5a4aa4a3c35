"""The whole-network gradient check: analytic gradients of the training loss against central
differences, in float64, at sampled coordinates of every parameter array and of the input.

A network has many kinks (ReLU at 0, the max of a pool): when one lies within ±h of a sampled
coordinate, the one-sided slopes (f(h) − f(0))/h and (f(0) − f(−h))/h disagree, and h shrinks
tenfold (1e-5, 1e-6, 1e-7) until they agree and the central difference matches — as one does
by hand with cs231n's check.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

import numpy as np

from archcalc.graph import Graph

from .base import Array
from .kernels import KERNELS
from .network import Net, Options, Tick, backward, forward

STEPS = (1e-5, 1e-6, 1e-7)
# |a − n| ≤ ABSOLUTE·max(1, |loss|) + RELATIVE·max(|a|, |n|): the absolute part covers the
# rounding of the loss divided by 2h (≈ 1e-16·|loss|/1e-5 = 1e-11·|loss|), with a margin.
ABSOLUTE = 1e-8
RELATIVE = 1e-5


@dataclass(frozen=True)
class GradCheck:
    node: str  # a node name, or "input"
    key: str  # w, b, alpha, gamma, beta; x for the input
    samples: int
    max_error: float  # cs231n's relative error max |a − n| / max(1e-8, |a| + |n|)
    worst: float  # max |a − n| / (its tolerance): at most 1 passes
    kinks: int = 0  # coordinates skipped: their one-sided slopes disagree at every step
    conclusive: bool = True  # False: a value is not finite, or the tolerance swamps them all

    @property
    def ok(self) -> bool:
        return self.conclusive and self.worst <= 1


def gradcheck(graph: Graph, options: Options, samples: int = 3, tick: Tick | None = None
              ) -> list[GradCheck]:
    """Compare ∂loss/∂(every parameter array and the input) with central differences."""
    net = Net(graph, replace(options, dtype="float64", inplace=False), jitter=True)
    x = net.input()
    base = forward(net, x)
    state = forward(net, x)
    dx, grads = backward(net, state, keep_grads=True)
    rng = np.random.default_rng([options.seed, 0x6C])

    def loss(start: int = 0) -> float:
        """The loss with node `start` and the ones after it run again (the input: all)."""
        return forward(net, x, reuse=base, start=start).loss_value

    absolute = ABSOLUTE * max(1.0, abs(state.loss_value))

    targets: list[tuple[str, str, Array, Array, int]] = [
        (graph.nodes[i].name, key, array, grads[i][key], i)
        for i, weights in enumerate(net.weights) for key, array in (weights or {}).items()]
    if dx is not None:
        targets.append(("input", "x", x, dx, 0))
    results = []
    for name, key, array, analytic, first in targets:
        errors: list[float] = []
        worst: list[float] = []
        kinks = 0
        largest = float(np.max(np.abs(analytic), initial=0.0))  # the array's gradient scale
        for flat in rng.choice(array.size, size=min(3 * samples, array.size), replace=False):
            if len(errors) == samples:
                break
            index = np.unravel_index(flat, array.shape)
            a = float(analytic[index])
            numeric = _central(partial(loss, first), state.loss_value, array, index, absolute, a)
            if numeric is None:
                kinks += 1
                continue
            largest = largest if math.isfinite(numeric) else math.inf
            errors.append(abs(a - numeric) / max(1e-8, abs(a) + abs(numeric)))
            worst.append(abs(a - numeric) / _tolerance(absolute, a, numeric))
            if tick:
                tick(f"gradient check {name}.{key}")
        results.append(GradCheck(name, key, len(errors), max(errors, default=0.0),
                                 max(worst, default=0.0), kinks,
                                 _conclusive(state.loss_value, largest, absolute)))
    return results


def _conclusive(loss: float, largest: float, absolute: float) -> bool:
    """Whether a comparison can tell: the loss and the gradients are finite, and the absolute
    tolerance (which grows with |loss|) does not swamp a gradient that is not itself negligible
    (an array whose gradient is zero by structure, ≤ ABSOLUTE everywhere, agrees)."""
    return math.isfinite(loss) and math.isfinite(largest) and not ABSOLUTE < largest <= absolute


T = TypeVar("T")


def nudged(f: Callable[[], T], array: Array, index: tuple[int, ...], step: float
           ) -> tuple[T, T]:
    """(f() with array[index] moved up by `step`, f() with it moved down), restored after:
    the two evaluations of a central difference (f(x + h) − f(x − h))/2h."""
    old = array[index].copy()
    try:
        array[index] = old + step
        plus = f()
        array[index] = old - step
        minus = f()
    finally:
        array[index] = old
    return plus, minus


def _central(loss: Callable[[], float], base: float, array: Array, index: tuple[int, ...],
             absolute: float, analytic: float) -> float | None:
    """(f(x + h) − f(x − h))/2h nearest to `analytic` over the steps of STEPS whose one-sided
    slopes agree, stopping at the first within tolerance; None when the slopes disagree at
    every step (a kink at the coordinate itself).

    A deep network has kinks everywhere a weight reaches (every ReLU it feeds), and one-sided
    slopes can agree by chance across a few of them; a smaller step then still matches. A wrong
    gradient matches at no step."""
    best: float | None = None
    for step in STEPS:
        plus, minus = nudged(loss, array, index, step)
        right, left = (plus - base) / step, (base - minus) / step
        if abs(right - left) > 2 * _tolerance(absolute, right, left):
            continue
        numeric = float((plus - minus) / (2 * step))
        if best is None or abs(numeric - analytic) < abs(best - analytic):
            best = numeric
        if abs(best - analytic) <= _tolerance(absolute, best, analytic):
            break
    return best


def _tolerance(absolute: float, a: float, b: float) -> float:
    return absolute + RELATIVE * max(abs(a), abs(b))


def count(graph: Graph, samples: int) -> int:
    """Coordinates a gradient check samples at most (for a progress bar)."""
    arrays = sum(KERNELS[node.layer.kind].arrays for node in graph.nodes)
    return samples * (1 + arrays)
