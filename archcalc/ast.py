"""The syntax tree of an .arch file: frozen dataclasses, each with its source span."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from archcalc.errors import Span

# ---- expressions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    """An integer or decimal literal (decimals are exact fractions)."""

    value: int | Fraction
    span: Span


@dataclass(frozen=True, slots=True)
class SizeLit:
    """A size such as `3x5`: one integer per axis."""

    dims: tuple[int, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Ident:
    """A name inside an expression: a param, a block argument, or a word like `same`."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Chain:
    """`first op term op term ...` for one precedence level (`+ -` or `* / //`)."""

    first: Expr
    rest: tuple[tuple[str, Expr], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Neg:
    """`-x`, with repeated minus signs collapsed into `count`."""

    operand: Expr
    count: int
    span: Span


Expr = Num | SizeLit | Ident | Chain | Neg


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a call: positional when `key` is None."""

    key: str | None
    value: Expr
    span: Span


# ---- layers and structure -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """A layer or a block call: `CONV(64, f=3)`, `RELU`, `basic(128)`, `FC-4096`."""

    name: str
    args: tuple[Arg, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Group:
    """`(A - B)` or `[A - B]`."""

    elements: tuple[Element, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Merge:
    """`ADD(p | q)`, `CONCAT(p | q | ...)`, `RES(body)` or `RES(body | shortcut)`."""

    op: str
    paths: tuple[tuple[Element, ...], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Repeat:
    """`body*count`; `*0` removes the body."""

    body: Element
    count: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Optional:
    """`body?`: present by default, absent with --no-optional, both ways in a sweep."""

    body: Element
    span: Span


@dataclass(frozen=True, slots=True)
class Labeled:
    """`label: body` — names the one element right after the label."""

    label: str
    body: Element
    span: Span
    label_span: Span


Element = Call | Group | Merge | Repeat | Optional | Labeled

# ---- statements -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """A top-level line of layers; all lines together form the network's chain."""

    elements: tuple[Element, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Network:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Input:
    """`input 32x32x3` (H×W×C), `input S x S x 3` (expressions on params) or `input 3072`."""

    dims: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Assign:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Param:
    """`param N = 2, M = 3`."""

    assigns: tuple[Assign, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Defaults:
    """`defaults CONV(p=same, bias=false)`: new defaults for the rest of the file."""

    kind: str
    args: tuple[Arg, ...]
    span: Span
    kind_span: Span


@dataclass(frozen=True, slots=True)
class Formal:
    """A block parameter, with its default value if it has one."""

    name: str
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Block:
    """`block NAME(a, b=1) { ... }` or `block NAME { ... }`."""

    name: str
    formals: tuple[Formal, ...]
    body: tuple[Element, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class ExpectItem:
    """One `key=value` item of an expect line (or the shape, with key `shape`)."""

    key: str
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Expect:
    """`expect NAME: SHAPE key=value ...`."""

    target: str
    checks: tuple[ExpectItem, ...]
    span: Span
    target_span: Span


@dataclass(frozen=True, slots=True)
class Use:
    """`use alexnet` or `use nets/mine.arch`: the network of a bundled spec or of another
    file (relative to this one), for a file that holds only expect lines (archcalc/uses.py)."""

    target: str
    span: Span
    target_span: Span


Statement = Line | Network | Input | Param | Defaults | Block | Expect | Use


@dataclass(frozen=True, slots=True)
class Program:
    statements: tuple[Statement, ...]
