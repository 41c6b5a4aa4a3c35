"""The one error type of archcalc: a message, where it happened, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.cells import cell_len


@dataclass(frozen=True, slots=True)
class Span:
    """A region of the source: 1-based line and column, 0-based character offsets."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(self.line, self.column, other.end_line, other.end_column,
                    self.start, other.end)


@dataclass(frozen=True, slots=True)
class Source:
    """A text and the name it is shown under (a path, or `<stdin>`)."""

    name: str
    text: str

    def line(self, number: int) -> str:
        """Line `number` (from 1) as the parser counts them: ended by \\n only (a form feed
        or U+2028 inside a line does not end it)."""
        lines = self.text.split("\n", number)
        return lines[number - 1].removesuffix("\r") if 0 < number <= len(lines) else ""


class ArchError(Exception):
    """A problem with the user's input, located in the source, with a hint."""

    def __init__(self, message: str, span: Span | None = None, hint: str = "",
                 source: Source | None = None, kind: str = "error",
                 calls: tuple[Span, ...] = (), uses: tuple[tuple[Source, Span], ...] = ()
                 ) -> None:
        super().__init__(message)
        self.message = clip(message)
        self.span = span
        self.hint = clip(hint)
        self.source = source
        self.kind = kind
        self.calls = calls  # the block calls the place was reached through, innermost first
        self.uses = uses  # the `use` lines of other files it was reached through, innermost first

    def called_from(self, call: Span) -> ArchError:
        """This error, reached through one more (outer) block call."""
        self.calls = (*self.calls, call)
        return self

    def used_from(self, source: Source, use: Span) -> ArchError:
        """This error, in a file that `source` uses on the line at `use` (archcalc/uses.py)."""
        self.uses = (*self.uses, (source, use))
        return self

    def located(self, source: Source) -> ArchError:
        """This error, attached to `source` unless it already has one."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        return render_error(self)


def point_at(span: Span, length: int | None = None) -> Span:
    """A span of `length` characters starting where `span` starts."""
    if length is None:
        return span
    return replace(span, end_line=span.line, end_column=span.column + length,
                   end=span.start + length)


def clip(text: str, limit: int = 240) -> str:
    """`text` with its middle elided when it is longer than `limit` characters (a message
    quoting a huge name stays readable), cut between words where there are any near the cuts,
    so that no number is cut in two."""
    if len(text) <= limit:
        return text
    head, tail = text[:limit * 2 // 3], text[-(limit // 4):]
    if (space := head.rfind(" ")) > len(head) // 2:
        head = head[:space]
    if 0 <= (space := tail.find(" ")) < len(tail) // 2:
        tail = tail[space + 1:]
    return f"{head} … {tail}"


def render_error(err: ArchError) -> str:
    """`file:line:col: error: message`, the source line, a caret, and the hint. User text
    (the file name, the line) is shown with control characters escaped."""
    name = printable(err.source.name if err.source else "<input>")
    message = printable(err.message)
    if err.span is None:
        head = f"{name}: {err.kind}: {message}"
        return "\n".join([head + (f"\n  hint: {printable(err.hint)}" if err.hint else ""),
                          *_use_lines(err)])
    span = err.span
    lines = [f"{name}:{span.line}:{span.column}: {err.kind}: {message}"]
    if err.source is not None:
        text = err.source.line(span.line)
        end = span.end_column - 1 if span.end_line == span.line else len(text)
        shown, column, width = _window(text, span.column - 1, max(end, span.column - 1))
        gutter = f"{span.line:>4} | "
        lines.append(gutter + shown)
        lines.append(" " * (len(gutter) + column) + "^" * width)
    if err.hint:
        lines.append(f"  hint: {printable(err.hint)}")
    lines += _call_lines(err) + _use_lines(err)
    return "\n".join(lines)


def _use_lines(err: ArchError) -> list[str]:
    """A line per `use` the error was reached through, innermost first, in its own file."""
    return [f"  used from {printable(source.name)}:{use.line}:{use.column}: "
            f"{call_text(source, use)}" for source, use in err.uses]


def _call_lines(err: ArchError, most: int = 6) -> list[str]:
    """A line per block call, innermost first; a long chain shows its ends."""
    lines = [f"  called from line {call.line}, column {call.column}"
             + (f": {call_text(err.source, call)}" if err.source else "") for call in err.calls]
    if len(lines) <= most:
        return lines
    return [*lines[:most // 2], f"  … {len(lines) - most + 1} calls more",
            *lines[-(most // 2 - 1):]]


def call_text(source: Source, call: Span, limit: int = 60) -> str:
    """The text of a block call, on one line, clipped."""
    text = " ".join(source.text[call.start:call.end].split())
    return printable(text if len(text) <= limit else text[:limit - 1] + "…")


def _window(text: str, start: int, end: int, width: int = 120) -> tuple[str, int, int]:
    """The line (around `start` when it is long): shown text, caret column, caret width, in
    terminal cells (a full-width character takes two, a combining accent none)."""
    lo = 0 if len(text) <= width else max(0, min(start - width // 3, len(text) - width))
    hi = min(len(text), lo + width)
    head = "…" if lo else ""
    shown = head + printable(text[lo:hi]) + ("…" if hi < len(text) else "")
    caret = cell_len(printable(text[start:min(end, hi)]))
    return shown, cell_len(head + printable(text[lo:start])), max(1, caret)


def printable(text: str) -> str:
    """The line with tabs as spaces and control characters shown as escapes."""
    return "".join(" " if c == "\t" else c if c.isprintable() else repr(c)[1:-1]
                   for c in text)

