"""Values of the language (integers, exact decimals, booleans, words, sizes) and `Pair`."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Word:
    """A bare word used as a value: `same`, `valid`."""

    text: str

    def __str__(self) -> str:
        return self.text


Value = int | Fraction | bool | Word | tuple[int, ...]

WORDS: dict[str, Value] = {"true": True, "false": False, "same": Word("same"),
                           "valid": Word("valid")}


@dataclass(frozen=True, slots=True)
class Pair(Generic[T]):
    """A per-axis quantity: (height, width)."""

    h: T
    w: T

    @staticmethod
    def of(value: T) -> Pair[T]:
        return Pair(value, value)

    @property
    def square(self) -> bool:
        return self.h == self.w

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter((self.h, self.w))

    def __str__(self) -> str:
        return show(self.h) if self.square else f"{show(self.h)}x{show(self.w)}"


def show(value: object) -> str:
    """A value as it would be written in a .arch file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return _decimal(value)
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value)
    return str(value)


def _decimal(value: Fraction) -> str:
    """An exact fraction as a decimal when it has one, else rounded to 4 places."""
    if value.denominator == 1:
        return str(value.numerator)
    for places in range(1, 13):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return f"{float(value):.{places}f}"
    return f"{float(value):.4g}"


def described(value: Value) -> str:
    """A value with its kind, for error messages: `a decimal 2.5`, `the word same`."""
    return type_name(value) if isinstance(value, Word) else f"{type_name(value)} {show(value)}"


def type_name(value: Value) -> str:
    """The kind of a value in words, for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, Fraction):
        return "a decimal"
    if isinstance(value, Word):
        return f"the word {value.text}"
    return "a size"


def parse_value(text: str) -> Value:
    """A value written on the command line (`-D N=4`): integer, decimal, size or word."""
    import re

    if re.fullmatch(r"-?[0-9]{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?[0-9]{1,15}\.[0-9]{1,15}", text):
        value = Fraction(text)
        return value.numerator if value.denominator == 1 else value  # 2.0 is 2
    if re.fullmatch(r"[0-9]{1,15}(x[0-9]{1,15})+", text):
        return tuple(int(p) for p in text.split("x"))
    if text.lower() in WORDS:
        return WORDS[text.lower()]
    raise ValueError(f"{text!r} is not an integer, decimal, size (3x5), true/false or "
                     "same/valid")
