"""What every layer kind shares: figures, argument types, the window arithmetic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any, ClassVar

from archcalc import rf as rflib
from archcalc.errors import ArchError
from archcalc.values import Pair, Value, Word, described, show

Shape = tuple[int, ...]
MAX_COUNT = 10**9  # channels, units, sizes: larger values are refused


@dataclass(frozen=True, slots=True)
class Counted:
    """A count and the substituted arithmetic that produced it:
    `Counted(34944, "(11·11·3)·96 + 96")`."""

    value: int
    formula: str = ""


ZERO = Counted(0)


@dataclass(frozen=True, slots=True)
class Extent:
    """The output extent along one spatial axis, with its exact quotient."""

    size: int
    exact: Fraction
    formula: str
    rounded: str = ""  # "floor" or "ceil" when the window does not fit; "same" by design

    @property
    def fits(self) -> bool:
        return self.rounded in ("", "same")


@dataclass(frozen=True, slots=True)
class Output:
    """A layer's output shape, and the per-axis arithmetic when it is spatial."""

    shape: Shape
    axes: tuple[Extent, ...] = ()

    @property
    def fits(self) -> bool:
        return all(axis.fits for axis in self.axes)


def fail(message: str, hint: str = "") -> ArchError:
    """An error about a layer; the analyzer attaches the layer's span."""
    return ArchError(message, None, hint)


# ---- argument types: each converts a language value or raises ---------------------


class Kind:
    """Converts and checks one argument value; `name` says what it accepts."""

    name = "a value"

    def __call__(self, value: Value) -> Any:
        raise NotImplementedError


class Count(Kind):
    name = "a positive integer"

    def __init__(self, least: int = 1) -> None:
        self.least = least
        if least == 0:
            self.name = "an integer ≥ 0"

    def __call__(self, value: Value) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"expected {self.name}, got {described(value)}")
        if value < self.least:
            raise fail(f"expected {self.name}, got {value}")
        if value > MAX_COUNT:
            raise fail(f"{value:,} is too large", f"values are limited to {MAX_COUNT:,}")
        return value


class Size(Kind):
    """A window, stride or dilation: `3` or `3x5` (height × width)."""

    name = "a size like 3 or 3x5"

    def __init__(self, least: int = 1) -> None:
        self.count = Count(least)

    def __call__(self, value: Value) -> Pair[int]:
        if isinstance(value, tuple):
            if len(value) != 2:
                raise fail(f"a size has two dimensions (HxW), got {show(value)}")
            return Pair(self.count(value[0]), self.count(value[1]))
        return Pair.of(self.count(value))


class Padding(Kind):
    """Zero padding per side: `1`, `1x2` (per axis), `same` or `valid` (Keras/TF)."""

    name = "an integer ≥ 0, a size like 1x2, same or valid"

    def __call__(self, value: Value) -> Pair[int] | Word:
        if isinstance(value, Word):
            return value
        return Size(0)(value)


class Flag(Kind):
    name = "true or false"

    def __call__(self, value: Value) -> bool:
        if not isinstance(value, bool):
            raise fail(f"expected true or false, got {described(value)}")
        return value


class Real(Kind):
    name = "a number"

    def __init__(self, low: Fraction | None = None, high: Fraction | None = None,
                 high_open: bool = False) -> None:
        self.low, self.high, self.high_open = low, high, high_open

    def __call__(self, value: Value) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
            raise fail(f"expected a number, got {described(value)}")
        number = Fraction(value)
        too_high = self.high is not None and (
            number >= self.high if self.high_open else number > self.high)
        if (self.low is not None and number < self.low) or too_high:
            close = ")" if self.high_open else "]"
            raise fail(f"{show(number)} is out of range [{show(self.low)}, "
                       f"{show(self.high)}{close}")
        return number


REQUIRED: Any = object()


def arg(kind: Kind, default: Any = REQUIRED, doc: str = "", shown: str = "") -> Any:
    """A layer argument: its type, default (REQUIRED if none), meaning, and how the
    default is shown when it is not a plain value."""
    return field(default=None if default is REQUIRED else default,
                 metadata={"kind": kind, "doc": doc, "required": default is REQUIRED,
                           "shown": shown})


