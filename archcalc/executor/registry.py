"""KERNELS: every layer kind's forward/backward pair, registered beside the pair in its family
module, with what the runner, the RF probe, the memory guard and the gradient check must know
about the kind.

A kernel takes what it uses. Its forward is `forward(x, [weights,] **hyper, [context…])` and
returns `(out, cache)`; a merge's takes the list of its inputs. Its backward is
`backward(dout, cache, [counter=], [dw=])` and returns `dx` — `(dx, grads)` for a kind with
weights, a list of `dx` for a merge. The context names a kernel may declare as keyword
parameters, and the runner then passes, are those of `Context`: `counter` (the gemm tally),
`rng` (DROPOUT's and DROPPATH's masks), `out` (write the result into the input: an in-place
run), `running` (BN's running statistics) and `pad_value` (what padding reads: the RF probe
passes NaN). `hyper(layer, shape, thin)` turns the layer's fields into the kernel's
hyperparameters for an input of `shape` (per image), resolved by the executor's own geometry.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import fields
from .base import HW, Array, Grads
from .fields import Field
from .gemm import MacCounter
from .init import Draw

Shape = tuple[int, ...]
Hyper = Callable[[Any, Shape, bool], dict[str, Any]]  # (layer, input shape, thin probe)
MakeWeights = Callable[[Any, Shape, Draw], dict[str, Array]]
MakeBuffers = Callable[[Any, Shape], dict[str, Array]]
FieldRule = Callable[[list[Field], Any, dict[str, Any]], Field]  # (input maps, layer, hyper)
CONTEXT = ("counter", "rng", "out", "running", "pad_value")


@dataclass(frozen=True)
class Context:
    """What the runner passes to a forward that asks for it by name."""

    counter: MacCounter
    rng: np.random.Generator | None = None
    out: Array | None = None
    running: dict[str, Array] | None = None
    pad_value: float = 0.0


def no_hyper(layer: Any, shape: Shape, thin: bool) -> dict[str, Any]:
    return {}


def unit(layer: Any) -> HW:
    return 1, 1


def copies(layer: Any, x: Shape, y: Shape) -> int:
    """Elements of the temporaries of an element-wise kind: a few copies of input and output."""
    return 3 * (math.prod(x) + math.prod(y))


@dataclass(frozen=True)
class Kernel:
    """A kind's kernel pair and its facts.

    inplace: can write its result into its input's storage (`out=`); pointwise: each output
    position depends on that input position alone; collapses: every output unit sees the whole
    input (FC, GAP, FLATTEN); fixed_output: the output size does not follow the input's (the
    RF probe measures such nodes at the real size only); probe / thin: the kind that stands in
    for this one in the positive / one-channel RF probe ("" = itself); workspace: cache arrays
    kept per output element (memory estimate); stride / upscale: input pixels per output step
    and output pixels per input step (the probe's layout); transient: elements of the largest
    temporaries per image (memory guard); arrays: parameter arrays at most (gradient check's
    progress); loss: a final one of this kind makes the loss a cross-entropy of its input;
    field_map: how the kind moves field maps (archcalc/executor/fields.py) — the union, for each
    output unit, of the units its kernel reads; without one, a pointwise kind passes its
    input's map on, a merge unites its inputs' and a collapsing kind unites every unit.
    """

    kind: str
    forward: Callable[..., tuple[Any, Any]]
    backward: Callable[..., Any]
    hyper: Hyper = no_hyper
    weights: MakeWeights | None = None
    buffers: MakeBuffers | None = None
    merge: bool = False
    inplace: bool = False
    pointwise: bool = False
    collapses: bool = False
    fixed_output: bool = False
    probe: str = ""
    thin: str = ""
    workspace: float = 0.0
    stride: Callable[[Any], HW] = unit
    upscale: Callable[[Any], HW] = unit
    transient: Callable[[Any, Shape, Shape], int] = copies
    arrays: int = 0
    loss: bool = False
    field_map: FieldRule | None = None
    takes: frozenset[str] = field(init=False, default=frozenset())
    returns_list: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        wanted = set(inspect.signature(self.forward).parameters) & set(CONTEXT)
        wanted |= {f"backward.{n}" for n in inspect.signature(self.backward).parameters}
        object.__setattr__(self, "takes", frozenset(wanted))

    def run_forward(self, xs: list[Array], weights: dict[str, Array], layer: Any,
                    context: Context, thin: bool = False) -> tuple[Array, Any]:
        """The forward pass of one node: its inputs, weights and layer fields."""
        kwargs = self.hyper(layer, tuple(xs[0].shape[1:]), thin)
        for name in CONTEXT:
            if name in self.takes:
                kwargs[name] = getattr(context, name)
        head: list[Any] = [xs if self.merge else xs[0]]
        if self.weights is not None:
            head.append(weights)
        return self.forward(*head, **kwargs)

    def run_backward(self, dout: Array, cache: Any, counter: MacCounter, dw: bool = True
                     ) -> tuple[list[Array], Grads]:
        """(input gradients, parameter gradients) of one node; `dw=False` skips the latter."""
        kwargs: dict[str, Any] = {}
        if "backward.counter" in self.takes:
            kwargs["counter"] = counter
        if "backward.dw" in self.takes:
            kwargs["dw"] = dw
        result = self.backward(dout, cache, **kwargs)
        dx, grads = result if self.weights is not None else (result, {})
        return (list(dx) if self.merge else [dx]), grads

    def run_field(self, maps: list[Field], layer: Any) -> Field:
        """The field map of one node from its inputs' (docs/executor.md, "The receptive-field
        probe")."""
        if self.field_map is not None:
            return self.field_map(maps, layer, self.hyper(layer, tuple(maps[0].shape[1:]), True))
        if self.merge:
            return fields.union(maps)
        if self.collapses:
            return fields.whole(maps[0])
        if self.pointwise:
            return maps[0]
        raise ValueError(f"kind {self.kind!r} has no field rule")


KERNELS: dict[str, Kernel] = {}


def register(kernel: Kernel) -> Kernel:
    """Add a kind's kernel, refusing a second one for the same kind."""
    if kernel.kind in KERNELS:
        raise ValueError(f"kernel {kernel.kind!r} registered twice")
    KERNELS[kernel.kind] = kernel
    return kernel
