"""A layer's note in words: a window that does not fit its input, an in-place kind that had
to store its output (the analysis keeps both as data); the analysis' warnings in words."""

from __future__ import annotations

from archcalc.analyze import Notes
from archcalc.conventions import ChannelsFirst
from archcalc.layers.base import Extent
from archcalc.placement import Blocker, Placement
from archcalc.units import fraction_text


def misfit_text(axis: Extent) -> str:
    """`(7 − 3)/3 + 1 = 2.33, floored to 2` (or rounded up, for ceil=true)."""
    how = "floored" if axis.rounded == "floor" else "rounded up (ceil=true)"
    return f"{axis.formula} = {fraction_text(axis.exact)}, {how} to {axis.size}"


def placement_text(place: Placement) -> str:
    """Why an in-place kind stored its output ("" when it did not have to)."""
    if place.blocker is Blocker.kept:
        return f"stored, not in place: its input is kept by {place.by} for the backward pass"
    if place.blocker is Blocker.read_later:
        return f"stored, not in place: its input is read later by {place.by}"
    return ""


def note_text(notes: Notes) -> str:
    """The whole note: `does not fit: …; stored, not in place: …`."""
    parts = ([f"does not fit: {misfit_text(notes.misfit)}"] if notes.misfit else []) + \
        ([placement_text(notes.placement)] if notes.placement.blocker else [])
    return "; ".join(parts)


def warning_text(warning: ChannelsFirst, said: str = "input") -> str:
    """`input 3x32x32 reads H=3, W=32, C=32: …; for a 32×32 image with 3 channels write
    32x32x3` (`said`: how the size was given, `input` or `--input`)."""
    h, w, c = warning.shape
    written, meant = ("x".join(map(str, shape)) for shape in (warning.shape, warning.meant))
    return (f"{said} {written} reads H={h}, W={w}, C={c}: archcalc's sizes "
            f"are height × width × channels; for a {w}×{c} "
            f"image with {h} channel{'s' * (h != 1)} write {said} {meant}")
