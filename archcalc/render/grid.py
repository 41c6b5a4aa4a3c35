"""Plain-text tables that read at any width, in time linear in their rows.

Every command's table is laid out here: the natural width of each column is its widest cell
(in terminal cells); when the line is wider than the terminal, the gaps narrow, then the
columns marked `shrink` are cut (with "…") down to their minimum, then whole columns drop,
lowest `keep` first. A cell is never wrapped or split: an identifier or a number is shown
whole or its column is dropped (and the table says which columns it left out).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from archcalc.errors import printable

GAP, NARROW_GAP = 3, 2
RULE = "─"


@dataclass(frozen=True)
class Col:
    """A column: its header, alignment, how it gives way when the table is too wide."""

    header: str
    right: bool = False
    keep: int = 9  # columns drop in increasing `keep` when nothing else makes the table fit
    shrink: int = 0  # > 0: text that may be cut with "…" down to this many cells


@dataclass(frozen=True, slots=True)
class Row:
    cells: Sequence[str]
    style: str = ""  # "bold", "dim", "yellow", "green", "red": applied to the whole line
    rule_after: bool = False  # a thin rule under this row (the end of a top-level group)


@dataclass(frozen=True)
class Laid:
    """A laid-out table: its lines (with the style of each) and the columns it dropped."""

    lines: list[tuple[str, str]]
    dropped: list[str]


def width_of(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def cell(text: str) -> str:
    """User text made safe for a terminal: tabs as spaces, control characters escaped."""
    return text if text.isprintable() else printable(text)


def layout(cols: Sequence[Col], rows: Sequence[Row], width: int | None) -> Laid:
    """The table's lines at `width` terminal cells (None: as wide as it needs)."""
    natural = [width_of(c.header) for c in cols]
    for row in rows:
        for i, text in enumerate(row.cells):
            w = width_of(text)
            if w > natural[i]:
                natural[i] = w
    shown, widths, gap = _fit(cols, natural, width)
    kept = [cols[i] for i in shown]
    lines = [(_line([c.header for c in kept], kept, widths, gap), "bold")]
    total = sum(widths) + gap * (len(widths) - 1)
    lines.append((RULE * total, "dim"))
    for row in rows:
        lines.append((_line([row.cells[i] for i in shown], kept, widths, gap), row.style))
        if row.rule_after:
            lines.append((RULE * total, "dim"))
    return Laid(lines, [cols[i].header for i in range(len(cols)) if i not in shown])


def _fit(cols: Sequence[Col], natural: list[int], width: int | None
         ) -> tuple[list[int], list[int], int]:
    """The shown columns, their widths and the gap that make the table fit `width`."""
    shown = list(range(len(cols)))
    widths = list(natural)

    def total(gap: int) -> int:
        return sum(widths[i] for i in shown) + gap * (len(shown) - 1)

    if width is None or total(GAP) <= width:
        return shown, [widths[i] for i in shown], GAP
    gap = NARROW_GAP
    for i in shown:
        if cols[i].shrink and total(gap) > width:
            widths[i] = max(cols[i].shrink, width_of(cols[i].header),
                            widths[i] - (total(gap) - width))
    for i in sorted(shown, key=lambda i: cols[i].keep):
        if total(gap) <= width or len(shown) == 1:
            break
        if cols[i].keep < 9:
            shown.remove(i)
    return shown, [widths[i] for i in shown], gap


def _line(texts: Sequence[str], cols: Sequence[Col], widths: Sequence[int], gap: int) -> str:
    parts = []
    for text, col, w in zip(texts, cols, widths, strict=True):
        if len(text) <= w and text.isascii() and text.isprintable():  # one cell a character
            parts.append(text.rjust(w) if col.right else text.ljust(w))
            continue
        text = cell(text)
        have = width_of(text)
        if have > w:  # only a `shrink` column is narrower than its text
            text, have = _cut(text, w), w
        pad = " " * (w - have)
        parts.append(pad + text if col.right else text + pad)
    return (" " * gap).join(parts).rstrip()


def _cut(text: str, w: int) -> str:
    """`text` cut to `w` cells, ending in "…"."""
    out, used = [], 0
    for ch in text:
        cw = width_of(ch)
        if used + cw > w - 1:
            break
        out.append(ch)
        used += cw
    return "".join(out) + "…"


def wrap(text: str, width: int | None, indent: str = "", hard: bool = False) -> list[str]:
    """`text` broken between words to `width` cells, continuation lines indented; a word
    longer than the width stays whole on its own line (prose given `hard`: cut into pieces)."""
    if width is None or width_of(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    words = text.split(" ")
    if hard:
        room = max(1, width - width_of(indent))
        words = [piece for word in words for piece in
                 ([word[i:i + room] for i in range(0, len(word), room)] if len(word) > room
                  else [word])]
    for word in words:
        candidate = f"{line} {word}" if line else word
        if line and width_of(candidate) > width:
            lines.append(line)
            line = indent + word
        else:
            line = candidate
    lines.append(line)
    return lines


def dropped_note(dropped: Iterable[str]) -> str:
    names = ", ".join(dropped)
    return f"(too narrow for {names}: widen the terminal, or --width)" if names else ""
