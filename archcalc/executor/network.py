"""Run a Graph for real: create weights, forward with in-place kinds writing into their input's
storage where that is safe, backward, and a Trace of what was computed and kept.

"Kept" (docs/executor.md): after the forward pass the runner holds every node's output until
the backward pass has used it. A node's kept bytes are the bytes of the storage buffer its
output lives in, counted for the first node (or the input) that lives there: an in-place
kind, whose result is written into its input's buffer, keeps 0 new bytes. Arrays that caches
hold besides node outputs (masks, BN's x̂, argmax indices) are reported apart, as workspace.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from archcalc.graph import INPUT, Graph

from . import activation
from .base import Array, Grads
from .gemm import GemmRecord, MacCounter
from .init import Draw
from .kernels import KERNELS, Context, Kernel
from .storage import Storage, cache_arrays, root
from .trace import ExecutionError, NodeTrace, Options, Trace

__all__ = ["ExecutionError", "Net", "NodeTrace", "Options", "State", "Trace", "backward",
           "forward", "measure", "run"]

Shape = tuple[int, ...]
T = TypeVar("T")
Tick = Callable[[str], None]  # called once per node and pass, with a label (progress bars)


class Net:
    """A graph with weights, created on first use from the actual input shapes."""

    def __init__(self, graph: Graph, options: Options = Options(), thin: bool = False,
                 positive: bool = False, pad_value: float = 0.0, jitter: bool = False) -> None:
        self.graph, self.options, self.thin, self.positive = graph, options, thin, positive
        self.jitter = jitter  # the gradient check's offsets on biases and BN's β, γ
        self.pad_value = pad_value
        self.weights: list[dict[str, Array] | None] = [None] * len(graph.nodes)
        self.buffers: list[dict[str, Array]] = [{} for _ in graph.nodes]

    def kernel(self, i: int) -> tuple[Kernel, Any]:
        """The kernel of node i (the probe's stand-in in a positive net) and its layer."""
        layer = self.graph.nodes[i].layer
        kernel = KERNELS[layer.kind]
        if self.thin and kernel.thin:
            return KERNELS[kernel.thin], layer
        if self.positive and kernel.probe:
            return KERNELS[kernel.probe], layer
        return kernel, layer

    def weights_for(self, i: int, x_shape: Shape) -> dict[str, Array]:
        if self.weights[i] is None:
            kernel, layer = self.kernel(i)
            rng = np.random.default_rng([self.options.seed, i, 1])
            draw = Draw(rng, self.options.init, self.options.std, self.thin, self.options.dtype)
            made = kernel.weights(layer, x_shape, draw) if kernel.weights else {}
            if self.positive:
                made = {k: _positive(k, a, rng) for k, a in made.items()}
            if self.jitter:
                made = {k: _jittered(k, a, rng) for k, a in made.items()}
            self.weights[i] = {k: a.astype(self.options.dtype, copy=False)
                               for k, a in made.items()}
            if kernel.buffers is not None and not self.positive:
                made = kernel.buffers(layer, x_shape)
                self.buffers[i] = {k: a.astype(self.options.dtype) for k, a in made.items()}
        return self.weights[i]  # type: ignore[return-value]

    def input(self, shape: Shape | None = None) -> Array:
        """A seeded N(0, 1) input batch (positive in a probe net)."""
        rng = np.random.default_rng([self.options.seed, 0xA7C])
        full = (self.options.batch, *(shape or self.graph.input))
        x = rng.uniform(0.5, 1.5, full) if self.positive else rng.standard_normal(full)
        return x.astype(self.options.dtype)


def _positive(key: str, a: Array, rng: np.random.Generator) -> Array:
    """Probe weights: w ~ U(0.5, 1.5)/fan_in, so activations stay near 1; biases zero."""
    if key == "b":
        return np.zeros_like(a)
    if key != "w":
        return a  # PRELU's slopes (0.25)
    taps = a.shape[2:-1] if a.ndim == 6 else a.shape[:-1]  # LOCAL: (Ho, Wo, Fh, Fw, C, K)
    return rng.uniform(0.5, 1.5, a.shape) / max(int(np.prod(taps)), 1)


def _jittered(key: str, a: Array, rng: np.random.Generator) -> Array:
    """Gradient-check weights: biases and BN's β drawn from N(0, 0.1²), γ from 1 + N(0, 0.1²),
    so that no unit sits exactly on a kink (ReLU at 0: a unit that reads only padding, or
    β after a batch-1 BN into GAP), where one-sided slopes differ for every step h."""
    return a + rng.normal(0.0, 0.1, a.shape) if key in ("b", "beta", "gamma") else a


# ---- forward and backward --------------------------------------------------------------------


@dataclass
class State:
    x: Array
    values: list[Array | None]
    caches: list[Any]
    counters: list[MacCounter]
    traces: list[NodeTrace]
    seeds: dict[int, Array]  # gradients the loss puts on node outputs
    loss: str = ""
    loss_value: float = 0.0


def quiet(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn` with NumPy's floating-point warnings off: an overflow to inf or a NaN is data the
    reports show (init-stats, verify), not a RuntimeWarning from inside NumPy on stderr."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> T:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    return run


@quiet
def forward(net: Net, x: Array, loss: bool = True, tick: Tick | None = None,
            only: set[int] | None = None, reuse: State | None = None, start: int = 0
            ) -> State:
    """Run every node (or those in `only`); with `loss`, seed the training loss's gradient.

    With `reuse` (a state of a run without in-place writes), nodes before `start` take its
    outputs instead of running again: the gradient check moves one weight of node `start`.
    """
    graph, opts = net.graph, net.options
    n = len(graph.nodes)
    state = State(x, [None] * n, [None] * n, [MacCounter() for _ in range(n)],
                  [NodeTrace(node.name, node.layer.kind) for node in graph.nodes], {})
    storage = Storage(graph, x)
    if reuse is not None:
        assert not opts.inplace, "reusing outputs needs a run without in-place writes"
        state.values[:start] = reuse.values[:start]
    for i, node in enumerate(graph.nodes):
        if (only is not None and i not in only) or (reuse is not None and i < start):
            continue
        xs = [x if j == INPUT else state.values[j] for j in node.inputs]
        kernel, layer = net.kernel(i)
        trace = state.traces[i]
        if loss and i == n - 1 and kernel.loss:
            _cross_entropy(net, state, node.inputs[0], xs[0])  # type: ignore[arg-type]
        out_buffer = None
        if kernel.inplace and opts.inplace:
            trace.blocked = storage.blocker(i, xs[0])  # type: ignore[arg-type]
            out_buffer = None if trace.blocked else xs[0]
        context = Context(state.counters[i], np.random.default_rng([opts.seed, i, 2]),
                          out_buffer, net.buffers[i], net.pad_value)
        began = time.perf_counter()
        try:
            weights = net.weights_for(i, xs[0].shape[1:])  # type: ignore[union-attr]
            out, cache = kernel.run_forward(xs, weights, layer,  # type: ignore[arg-type]
                                            context, net.thin)
        except (ValueError, IndexError, TypeError) as exc:
            raise ExecutionError(node.name, "forward", exc) from exc
        trace.seconds_forward = time.perf_counter() - began
        state.values[i], state.caches[i] = out, cache
        storage.record(i, out, cache)
        if tick:
            tick(f"forward {node.name}")
    if loss and not state.seeds:
        _projection(net, state)
    return state


def _cross_entropy(net: Net, state: State, j: int, scores: Array) -> None:
    """The loss of a net that ends in SOFTMAX: softmax cross-entropy of the SOFTMAX's input
    (the scores) on random labels, taken before the SOFTMAX runs (it may overwrite them), so
    the backward pass starts below it."""
    rng = np.random.default_rng([net.options.seed, 0x1055])
    labels = rng.integers(0, scores.shape[-1], scores.shape[:-1])
    value, dscores = activation.softmax_cross_entropy(scores, labels)
    state.seeds[j] = dscores.astype(scores.dtype)
    state.loss, state.loss_value = "softmax cross-entropy", value


def _projection(net: Net, state: State) -> None:
    """The loss of any other net: Σ output·R for a fixed random R, whose gradient is R."""
    out = state.values[-1]
    assert out is not None
    r = np.random.default_rng([net.options.seed, 0x1055]).standard_normal(out.shape)
    state.seeds[len(state.values) - 1] = r.astype(out.dtype)
    state.loss, state.loss_value = "Σ output·R", float(np.sum(out * r))


@quiet
def backward(net: Net, state: State, keep_grads: bool = False, support: bool = False,
             tick: Tick | None = None) -> tuple[Array | None, list[Grads]]:
    """Backpropagate `state.seeds`; return (input gradient, parameter gradients per node).

    A final SOFTMAX under the cross-entropy loss is skipped (its input holds the seed).
    `support` (the RF probe, a positive net): skip weight gradients and replace each input
    gradient by its support indicator [dx > 0] — through non-negative Jacobians the support
    of the next gradient depends on that of this one alone, and nothing can underflow (NaN,
    from the probe's NaN padding outside the seed's cone, counts as 0).
    """
    graph = net.graph
    grads: dict[int, Array] = dict(state.seeds)
    params: list[Grads] = [{} for _ in graph.nodes]
    for i in range(len(graph.nodes) - 1, -1, -1):
        node = graph.nodes[i]
        dout = grads.pop(i, None)
        if tick:
            tick(f"backward {node.name}")
        if dout is None:
            continue
        kernel, _ = net.kernel(i)
        counter = MacCounter()
        start = time.perf_counter()
        try:
            dxs, dweights = kernel.run_backward(dout, state.caches[i], counter, not support)
        except (ValueError, IndexError, TypeError) as exc:
            raise ExecutionError(node.name, "backward", exc) from exc
        trace = state.traces[i]
        trace.seconds_backward = time.perf_counter() - start
        trace.macs_backward = counter.macs
        state.counters[i].records.extend(counter.records)
        trace.grads_ok = support or _grads_match(net.weights[i] or {}, dweights)
        if keep_grads:
            params[i] = dweights
        for j, dx in zip(node.inputs, dxs, strict=True):
            if support:
                dx = (dx > 0).astype(dx.dtype)
            grads[j] = dx if j not in grads else grads[j] + dx
        state.caches[i] = None
    return grads.get(INPUT), params


def _grads_match(weights: dict[str, Array], grads: Grads) -> bool:
    return weights.keys() == grads.keys() and all(
        grads[k].shape == a.shape and grads[k].dtype == a.dtype for k, a in weights.items())


def measure(net: Net, state: State) -> None:
    """Fill each node's trace with what the arrays show: shapes, sizes, MACs, kept bytes."""
    seen: dict[int, str] = {id(root(state.x)): "input"}
    outputs = {id(root(v)) for v in state.values if v is not None} | {id(root(state.x))}
    for i, trace in enumerate(state.traces):
        out = state.values[i]
        assert out is not None
        trace.output = tuple(int(d) for d in out.shape[1:])
        weights = net.weights[i] or {}
        trace.weights = {k: tuple(a.shape) for k, a in weights.items()}
        trace.params = sum(int(a.size) for a in weights.values())
        trace.buffers = sum(int(a.size) for a in net.buffers[i].values())
        trace.macs_forward = sum(r.macs for r in state.counters[i].records
                                 if r.label.endswith(".forward"))
        buffer = root(out)
        if id(buffer) in seen:
            trace.lives_in = seen[id(buffer)]
        else:
            seen[id(buffer)] = trace.name
            trace.kept_bytes = int(buffer.nbytes)
        owned = {id(root(w)) for w in weights.values()}
        extra = {id(root(a)): root(a).nbytes for a in cache_arrays(state.caches[i])
                 if id(root(a)) not in outputs and id(root(a)) not in owned}
        trace.workspace_bytes = int(sum(extra.values()))


def run(graph: Graph, options: Options = Options(), tick: Tick | None = None,
        net: Net | None = None) -> tuple[Trace, Net]:
    """Forward + backward of `graph` on a seeded random batch; what happened, measured.

    Pass the `net` of an earlier run to reuse its weights (a benchmark's repeated steps)."""
    net = net or Net(graph, options)
    start = time.perf_counter()
    x = net.input()
    state = forward(net, x, tick=tick)
    measure(net, state)
    backward(net, state, tick=tick)
    records = [GemmRecord(f"{graph.nodes[i].name}/{r.label}", r.batch, r.m, r.k, r.n)
               for i, c in enumerate(state.counters) for r in c.records]
    trace = Trace(graph.network, options.batch, options.dtype, int(x.nbytes), state.traces,
                  records, state.loss, state.loss_value, time.perf_counter() - start)
    return trace, net
