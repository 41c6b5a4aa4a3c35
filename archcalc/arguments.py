"""The Python API's arguments, checked: a wrong one is an ArchError that names the argument
and what it accepts, as a wrong option is on the command line — never a raw ValueError."""

from __future__ import annotations

import os
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from archcalc.errors import ArchError, Source
from archcalc.settings import Dtype, Optimizer, Settings
from archcalc.values import Value, Word, parse_value

HERE = Source("<arguments>", "")


def _refuse(message: str, hint: str) -> ArchError:
    return ArchError(message, None, hint, HERE)


def source_text(source: object) -> str | os.PathLike[str] | Source:
    """A description: .arch text, a path, a bundled spec's name, or a Source."""
    if isinstance(source, (str, os.PathLike, Source)):
        if isinstance(source, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in source):
            raise _refuse("the description contains a lone surrogate (not a character)",
                          "pass text that encodes as UTF-8")
        return source
    if isinstance(source, bytes):
        raise _refuse("the description is bytes", "decode it first (text.decode('utf-8')) or "
                      "pass the path of the file")
    raise _refuse(f"the description is a {type(source).__name__}",
                  "pass .arch text, a path, or a bundled spec's name like 'alexnet'")


def settings(batch: object, dtype: object, optimizer: object, strict: object = False,
             count_inplace: object = False, amp: object = False, freeze: object = (),
             floor: object = False) -> Settings:
    """The analysis settings, each checked."""
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 10**9:
        raise _refuse(f"batch={batch!r} is not a batch size", "a whole number from 1")
    if strict and floor:
        raise _refuse("strict and floor exclude each other",
                      "strict refuses a floored size; floor accepts it without a mark")
    return Settings(batch, _member(Dtype, dtype, "dtype"),
                    _member(Optimizer, optimizer, "optimizer"), bool(strict), bool(count_inplace),
                    bool(amp), _patterns(freeze), bool(floor))


def _patterns(freeze: object) -> tuple[str, ...]:
    """`freeze`: a glob or a sequence of them."""
    items = (freeze,) if isinstance(freeze, str) else freeze
    if not isinstance(items, (tuple, list)) or not all(isinstance(p, str) and p.strip()
                                                       for p in items):
        raise _refuse(f"freeze={freeze!r} is not a list of names",
                      "freeze=['conv*', 'layer1'] (layer or group names, globs allowed)")
    return tuple(p.strip() for p in items)


def _member(enum: Any, value: object, name: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise _refuse(f"{name}={value!r} is not known",
                      f"{name} is one of {', '.join(m.value for m in enum)}") from None


def params(values: Mapping[str, object] | None) -> dict[str, Value]:
    """Param values (as `-D` gives them): integers, exact decimals, true/false, sizes as tuples
    of integers, or text that `-D` would accept (`"same"`, `"3x5"`)."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise _refuse("params must be a mapping of names to values", "params={'N': 4}")
    return {str(name): _value(str(name), v) for name, v in values.items()}


def _value(name: str, value: object) -> Value:
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator  # an integral Fraction is the integer
    if isinstance(value, (bool, int, Fraction, Word)):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple) and value and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return value
    if isinstance(value, str):
        try:
            return parse_value(value)
        except ValueError as exc:
            raise _refuse(f"param {name}={value!r}: {exc}", "as -D would take it") from None
    raise _refuse(f"param {name}={value!r} is not a value of the language",
                  "an int, a Fraction, a bool, a tuple of ints or text like '3x5' or 'same'")


def input_shape(shape: object) -> tuple[int, ...] | None:
    """`input_shape`: (H, W, C) or (N,) positive integers, or None."""
    if shape is None:
        return None
    if isinstance(shape, tuple) and len(shape) in (1, 3) and all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 10**9 for d in shape):
        return shape
    raise _refuse(f"input_shape={shape!r} is not a shape",
                  "(height, width, channels) like (224, 224, 3), or (N,) for a vector")
