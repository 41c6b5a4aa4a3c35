"""Syntax errors that say what went wrong: a Lark exception, read together with the text
around it (an `At`), becomes an ArchError with the place, the message and a fix from the
catalogue (archcalc/syntax_catalogue.py); and the nesting limit, checked before parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from archcalc.errors import ArchError, Source, Span


def token_span(tok: Any) -> Span:
    """The span of a Lark token."""
    return Span(tok.line, tok.column, tok.end_line, tok.end_column, tok.start_pos, tok.end_pos)


OPENERS = {"(": ")", "[": "]", "{": "}"}
_BRACKETS = re.compile(r"#[^\n]*|[()\[\]{}]")


def check_nesting(source: Source, max_depth: int) -> None:
    """Refuse brackets nested deeper than `max_depth` before parsing them."""
    text = source.text
    if sum(text.count(c) for c in OPENERS) <= max_depth:
        return
    depth = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in OPENERS:
            depth += 1
            if depth > max_depth:
                raise ArchError(f"brackets nested more than {max_depth} deep",
                                span_at(text, match.start(), 1),
                                "flatten the description, or raise the limit with --max-depth",
                                source)
        elif char in ")]}":
            depth = max(0, depth - 1)


def span_at(text: str, offset: int, length: int) -> Span:
    """The span of `length` characters at character `offset` of `text`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(line, column, line, column + length, offset, offset + length)




_WORDS = {
    "NAME": "a name", "INT": "an integer", "DECIMAL": "a decimal number",
    "SIZE": "a size like 3x5", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['",
    "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'", "COMMA": "','", "EQUAL": "'='",
    "COLON": "':'", "STAR": "'*'", "VBAR": "'|'", "_SEP": "a separator (-, -> or ,)",
    "_NL": "a new line", "OPTIONAL": "'?'", "ADDOP": "'+' or '-'",
    "MULOP": "'*', '/' or '//'", "MINUS": "'-'", "NETWORK_NAME": "a network name",
    "LAYER_PATH": "a layer name (or total)", "EXPECT_KEY": "a figure name like params",
    "EXPECT_SHAPE": "a shape like 28x28x6", "EXPECT_VALUE": "a value",
    "TIMES": "'x'", "$END": "the end of the file", "_NETWORK": "network", "_INPUT": "input",
    "_PARAM": "param", "_DEFAULTS": "defaults", "_BLOCK": "block", "_EXPECT": "expect",
    "_USE": "use", "USE_TARGET": "a bundled spec's name or a file's path",
}
_LAYER_START = {"NAME", "SHORTHAND", "MERGE", "LPAR", "LSQB"}
KEYWORDS = ("network", "input", "param", "defaults", "block", "expect", "use")


def describe_expected(expected: set[str]) -> str:
    """The expected terminals in words, a layer start summarised as 'a layer'."""
    words = []
    if "SHORTHAND" in expected:
        words.append("a layer (like CONV(64, f=3), RELU or a group in brackets)")
        expected = expected - _LAYER_START
    if {"_NETWORK", "_INPUT"} <= expected:
        words.append("a statement (network, input, param, defaults, block, expect, use)")
        expected = expected - {f"_{k.upper()}" for k in KEYWORDS}
    words += sorted({_WORDS.get(name, name.lower()) for name in expected})
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1] if words \
        else "nothing more"


@dataclass(frozen=True)
class At:
    """The place of a syntax error, read from the text around it: the character there, what
    the parser read before it (comments blanked, trailing blanks stripped, from `start`), what
    it expected, the brackets still open, and the token it stopped at (None when the lexer
    stopped at a character)."""

    text: str
    offset: int
    expected: set[str]
    opened: list[tuple[str, int]]
    token: Any | None
    seen: str
    start: int

    @property
    def char(self) -> str:
        return self.text[self.offset:self.offset + 1]

    @property
    def here(self) -> Span:
        return span_at(self.text, self.offset, 1)

    @property
    def at_end(self) -> bool:
        return self.token is not None and self.token.type == "$END"

    @property
    def token_span(self) -> Span:
        return token_span(self.token)

    @property
    def word(self) -> re.Match[str] | None:
        """The word the parser read last."""
        return re.search(r"[A-Za-z_][A-Za-z0-9_]*$", self.seen)

    @property
    def name(self) -> str:
        return self.word.group() if self.word else ""

    @property
    def where(self) -> Span | None:
        word = self.word
        return span_at(self.text, self.start + word.start(), len(word.group())) if word else None

    @property
    def line_start(self) -> bool:
        """Whether the last word read starts its line."""
        word = self.word
        return word is not None and self.seen[:word.start()].rstrip(" \t\f\r")[-1:] in \
            ("\n", "") and (self.start == 0 or "\n" in self.seen[:word.start()])


def syntax_error(exc: Any, source: Source) -> ArchError:
    """Translate a Lark exception into an ArchError: the first message of the catalogue
    (archcalc/syntax_catalogue.py) that recognises the place."""
    from archcalc.syntax_catalogue import recognise

    return ArchError(*recognise(place(exc, source.text))[1], source)


def place(exc: Any, text: str) -> At:
    """Where a Lark exception stopped, as the catalogue reads it."""
    from lark.exceptions import UnexpectedCharacters

    token: Any | None
    if isinstance(exc, UnexpectedCharacters):
        token, offset, expected = None, exc.pos_in_stream or 0, set(exc.allowed or ())
    else:
        token = exc.token
        offset = len(text) if token.type == "$END" else int(token.start_pos or 0)
        expected = set(exc.expected) if exc.expected else set(exc.accepts or ())
    opened = open_brackets(text, offset)
    seen, start = _before(text, offset)
    return At(text, offset, _reachable(expected, opened[-1][0] if opened else ""), opened,
              token, seen, start)


def _reachable(expected: set[str], innermost: str) -> set[str]:
    """`expected` without the closing brackets (and `|`) that the innermost open bracket
    does not allow: the LALR tables offer every closer a merged state might need."""
    return {t for t in expected if _CLOSES.get(t, innermost) == innermost}


_CLOSES = {"RPAR": "(", "RSQB": "[", "RBRACE": "{", "VBAR": "("}
SEPARATORS = ("-", "->", ",", "\u2013", "\u2014", "\u2192")
# Terminals offered only in one context; elsewhere Lark's fallback lexer may produce them.
CONTEXTUAL = {"EXPECT_VALUE", "EXPECT_SHAPE", "EXPECT_KEY", "NETWORK_NAME", "LAYER_PATH",
              "USE_TARGET"}


def _before(text: str, offset: int) -> tuple[str, int]:
    """What the parser read last: up to 2,000 characters before `offset`, comments blanked
    and trailing blanks stripped, with the offset where that text starts."""
    start = max(0, offset - 2000)
    seen = re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), text[start:offset])
    return seen.rstrip(), start


def open_brackets(text: str, end: int | None = None) -> list[tuple[str, int]]:
    """The brackets still open at `end` (default: the end of `text`), innermost last, with
    their offsets; comments are skipped."""
    stack: list[tuple[str, int]] = []
    for match in _BRACKETS.finditer(text, 0, len(text) if end is None else end):
        char = match.group()
        if char in OPENERS:
            stack.append((char, match.start()))
        elif stack:
            stack.pop()
    return stack