# ---- the layer base class ---------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """A layer kind. Fields are its arguments; methods are its static rules."""

    kind: ClassVar[str] = ""
    prefix: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    inplace: ClassVar[bool] = False  # output overwrites the input (CS231n memory convention)
    view: ClassVar[bool] = False  # output is the input, reshaped: never writes
    keeps: ClassVar[str] = ""  # what the backward pass keeps: "input", "output" or nothing
    flops_rule: ClassVar[str] = ""  # the documented element-wise FLOP count
    sugar: ClassVar[bool] = False  # only written, never in a graph (RES, SPLIT)
    alternatives: ClassVar[tuple[tuple[str, ...], ...]] = ()  # arguments that exclude each other
    shown: ClassVar[tuple[str, ...]] = ()  # arguments always shown by describe()

    def check(self) -> None:
        """Refuse argument combinations that no input could make valid."""

    def out_shape(self, x: Shape) -> Output:
        return Output(x)

    def params(self, x: Shape, y: Shape) -> Counted:
        return ZERO

    def biases(self, x: Shape, y: Shape) -> Counted:
        return ZERO

    def buffers(self, x: Shape, y: Shape) -> Counted:
        return ZERO

    def kernel(self, x: Shape, y: Shape) -> Shape:
        """The shape of its main weight array in PyTorch's layout (`64×3×7×7` for a CONV
        out × in × F × F); () when it has none."""
        return ()

    def macs(self, x: Shape, y: Shape) -> Counted:
        return ZERO

    def flops(self, x: Shape, y: Shape) -> Counted:
        """Element-wise arithmetic, not counting the 2·MACs of the products."""
        return ZERO

    def rf(self, x: Shape, field_in: rflib.RF) -> rflib.RF:
        return field_in

    @classmethod
    def preset(cls, number: int) -> dict[str, Value] | None:
        """Arguments implied by a name suffix (`CONV3`, `POOL2`); None if not allowed."""
        return None

    def describe(self, implied: frozenset[str] = frozenset()) -> str:
        """The layer as it would be written: required arguments, the ones in `shown`,
        and the ones that differ from their defaults — leaving out `implied` ones
        (set by a `defaults` statement)."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata["required"]:
                parts.append(show(value))
            elif f.name in implied:
                continue
            elif value is not None and (value != f.default or f.name in self.shown):
                parts.append(f"{f.name}={show(value)}")
        name = self.kind.upper()
        return f"{name}({', '.join(parts)})" if parts else name


_SIGNATURES: dict[type, tuple[Any, ...]] = {}


def signature(cls: type[Layer]) -> tuple[Any, ...]:
    """The argument fields of a layer kind, in positional order (a class's fields are fixed:
    read once, not at every call a sweep binds)."""
    found = _SIGNATURES.get(cls)
    if found is None:
        found = _SIGNATURES[cls] = fields(cls)
    return found


# ---- shapes and windows ----------------------------------------------------------------------


def volume(x: Shape, layer: Layer) -> tuple[int, int, int]:
    """H, W, C of a volume input; a vector input is an error for spatial layers."""
    if len(x) != 3:
        raise fail(f"{layer.kind.upper()} needs an H×W×C volume, but its input is a vector "
                   f"of {x[0]:,}", "spatial layers cannot follow FC or FLATTEN")
    return x[0], x[1], x[2]


def channels(x: Shape) -> int:
    """The channel count: C of a volume, N of a vector."""
    return x[-1]


def elements(shape: Shape) -> int:
    return math.prod(shape)


def bias_adds(y: Shape, bias: bool) -> Counted:
    """One add per output element when the layer has a bias."""
    if not bias:
        return ZERO
    return Counted(elements(y), f"{product_text(y)} bias adds")


def product_text(shape: Shape) -> str:
    """The element count as a product, for formulas: 55·55·96."""
    return "·".join(map(str, shape))



def divisors(n: int) -> list[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted({*small, *(n // d for d in small)})


def divisible_channels(x: Shape, groups: int, message: str, what: str = "g") -> int:
    """The channel count of `x`, or an error (`message` about C, with a hint naming the counts
    that divide C) when `groups` does not divide it."""
    c = channels(x)
    if c % groups:
        raise fail(message.format(c=c), divisor_hint(what, groups, c))
    return c


def divisor_hint(what: str, wanted: int, c: int) -> str:
    """The counts that divide C, for a `what` (g, the number of paths) that must: all of them
    when few, else the nearest below and above `wanted` (1 always divides)."""
    found = divisors(c)
    if len(found) <= 8:
        return f"{what} must divide the {c} channels: " + ", ".join(map(str, found)) + " do"
    near = [d for d in found if d < wanted][-1:] + [d for d in found if d > wanted][:1]
    listed = " and ".join(map(str, near))
    return f"{what} must divide the {c} channels: the nearest that do are {listed}"
