"""Traced torch calls as IR ops: modules (torch_import_modules), then functions and methods.

Functions seen with their concrete arguments and output shapes (from a run of the model):
element-wise sums, products and concatenations become merges (a product with a parameter is
SCALE, ConvNeXt's layer scale); chunks and channel slices become CHUNK; reshapes are read
from their shapes (to a vector: FLATTEN; ShuffleNet's view–transpose–view: CHANNELSHUFFLE);
`permute(0, 2, 3, 1)` and back switch the layout around channels-last layers; functional
activations, pools, norms and padding map as their modules do. Anything else is refused,
naming the function and the node, when a layer reads its result (a value computed only for
Python's control flow, `if x.sum() > 0`, is no part of the network)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archcalc.bridge import torch_import_functions as fn
from archcalc.bridge import torch_import_shapes as shapes
from archcalc.bridge.ir import node_error
from archcalc.bridge.torch_import_modules import module_specs, refuse
from archcalc.bridge.torch_import_values import (
    Builder,
    Event,
    Info,
    Param,
    Piece,
    Val,
    origin,
    tensor_shape,
)
from archcalc.errors import ArchError
from archcalc.values import Pair

NO_OPS = ("contiguous", "clone", "detach", "float")
ACTIVATIONS = {"relu": "relu", "relu6": "relu6", "silu": "silu", "hardswish": "hardswish",
               "hardsigmoid": "hardsigmoid", "sigmoid": "sigmoid", "tanh": "tanh"}


class Converter:
    def __init__(self) -> None:
        self.builder = Builder()

    # ---- values -----------------------------------------------------------------------------

    def read(self, value: Any, ev: Event) -> Val:
        """The tensor an argument holds; a chunk made into its op on first use."""
        if isinstance(value, Piece):
            if value.made is None:
                src = value.src
                shape = list(src.shape)
                shape[src.channel_dim] //= value.n
                out = Val(-2, src.layout, tuple(shape))
                chunk_ev = Event("function", "chunk", (), {}, None, value.name, value.scope)
                index = self.builder.add("chunk", {"i": value.i, "n": value.n}, [src], chunk_ev,
                                         "torch chunk", out)
                value.made = Val(index, src.layout, out.shape)
            return value.made
        if isinstance(value, Val):
            return value
        if isinstance(value, Unmapped):
            raise value.error
        raise node_error(ev.name, origin(ev), f"expected a tensor, got {describe(value)}")

    def emit(self, kind: str, args: dict[str, Any], inputs: list[Val], ev: Event,
             y: tuple[int, ...], params: int | None = 0, buffers: int | None = 0,
             layout: str | None = None, known: bool = True) -> Val:
        """Append one op whose output has torch shape `y` (not `known`: a step inside a
        module, whose shape torch does not show)."""
        out = self.val(-2, y, layout or inputs[0].layout, ev)
        index = self.builder.add(kind, args, inputs, ev, origin(ev), out if known else None,
                                 params, buffers, ev.label)
        return Val(index, out.layout, y)

    def val(self, ir: int, y: tuple[int, ...], layout: str, ev: Event) -> Val:
        if len(y) == 2:
            return Val(ir, "vec", y)
        if len(y) == 4 and layout in ("nchw", "nhwc", "flat"):
            return Val(ir, layout, y)
        raise refuse(ev, f"a tensor of shape {list(y)} has no .arch form",
                     "archcalc describes N×C×H×W volumes and N×F vectors")

    # ---- one event ------------------------------------------------------------------------

    def event(self, ev: Event) -> Any:
        """The value a call produces: a Val, a tuple of Pieces, or a plain value."""
        if ev.kind == "module":
            return self.module(ev)
        if not _has_tensor(ev.out):
            return ev.out  # sizes, shapes: plain values for later calls
        if not _reads_tensor(ev.args) and isinstance(ev.out, Info):  # a parameter reshaped
            first = next((a for a in ev.args if isinstance(a, Param)), None)
            return Param(first.name if first else str(ev.target), ev.out.shape)
        handler = getattr(fn, f"f_{ev.target}", None) or getattr(shapes, f"f_{ev.target}", None)
        if ev.target in ACTIVATIONS:
            return self.emit(ACTIVATIONS[ev.target], {}, [self.read(ev.args[0], ev)], ev,
                             tensor_shape(ev.out, ev))
        if ev.target in NO_OPS:
            return self.read(ev.args[0], ev)
        if handler is None:  # an error when the network reads it (not when it only steers
            return Unmapped(refuse(  # Python's control flow: `if x.sum() > 0`)
                ev, f"no archcalc kind for the function {ev.target!r}",
                "see docs/bridge.md (Import) for the functions archcalc imports"))
        return handler(self, ev)

    def module(self, ev: Event) -> Val:
        m = ev.target
        x = self.read(ev.args[0], ev) if ev.args else None
        if x is None or len(ev.args) > 1 or ev.kwargs:
            raise refuse(ev, f"{origin(ev)} called with {len(ev.args)} arguments: archcalc "
                             "layers take one tensor")
        if not isinstance(ev.out, Info):
            raise refuse(ev, f"no archcalc kind for {origin(ev)}: it returns "
                             f"{describe(ev.out)}, not one tensor")
        y = ev.out.shape
        specs = module_specs(m, x, y, ev)
        params = sum(p.numel() for p in m.parameters())
        buffers = sum(b.numel() for name, b in m.named_buffers()
                      if not name.endswith("num_batches_tracked"))
        for k, (kind, args) in enumerate(specs):
            last = k == len(specs) - 1
            x = self.emit(kind, args, [x], ev, y if last else x.shape,
                          params if last else 0, buffers if last else 0, known=last)
        return x


@dataclass(frozen=True)
class Unmapped:
    """The result of a call with no archcalc kind: its error, raised when a layer reads it."""

    error: ArchError


def one_output(value: Any) -> Val:
    """What the module returns, which must be one tensor archcalc can describe (both tracers
    end here)."""
    if isinstance(value, Unmapped):
        raise value.error
    if not isinstance(value, Val):
        raise ArchError("the module returns several tensors (or none)", None,
                        "archcalc describes a network with one output: return one tensor")
    return value


def _has_tensor(out: Any) -> bool:
    if isinstance(out, Info):
        return True
    return isinstance(out, tuple | list) and any(_has_tensor(o) for o in out)


def _reads_tensor(args: Any) -> bool:
    if isinstance(args, Val | Piece):
        return True
    return isinstance(args, tuple | list) and any(_reads_tensor(a) for a in args)


def describe(value: Any) -> str:
    if isinstance(value, tuple):
        return f"{len(value)} values"
    if isinstance(value, Param):
        return f"the parameter {value.name!r} {list(value.shape)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return type(value).__name__


def flatten_val(conv: Converter, x: Val, ev: Event, y: tuple[int, ...]) -> Val:
    """A reshape to N×F: FLATTEN of a volume (no op for a vector)."""
    if x.layout == "vec":
        return x
    if x.layout == "flat":
        return Val(x.ir, "vec", y)
    return conv.emit("flatten", {}, [x], ev, y, layout="vec")


def chunk_pieces(x: Val, n: int, dim: int, ev: Event) -> tuple[Piece, ...]:
    if dim % len(x.shape) != x.channel_dim or x.shape[x.channel_dim] % n:
        raise refuse(ev, f"a chunk into {n} along axis {dim}: archcalc's CHUNK takes equal "
                         "channel groups")
    return tuple(Piece(x, i, n, f"{ev.name}[{i - 1}]", ev.scope) for i in range(1, n + 1))


def scale_of(param: Param, x: Val) -> bool:
    """Whether a parameter multiplies per channel: a layer scale γ of shape C×1×1 on a
    volume, C on channels-last data or a vector (leading 1s allowed)."""
    shape = param.shape
    while len(shape) > 1 and shape[0] == 1:
        shape = shape[1:]
    c = x.shape[x.channel_dim]
    return shape == ((c, 1, 1) if x.layout == "nchw" else (c,))


def window(value: Any) -> Pair[int]:
    return Pair(int(value[0]), int(value[1])) if isinstance(value, tuple | list) else Pair.of(
        int(value))

