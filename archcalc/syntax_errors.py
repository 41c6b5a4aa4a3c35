"""Syntax errors that say what went wrong: a Lark exception, read together with the text
around it, becomes an ArchError with the place, the message and a fix; and the nesting limit,
checked before parsing."""

from __future__ import annotations

import re
from typing import Any

from archcalc.errors import ArchError, Source, Span, point_at


def token_span(tok: Any) -> Span:
    """The span of a Lark token."""
    return Span(tok.line, tok.column, tok.end_line, tok.end_column, tok.start_pos, tok.end_pos)


_OPENERS = {"(": ")", "[": "]", "{": "}"}
_BRACKETS = re.compile(r"#[^\n]*|[()\[\]{}]")


def check_nesting(source: Source, max_depth: int) -> None:
    """Refuse brackets nested deeper than `max_depth` before parsing them."""
    text = source.text
    if sum(text.count(c) for c in _OPENERS) <= max_depth:
        return
    depth = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in _OPENERS:
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
}
_LAYER_START = {"NAME", "SHORTHAND", "MERGE", "LPAR", "LSQB"}
_KEYWORDS = ("network", "input", "param", "defaults", "block", "expect")


def describe_expected(expected: set[str]) -> str:
    """The expected terminals in words, a layer start summarised as 'a layer'."""
    words = []
    if "SHORTHAND" in expected:
        words.append("a layer (like CONV(64, f=3), RELU or a group in brackets)")
        expected = expected - _LAYER_START
    if {"_NETWORK", "_INPUT"} <= expected:
        words.append("a statement (network, input, param, defaults, block, expect)")
        expected = expected - {f"_{k.upper()}" for k in _KEYWORDS}
    words += sorted({_WORDS.get(name, name.lower()) for name in expected})
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1] if words \
        else "nothing more"


def syntax_error(exc: Any, source: Source) -> ArchError:
    """Translate a Lark exception into an ArchError with a located message and hint."""
    from lark.exceptions import UnexpectedCharacters

    text = source.text
    offset: int
    if isinstance(exc, UnexpectedCharacters):
        token, offset, expected = None, exc.pos_in_stream or 0, set(exc.allowed or ())
    else:
        token = exc.token
        offset = len(text) if token.type == "$END" else int(token.start_pos or 0)
        expected = set(exc.expected) if exc.expected else set(exc.accepts or ())
    opened = open_brackets(text, offset)
    expected = _reachable(expected, opened[-1][0] if opened else "")
    if token is not None and token.type == "$END" and opened:
        bracket, at = opened[-1]
        return ArchError(f"'{bracket}' is never closed", span_at(text, at, 1),
                         f"add '{_OPENERS[bracket]}'; expected {describe_expected(expected)}",
                         source)
    found = _in_context(text, offset, expected, opened)
    if found is not None:
        return ArchError(*found, source)
    if token is None:
        return ArchError(f"unexpected character {text[offset:offset + 1]!r}",
                         span_at(text, offset, 1), f"expected {describe_expected(expected)}",
                         source)
    if token.type == "$END":
        return _end_of_file(text, expected, source)
    span = token_span(token)
    if token.type in _CONTEXTUAL and token.type not in expected:
        return _stray(token, span, expected, source)
    shown = str(token).strip() or repr(str(token))
    hint = _token_hint(text, token, expected)
    if token.type == "_NL" and opened:
        where = span_at(text, opened[-1][1], 1)
        hint += (f" (the '{opened[-1][0]}' at line {where.line}, column {where.column} is "
                 "still open)")
    return ArchError(f"unexpected {shown!r}" if token.type != "_NL" else "unexpected new line",
                     span, hint, source)


def _reachable(expected: set[str], innermost: str) -> set[str]:
    """`expected` without the closing brackets (and `|`) that the innermost open bracket
    does not allow: the LALR tables offer every closer a merged state might need."""
    return {t for t in expected if _CLOSES.get(t, innermost) == innermost}


_CLOSES = {"RPAR": "(", "RSQB": "[", "RBRACE": "{", "VBAR": "("}
_SEPARATORS = ("-", "->", ",", "\u2013", "\u2014", "\u2192")


