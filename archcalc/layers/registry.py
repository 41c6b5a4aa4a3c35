"""The registry of layer kinds: canonical names, aliases, and name-suffix presets."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from archcalc.layers.base import Layer
    from archcalc.values import Value

REGISTRY: dict[str, type[Layer]] = {}
_NAMES: dict[str, str] = {}  # lower-case kind or alias -> kind
_SUFFIXED = re.compile(r"([a-z_]+?)([0-9]+)")

L = TypeVar("L", bound="type[Layer]")


def register(cls: L) -> L:
    """Add a layer kind under its name and aliases, refusing duplicates."""
    for name in (cls.kind, *cls.aliases):
        if name in _NAMES:
            raise ValueError(f"layer name {name!r} registered twice")
        _NAMES[name] = cls.kind
    REGISTRY[cls.kind] = cls
    return cls


def lookup(name: str) -> tuple[type[Layer], dict[str, Value]] | None:
    """The kind a written name means, with presets for `CONV3` / `POOL2`; None if unknown."""
    key = name.lower()
    if key in _NAMES:
        return REGISTRY[_NAMES[key]], {}
    match = _SUFFIXED.fullmatch(key)
    if match and match.group(1) in _NAMES:
        cls = REGISTRY[_NAMES[match.group(1)]]
        preset = cls.preset(int(match.group(2)))
        if preset is not None:
            return cls, preset
    return None


def suggest(name: str, extra: list[str] | None = None) -> str | None:
    """The closest known kind (upper case) or block name to a misspelt name."""
    names = [n.upper() for n in _NAMES] + (extra or [])
    upper = {n.upper(): n for n in names}
    match = difflib.get_close_matches(name.upper(), list(upper), n=1, cutoff=0.6)
    return upper[match[0]] if match else None


def names_of(kind: str) -> list[str]:
    """The kind and its aliases, upper case."""
    return [n.upper() for n, k in _NAMES.items() if k == kind]


def graph_kinds() -> list[str]:
    """The kinds that appear in expanded graphs: all but the written-only forms (RES and
    SPLIT expand into ADD and CONCAT)."""
    return [kind for kind, cls in REGISTRY.items() if not cls.sugar]
