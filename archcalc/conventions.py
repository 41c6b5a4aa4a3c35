"""Engineers' habits the analysis notices, as data (render/notes.py words them): an input size
written channels first, as PyTorch writes it (`3x32x32`), and the nearest names to one that
does not exist."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from archcalc.errors import ArchError
from archcalc.layers import Shape


@dataclass(frozen=True, slots=True)
class ChannelsFirst:
    """An input that reads like PyTorch's C×H×W: archcalc reads `3x32x32` as H=3, W=32,
    C=32; `meant` is the H×W×C size it most likely stands for (32×32×3)."""

    shape: Shape

    @property
    def meant(self) -> Shape:
        c, h, w = self.shape
        return (h, w, c)


def channels_first(shape: Shape) -> ChannelsFirst | None:
    """The warning for a size that looks channels first: the first size at most 4 (grey,
    RGB, RGBA) and smaller than the other two, the last more than 4. So 3x32x32 and 1x28x28
    warn; 32x32x3, a 3x3x64 or 1x1x4096 feature map and a 4x4x3 toy input do not."""
    if len(shape) != 3:
        return None
    h, w, c = shape
    return ChannelsFirst(shape) if h <= 4 < c and h < w else None


def input_warnings(shape: Shape) -> tuple[ChannelsFirst, ...]:
    """Every warning an input of `shape` deserves (Analysis.warnings)."""
    warning = channels_first(shape)
    return (warning,) if warning else ()


def with_warning(hint: str, shape: Shape) -> str:
    """An error's hint, followed by the channels-first warning when the input looks like one
    (then the likely cause: 3x32x32 gives 32 channels of width 32)."""
    warnings = input_warnings(shape)
    if not warnings:
        return hint
    from archcalc.render.notes import warning_text  # the one wording (render/ imports us)

    return "; ".join(filter(None, [hint, *(f"warning: {warning_text(w)}" for w in warnings)]))


def nearest(name: str, names: Iterable[str], n: int = 3) -> list[str]:
    """The names most like `name` (difflib's ratio ≥ 0.6), best first."""
    return difflib.get_close_matches(name, list(names), n=n)


class UnknownName(ArchError, KeyError):
    """A layer or group looked up by a name the analysis does not have: an ArchError with
    the nearest names as its hint (and a KeyError, for code that catches that)."""

    def __init__(self, what: str, name: str, names: Iterable[str]) -> None:
        close = nearest(name, names)
        hint = (f"did you mean {' or '.join(close)}? " if close else "") + \
            f"give a {what}'s full name as `archcalc analyze --format json` prints it"
        super().__init__(f"no {what} named {name!r}", None, hint)

    __str__ = ArchError.__str__


T = TypeVar("T")


def lookup(table: Mapping[str, T], what: str, name: str) -> T:
    """`table[name]`, or UnknownName naming the nearest keys."""
    if name not in table:
        raise UnknownName(what, name, table)
    return table[name]
