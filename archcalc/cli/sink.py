"""The one place the commands write their output: the width tables are laid out for, colour
only on a terminal that wants it, and a closed pipe (`archcalc analyze … | head`) is no error.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable

STYLES = {"bold": "1", "dim": "2", "yellow": "33", "green": "32", "red": "31",
          "bold yellow": "1;33", "bold red": "1;31", "bold green": "1;32"}


def width(asked: int | None = None) -> int | None:
    """Terminal cells a table may use: `--width`, else the terminal's width, else $COLUMNS;
    None (as wide as the table needs) when writing to a pipe or a file."""
    if asked is not None:
        return asked
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def colour() -> bool:
    """ANSI styles: on a terminal, unless NO_COLOR is set or TERM is dumb; FORCE_COLOR
    forces them (the conventions of no-color.org and of rich)."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def write(text: str) -> None:
    """Text as it is (JSON, CSV, Markdown, source code)."""
    _guarded(lambda: sys.stdout.write(text))


def lines(styled: Iterable[tuple[str, str]]) -> None:
    """Lines, each with its style ("" for none), in chunks (a million lines stream)."""
    on = colour()

    def out() -> None:
        chunk: list[str] = []
        for text, style in styled:
            code = STYLES.get(style) if on and style else None
            chunk.append(f"\x1b[{code}m{text}\x1b[0m\n" if code else text + "\n")
            if len(chunk) >= 4096:
                sys.stdout.write("".join(chunk))
                chunk.clear()
        sys.stdout.write("".join(chunk))

    _guarded(out)


def _guarded(action: object) -> None:
    """Run a write; a reader that closed the pipe ends the output quietly (exit 0, as `head`
    expects), with stdout pointed at devnull so the interpreter's flush at exit is silent."""
    try:
        action()  # type: ignore[operator]
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