def _before(text: str, offset: int) -> tuple[str, int]:
    """What the parser read last: up to 2,000 characters before `offset`, comments blanked
    and trailing blanks stripped, with the offset where that text starts."""
    start = max(0, offset - 2000)
    seen = re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), text[start:offset])
    return seen.rstrip(), start


def _unfinished_input(text: str, seen: str, start: int) -> tuple[str, Span, str] | None:
    """An `input` line ending in x: the parser read the next line as its last size."""
    line_end = seen.rfind("\n")
    previous = seen[:line_end].rstrip() if line_end >= 0 else ""  # blank lines skipped
    line = previous[previous.rfind("\n") + 1:]
    if not re.match(r"\s*input\b", line, re.IGNORECASE) or line.rstrip()[-1:] not in "x\u00d7":
        return None
    return ("unfinished size", span_at(text, start + len(previous) - 1, 1),
            "a size has a number after each x, like 3x5")


def _in_context(text: str, offset: int, expected: set[str], opened: list[tuple[str, int]]
                ) -> tuple[str, Span, str] | None:
    """(message, span, hint) for mistakes recognised from the text around the error."""
    char, (seen, start), here = text[offset:offset + 1], _before(text, offset), \
        span_at(text, offset, 1)
    unfinished = _unfinished_input(text, seen, start)
    if unfinished is not None:
        return unfinished
    if char and char not in " \t\n\r\f" and (not char.isprintable() or char == "\ufeff"):
        return (f"unexpected character {char!r}", here,
                "the file contains a control or invisible character; remove it")
    if char in _PASTED:
        return (f"unexpected character {char!r}", here,
                f"write {_PASTED[char]!r} (a character pasted from slides?)")
    if char == "." and text[offset + 1:offset + 2].isdigit():
        return "a decimal needs a leading digit", here, "write 0.5, not .5"
    word = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", seen)
    name = word.group() if word else ""
    where = span_at(text, start + word.start(), len(name)) if word else None
    line_start = word is not None and seen[:word.start()].rstrip(" \t\f\r")[-1:] in \
        ("\n", "") and (start == 0 or "\n" in seen[:word.start()])
    if char and char in ")]}":
        if not opened:
            opener = "([{"[")]}".index(char)]
            return f"'{char}' closes nothing", here, f"remove it, or add a '{opener}' before it"
        bracket, at = opened[-1]
        if _OPENERS[bracket] != char:
            where_open = span_at(text, at, 1)
            return (f"'{char}' does not match the '{bracket}' at line {where_open.line}, "
                    f"column {where_open.column}", here,
                    f"close that '{bracket}' with '{_OPENERS[bracket]}' first")
    if char in (")", "]", "|") and seen[-1:] in ("(", "[", "|") and "SHORTHAND" in expected:
        what = "path" if "|" in (char, seen[-1:]) else "group"
        return (f"an empty {what}", here, "each path of a merge needs a layer (IDENTITY "
                "passes the input through)" if what == "path" else "a group needs a layer")
    if char and char in "x\u00d7" and seen[-1:].isdigit():
        if start + len(seen) < offset:
            return f"unexpected {char!r}", here, "a size is written without spaces: 32x32x3"
        return "unfinished size", here, "a size has a number after each x, like 3x5"
    if char.isdigit() and seen[-1:] in ("-", "\u2013", "\u2212") and "SHORTHAND" in expected:
        return (f"unexpected {char!r}", here,
                "a shorthand is one word without spaces, like CONV3-64 or FC-4096")
    if name.lower() in _KEYWORDS and where is not None and not line_start:
        return (f"'{name}' starts a statement", where, "a statement goes on a line of its own")
    if name.lower() in _merge_names() and where is not None and expected <= {"LPAR"}:
        return (f"{name.upper()} merges paths in brackets", where,
                f"write {name.upper()}(path | path), e.g. ADD(CONV(8, p=1) | IDENTITY)")
    if expected == {"LBRACE"}:
        return ("a block needs a body", span_at(text, start + len(seen) - 1, 1),
                "write its layers in braces: block NAME(args) { CONV(8) - RELU }")
    close = _near_keyword(name) if line_start else None
    if close and where is not None and name.lower() not in _KEYWORDS:
        return (f"unknown statement {name!r}", where, f"did you mean '{close}'? statements: "
                + ", ".join(_KEYWORDS))
    if char.isdigit() and word is not None and word.end() == len(seen) and "LPAR" in expected:
        number = re.match(r"[0-9]+", text[offset:offset + 20])
        return (f"unexpected {char!r}", here,
                f"arguments go in brackets: {name}({number.group() if number else char})")
    first = "\n" in text[start + len(seen):offset]  # the error starts its line
    if not opened and (line_start or first):
        return _unfinished_param(text, seen, start, word.start() if line_start and word
                                 else len(seen))
    return None


