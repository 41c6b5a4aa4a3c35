"""The intermediate representation of an imported network: a DAG of archcalc layer kinds.

An importer (torch_import, onnx_import) turns a framework's graph into a `Net`: ops in
topological order, each an archcalc kind with its arguments as language values (ints, exact
Fractions, `Pair` sizes, `Word`s, booleans), its producers, the framework's name for it, and
the module scopes it was called in. Where the framework can measure it, an op also carries the
output shape (H×W×C, or N for a vector) and the parameter and buffer counts the framework
gives: the writer checks that archcalc computes the same. arch_writer turns a Net into .arch
text."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from typing import Any

from archcalc.errors import ArchError
from archcalc.layers import REGISTRY
from archcalc.layers.merge import Merge

INPUT = -1  # the network input, in Op.inputs
MERGES = ("add", "mul", "concat")  # the kinds with several inputs

Shape = tuple[int, ...]
Scope = tuple[tuple[str, str], ...]  # enclosing modules, outermost first: (path, class name)


@dataclass(frozen=True)
class Op:
    """One layer of an imported network."""

    kind: str  # an archcalc kind of the registry (a graph kind: add, concat, chunk, …)
    args: dict[str, Any]  # field name → value; missing fields take the kind's default
    inputs: tuple[int, ...]  # producer op indices, INPUT for the network input
    name: str  # the framework's name: module path `layer1.0.conv1`, or a node name
    origin: str  # what it was, for messages: `nn.Conv2d`, `torch.cat`, `ONNX Conv`
    scope: Scope = ()  # the modules it was called in (not itself), outermost first
    label: str | None = None  # the module's attribute name, when the op is a module
    shape: Shape | None = None  # the framework's output shape, H×W×C or (N,)
    params: int | None = None  # the framework's parameter count
    buffers: int | None = None  # the framework's buffer count (running statistics)


@dataclass(frozen=True)
class Net:
    """An imported network: one input, ops in topological order, one output."""

    name: str
    input: Shape
    ops: tuple[Op, ...]
    output: int
    source: str = "torch"  # where it came from, for the header comment
    notes: tuple[str, ...] = field(default=())  # comment lines for the header


def op_error(op: Op, message: str, hint: str = "") -> ArchError:
    """An error about one op, naming it and what it was."""
    return ArchError(f"{message} (node {op.name!r}, {op.origin})", None, hint)


def node_error(name: str, origin: str, message: str, hint: str = "") -> ArchError:
    """An error about a framework node that has no op yet."""
    return ArchError(f"{message} (node {name!r}, {origin})", None, hint)


def exact(value: float | int | Fraction) -> Fraction:
    """A float as the short decimal it prints as (0.2 → 1/5), or a nearby simple fraction
    when that decimal is long (0.1·3/17 → 3/170): what a person wrote in the framework."""
    if isinstance(value, Fraction | int):
        return Fraction(value)
    written = Fraction(Decimal(repr(float(value))))
    if len(repr(float(value)).replace("-", "").split(".")[-1]) <= 12:
        return written
    simple = written.limit_denominator(10**6)
    return simple if abs(simple - written) <= abs(written) * Fraction(1, 10**9) else written


def single(value: float) -> Fraction:
    """A float32 (ONNX's attributes and tensors) as the shortest decimal that is the same
    float32: 0.2 stored as 0.20000000298… reads back as 1/5."""
    target = struct.pack("f", float(value))
    for digits in range(1, 10):
        text = f"{float(value):.{digits}g}"
        if struct.pack("f", float(text)) == target:
            return Fraction(Decimal(text))
    return Fraction(float(value))  # pragma: no cover - 9 digits always round-trip


def check_args(op: Op) -> None:
    """Refuse an op whose kind is unknown or whose arguments the kind does not accept: an
    importer bug, said plainly rather than as a broken .arch file."""
    cls = REGISTRY.get(op.kind)
    if cls is None or cls.sugar:
        raise op_error(op, f"no archcalc kind {op.kind!r}")
    names = {f.name for f in fields(cls)}
    unknown = set(op.args) - names
    if unknown:
        raise op_error(op, f"{op.kind.upper()} has no argument {sorted(unknown)[0]!r}")
    if issubclass(cls, Merge) != (op.kind in MERGES):
        raise op_error(op, f"{op.kind.upper()} is not a merge of this importer")


def check_net(net: Net) -> None:
    """Every op valid, inputs earlier than the op (topological), one output."""
    for i, op in enumerate(net.ops):
        check_args(op)
        if any(j >= i or j < INPUT for j in op.inputs):
            raise op_error(op, "inputs out of topological order")
        wanted = "at least two inputs" if op.kind in MERGES else "one input"
        if (len(op.inputs) >= 2) != (op.kind in MERGES) or not op.inputs:
            raise op_error(op, f"{op.kind.upper()} takes {wanted}, got {len(op.inputs)}")
    if not 0 <= net.output < len(net.ops):
        raise ArchError("the network has no layers", None, "")
