"""Formatting helpers shared by the renderers."""

from __future__ import annotations

from archcalc.rf import RF
from archcalc.values import show

LEGEND = "H×W×C · MAC = multiply-add · K/M/G = 10³/10⁶/10⁹ · MB = 10⁶ B · * in place"


def rf_size(rf: RF) -> str:
    """`11`, or `3×5` when the axes differ."""
    h, w = show(rf.h.size), show(rf.w.size)
    return h if h == w else f"{h}×{w}"


def settings_line(batch: int, dtype: str, optimizer: str) -> str:
    return f"{dtype}, batch {batch}, {optimizer}"
