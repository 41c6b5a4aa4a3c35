"""The one error type of archcalc: a message, where it happened, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, replace


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
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


class ArchError(Exception):
    """A problem with the user's input, located in the source, with a hint."""

    def __init__(self, message: str, span: Span | None = None, hint: str = "",
                 source: Source | None = None, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.source = source
        self.kind = kind

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


def render_error(err: ArchError) -> str:
    """`file:line:col: error: message`, the source line, a caret, and the hint."""
    name = err.source.name if err.source else "<input>"
    if err.span is None:
        head = f"{name}: {err.kind}: {err.message}"
        return head + (f"\n  hint: {err.hint}" if err.hint else "")
    span = err.span
    lines = [f"{name}:{span.line}:{span.column}: {err.kind}: {err.message}"]
    text = err.source.line(span.line) if err.source else ""
    if text:
        end = span.end_column - 1 if span.end_line == span.line else len(text)
        width = max(1, len(_printable(text[span.column - 1:end])))
        gutter = f"{span.line:>4} | "
        lines.append(gutter + _printable(text))
        lines.append(" " * (len(gutter) + len(_printable(text[:span.column - 1]))) + "^" * width)
    if err.hint:
        lines.append(f"  hint: {err.hint}")
    return "\n".join(lines)


def _printable(text: str) -> str:
    """The line with tabs as spaces and control characters shown as escapes."""
    return "".join(" " if c == "\t" else c if c.isprintable() else repr(c)[1:-1]
                   for c in text)

