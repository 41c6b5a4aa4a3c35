"""What flows between the ops of a traced torch model, as the importer sees it.

A tensor is a `Val`: the IR op that made it, its torch shape (batch 1 first) and its layout —
`nchw` (a volume as torch stores it), `nhwc` (a volume after `permute(0, 2, 3, 1)`, as ConvNeXt
applies LayerNorm and Linear), `vec` (N features), `flat` (N features viewed as N×C×1×1, which
archcalc keeps a vector: merges broadcast it as 1×1×C), or the views of a channel shuffle
(`grouped`: N×g×C/g×H×W, `shuffled`: after the transpose). A `Param` is a parameter or buffer
read by a forward (a layer scale); a `Piece` is one of the chunks of a tensor, made into a
CHUNK op only when something reads it; `Info` is the shape of a tensor seen in a trace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archcalc.bridge.ir import INPUT, Op, Scope, Shape, node_error


@dataclass(frozen=True)
class Info:
    """A tensor's shape, as recorded while the model ran."""

    shape: tuple[int, ...]


@dataclass(frozen=True)
class Param:
    """A parameter or buffer tensor read directly by a forward."""

    name: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Val:
    ir: int
    layout: str
    shape: tuple[int, ...]
    groups: int = 0

    @property
    def arch(self) -> Shape:
        """The shape archcalc gives it: H×W×C for a volume, N for a vector."""
        s = self.shape
        if self.layout == "flat":
            return (s[1],)
        if self.layout == "nchw":
            return (s[2], s[3], s[1])
        if self.layout == "nhwc":
            return (s[1], s[2], s[3])
        return (s[1],)

    @property
    def channel_dim(self) -> int:
        return 3 if self.layout == "nhwc" else 1


@dataclass
class Piece:
    """Chunk i (from 1) of n equal channel groups of `src`, made into an op when read."""

    src: Val
    i: int
    n: int
    name: str
    scope: Scope
    made: Val | None = field(default=None)


@dataclass
class Event:
    """One call the model made: a leaf module (target: the module) or a function or method
    (target: its name, normalized), with arguments as Vals, Params, Pieces or values, the
    output as recorded (Info, a tuple of them, or a plain value), and where it was called."""

    kind: str  # "module", "function", or "onnx" (a node of an ONNX graph)
    target: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    out: Any
    name: str
    scope: Scope
    label: str | None = None


def canonical(name: str) -> str:
    """A function or method name as the converter knows it: `__iadd__` → add, `relu_` →
    relu, `_max_pool2d` → max_pool2d."""
    core = name.strip("_")
    core = {"iadd": "add", "radd": "add", "imul": "mul", "rmul": "mul", "concat": "cat",
            "concatenate": "cat"}.get(core, core)
    return core


class Builder:
    """The ops of the IR being built."""

    def __init__(self) -> None:
        self.ops: list[Op] = []

    def add(self, kind: str, args: dict[str, Any], inputs: list[Val], ev: Event, origin: str,
            out: Val | None, params: int | None = 0, buffers: int | None = 0,
            label: str | None = None) -> int:
        """Append an op; `out` None when torch does not show its output."""
        shape = out.arch if out is not None else None
        self.ops.append(Op(kind, args, tuple(v.ir for v in inputs), ev.name, origin, ev.scope,
                           label, shape, params, buffers))
        return len(self.ops) - 1


def input_val(shape: Shape) -> Val:
    """The network input of an archcalc shape, as the importer feeds it to torch."""
    if len(shape) == 3:
        h, w, c = shape
        return Val(INPUT, "nchw", (1, c, h, w))
    return Val(INPUT, "vec", (1, shape[0]))


def tensor_shape(out: Any, ev: Event) -> tuple[int, ...]:
    """The shape of a call's (single tensor) output."""
    if not isinstance(out, Info):
        raise node_error(ev.name, origin(ev), "expected one tensor as the result")
    return out.shape


def origin(ev: Event) -> str:
    if ev.kind == "onnx":
        return f"ONNX {ev.target}"
    if ev.kind == "module":
        cls = type(ev.target)
        module = getattr(cls, "__module__", None) or ""
        where = "nn." if module.startswith("torch.nn") else f"{module}." if module else ""
        return where + cls.__name__
    return f"torch {ev.target}"