def _unfinished_param(text: str, seen: str, start: int, word: int
                      ) -> tuple[str, Span, str] | None:
    """A `param` line ending in `=`, `,` or an operator: the next line was read into it."""
    line = seen[:word].rstrip()
    last = line[line.rfind("\n") + 1:].strip()
    if not last.lower().startswith("param") or last[-1:] not in ("=", ",", "+", "-", "*", "/"):
        return None
    span = span_at(text, start + len(line) - 1, 1)
    return (f"unfinished param line: nothing follows '{last[-1]}'", span,
            f"complete line {span.line} (param N = 2) or remove the '{last[-1]}'; the next "
            "line cannot continue it")


def _end_of_file(text: str, expected: set[str], source: Source) -> ArchError:
    seen, start = _before(text, len(text))
    unfinished = _unfinished_input(text, seen + "\n", start)
    if unfinished is not None:
        return ArchError(*unfinished, source)
    if not seen.strip():
        return ArchError("the file has only comments", span_at(text, 0, 1),
                         "start with `input 32x32x3` and a layer", source)
    hint = f"expected {describe_expected(expected)}"
    if seen.endswith(_SEPARATORS) and "SHORTHAND" in expected:
        hint = "the file ends with a separator: add a layer after it, or remove it"
    return ArchError("unexpected end of file", span_at(text, max(0, len(seen) - 1), 1), hint,
                     source)


def _token_hint(text: str, token: Any, expected: set[str]) -> str:
    wanted = f"expected {describe_expected(expected)}"
    if str(token) in _SEPARATORS and "SHORTHAND" in expected:
        return "two separators in a row, or a separator with no layer after it; " + wanted
    if token.type == "RPAR" and _before(text, token.start_pos)[0].endswith(","):
        return "remove the trailing ','"
    if ("SHORTHAND" in expected or "_SEP" in expected) and \
            token.type in ("SHORTHAND", "NAME", "LPAR", "LSQB", "MERGE"):
        return "layers are separated by '-', '->', ',' or a new line; " + wanted
    return wanted


# Terminals offered only in one context; elsewhere Lark's fallback lexer may produce them.
_CONTEXTUAL = {"EXPECT_VALUE", "EXPECT_SHAPE", "EXPECT_KEY", "NETWORK_NAME", "LAYER_PATH"}


def _stray(token: Any, span: Span, expected: set[str], source: Source) -> ArchError:
    """An out-of-context token, reported as the character it starts with."""
    text = str(token)
    word = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text)
    if word and "_SEP" in expected:
        return ArchError(f"unexpected {word.group()!r}", point_at(span, len(word.group())),
                         "layers are separated by '-', '->', ',' or a new line; expected "
                         + describe_expected(expected), source)
    return ArchError(f"unexpected character {text[0]!r}", point_at(span, 1),
                     f"expected {describe_expected(expected)}", source)


def _near_keyword(word: str) -> str | None:
    import difflib

    match = difflib.get_close_matches(word.lower(), _KEYWORDS, n=1, cutoff=0.6)
    return match[0] if match else None


_PASTED = {"\u00f7": "/", "\u00b7": "*", "\u2217": "*", "\u2010": "-", "\u2011": "-"}


def open_brackets(text: str, end: int | None = None) -> list[tuple[str, int]]:
    """The brackets still open at `end` (default: the end of `text`), innermost last, with
    their offsets; comments are skipped."""
    stack: list[tuple[str, int]] = []
    for match in _BRACKETS.finditer(text, 0, len(text) if end is None else end):
        char = match.group()
        if char in _OPENERS:
            stack.append((char, match.start()))
        elif stack:
            stack.pop()
    return stack


def _merge_names() -> list[str]:
    from archcalc.layers import merge_names

    return merge_names()
