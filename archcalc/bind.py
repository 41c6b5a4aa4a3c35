"""Binding a call's arguments to a layer kind's fields, with defaults and presets."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from archcalc.errors import ArchError, Span
from archcalc.layers.base import Layer, signature
from archcalc.values import Value, show

Bound = Mapping[str, Any]  # field name -> converted value


def convert(cls: type[Layer], values: list[tuple[str | None, Value, Span]], call: Span
            ) -> dict[str, Any]:
    """Match positional and keyword values to fields and convert each one."""
    fields = signature(cls)
    names = [f.name for f in fields]
    bound: dict[str, Any] = {}
    for position, (key, value, span) in enumerate(values):
        name = key if key is not None else _positional(cls, names, position, span)
        if name not in names:
            raise ArchError(f"{cls.kind.upper()} has no argument {name!r}", span,
                            _arguments_hint(cls, name))
        if name in bound:
            i = names.index(name)
            how = ("positional arguments come before keywords" if key is None else
                   f"{name} is already given by position"
                   if i < position and values[i][0] is None else "remove one of them")
            raise ArchError(f"argument {name!r} given twice", span, f"{how}: {usage(cls)}")
        bound[name] = _converted(cls, fields[names.index(name)], value, span)
    return bound


def _positional(cls: type[Layer], names: list[str], position: int, span: Span) -> str:
    if position >= len(names):
        most = f"at most {len(names)} arguments" if names else "no arguments"
        raise ArchError(f"{cls.kind.upper()} takes {most}", span,
                        _arguments_hint(cls, ""))
    return names[position]


def _converted(cls: type[Layer], field: Any, value: Value, span: Span) -> Any:
    try:
        return field.metadata["kind"](value)
    except ArchError as err:
        raise ArchError(f"{cls.kind.upper()} argument {field.name}: {err.message}", span,
                        err.hint or f"{field.name}: {field.metadata['doc']}") from None


def build(cls: type[Layer], layered: list[Bound], call: Span) -> Layer:
    """The layer from class defaults overridden by each mapping in turn (later wins; an
    argument given later also clears its alternatives given earlier: `defaults DROPOUT(p=0.3)`
    then `DROPOUT(keep=0.5)` keeps half)."""
    merged: dict[str, Any] = {}
    for bound in layered:
        for group in cls.alternatives:
            if any(name in bound for name in group):
                for name in group:
                    merged.pop(name, None)
        merged.update(bound)
    missing = [f for f in signature(cls) if f.metadata["required"] and f.name not in merged]
    if missing:
        f = missing[0]
        raise ArchError(f"{cls.kind.upper()} needs {f.name}: {f.metadata['doc']}", call,
                        f"for example {usage(cls)}")
    layer = cls(**merged)
    try:
        layer.check()
    except ArchError as err:
        raise ArchError(err.message, call, err.hint) from None
    return layer


def usage(cls: type[Layer]) -> str:
    """A call showing the kind's arguments: `CONV(k, f=3, s=1, ...)`."""
    parts = []
    for f in signature(cls):
        shown = f.metadata["shown"] or show(f.default)
        parts.append(f.name if f.metadata["required"] else f"{f.name}={shown}")
    return f"{cls.kind.upper()}({', '.join(parts)})" if parts else cls.kind.upper()


def _arguments_hint(cls: type[Layer], name: str) -> str:
    names = [f.name for f in signature(cls)]
    close = difflib.get_close_matches(name, names, n=1)
    head = f"did you mean {close[0]}? " if close else ""
    if not names:
        return f"write {cls.kind.upper()} without parentheses"
    return f"{head}{cls.kind.upper()} takes: {usage(cls)}"

