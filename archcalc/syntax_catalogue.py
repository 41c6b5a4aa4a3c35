"""The catalogue of syntax messages: for each, the broken inputs it is for (they double as its
tests) and how it recognises them at the place of the error. The first entry that recognises
the place gives the message; the last ones always do. A new message is a new entry.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from archcalc.errors import Span, point_at
from archcalc.syntax_errors import (
    CONTEXTUAL,
    KEYWORDS,
    OPENERS,
    SEPARATORS,
    At,
    describe_expected,
    span_at,
)

Found = tuple[str, Span, str]  # message, where, hint
PASTED = {"\u00f7": "/", "\u00b7": "*", "\u2217": "*", "\u2010": "-", "\u2011": "-",
          "\u2212": "-"}
# Cyrillic and Greek letters drawn like Latin ones (a keyboard layout left switched on);
# full-width and other compatibility forms are found by NFKC instead.
LOOKALIKES = str.maketrans("АВЕКМНОРСТХаеорсхуѕіјΑΒΕΖΗΙΚΜΝΟΡΤΥΧο",
                           "ABEKMHOPCTXaeopcxysijABEZHIKMNOPTYXo")


@dataclass(frozen=True)
class Entry:
    """One syntax message: example inputs it is for, and its recogniser."""

    name: str
    examples: tuple[str, ...]
    recognise: Callable[[At], Found | None]


def never_closed(at: At) -> Found | None:
    if not (at.at_end and at.opened):
        return None
    bracket, offset = at.opened[-1]
    return (f"'{bracket}' is never closed", span_at(at.text, offset, 1),
            f"add '{OPENERS[bracket]}'; expected {describe_expected(at.expected)}")


def unfinished_input(at: At) -> Found | None:
    """An `input` line ending in x: the parser read the next line as its last size."""
    seen = at.seen + "\n" if at.at_end else at.seen
    line_end = seen.rfind("\n")
    previous = seen[:line_end].rstrip() if line_end >= 0 else ""  # blank lines skipped
    line = previous[previous.rfind("\n") + 1:]
    if not re.match(r"\s*input\b", line, re.IGNORECASE) or line.rstrip()[-1:] not in "x\u00d7":
        return None
    return ("unfinished size", span_at(at.text, at.start + len(previous) - 1, 1),
            "a size has a number after each x, like 3x5")


def ascii_for(c: str) -> str | None:
    """The ASCII character a letter, digit or space stands for, when it is not ASCII itself:
    Cyrillic С, full-width ８, U+3000, Arabic-Indic ٨ (None for anything else)."""
    if c.isascii():
        return None
    plain = c.translate(LOOKALIKES)
    if plain == c:
        plain = unicodedata.normalize("NFKC", c)
    if plain == c and c.isdecimal():  # another script's digit: Arabic-Indic ٨, Devanagari ८
        plain = str(unicodedata.decimal(c))
    return plain if plain != c and plain.isascii() and plain.isprintable() else None


def lookalike_hint(c: str) -> str | None:
    plain = ascii_for(c)
    return None if plain is None else \
        f"{c!r} is {unicodedata.name(c, 'not ASCII')}; write {plain!r} instead"


def lookalike(at: At) -> Found | None:
    hint = lookalike_hint(at.char) if at.char else None
    return None if hint is None else (f"unexpected character {at.char!r}", at.here, hint)


def invisible(at: At) -> Found | None:
    c = at.char
    if c and c not in " \t\n\r\f" and (not c.isprintable() or c == "\ufeff"):
        return (f"unexpected character {c!r}", at.here,
                "the file contains a control or invisible character; remove it")
    return None


def pasted(at: At) -> Found | None:
    if at.char in PASTED:
        return (f"unexpected character {at.char!r}", at.here,
                f"write {PASTED[at.char]!r} (a character pasted from slides?)")
    return None


def leading_dot(at: At) -> Found | None:
    if at.char == "." and at.text[at.offset + 1:at.offset + 2].isdigit():
        return "a decimal needs a leading digit", at.here, "write 0.5, not .5"
    return None


def closes_nothing(at: At) -> Found | None:
    if at.char and at.char in ")]}" and not at.opened:
        opener = "([{"[")]}".index(at.char)]
        return (f"'{at.char}' closes nothing", at.here,
                f"remove it, or add a '{opener}' before it")
    return None


def wrong_bracket(at: At) -> Found | None:
    if not (at.char and at.char in ")]}" and at.opened):
        return None
    bracket, offset = at.opened[-1]
    if OPENERS[bracket] == at.char:
        return None
    opened = span_at(at.text, offset, 1)
    return (f"'{at.char}' does not match the '{bracket}' at line {opened.line}, column "
            f"{opened.column}", at.here, f"close that '{bracket}' with '{OPENERS[bracket]}' first")


def empty_group(at: At) -> Found | None:
    if not (at.char in (")", "]", "|") and at.seen[-1:] in ("(", "[", "|")
            and "SHORTHAND" in at.expected):
        return None
    if "|" in (at.char, at.seen[-1:]):
        return ("an empty path", at.here,
                "each path of a merge needs a layer (IDENTITY passes the input through)")
    return "an empty group", at.here, "a group needs a layer"


def size_spaces(at: At) -> Found | None:
    if not (at.char and at.char in "x\u00d7" and at.seen[-1:].isdigit()):
        return None
    if at.start + len(at.seen) < at.offset:
        return f"unexpected {at.char!r}", at.here, "a size is written without spaces: 32x32x3"
    return "unfinished size", at.here, "a size has a number after each x, like 3x5"


def shorthand_spaces(at: At) -> Found | None:
    if at.char.isdigit() and at.seen[-1:] in ("-", "\u2013", "\u2212") and \
            "SHORTHAND" in at.expected:
        return (f"unexpected {at.char!r}", at.here,
                "a shorthand is one word without spaces, like CONV3-64 or FC-4096")
    return None


def statement_mid_line(at: At) -> Found | None:
    if at.name.lower() in KEYWORDS and at.where is not None and not at.line_start:
        return (f"'{at.name}' starts a statement", at.where,
                "a statement goes on a line of its own")
    return None


def block_without_body(at: At) -> Found | None:
    if at.expected == {"LBRACE"}:
        return ("a block needs a body", span_at(at.text, at.start + len(at.seen) - 1, 1),
                "write its layers in braces: block NAME(args) { CONV(8) - RELU }")
    return None


def unknown_statement(at: At) -> Found | None:
    if not at.line_start or at.where is None or at.name.lower() in KEYWORDS:
        return None
    close = difflib.get_close_matches(at.name.lower(), KEYWORDS, n=1, cutoff=0.6)
    if not close:
        return None
    return (f"unknown statement {at.name!r}", at.where,
            f"did you mean '{close[0]}'? statements: " + ", ".join(KEYWORDS))


def arguments_without_brackets(at: At) -> Found | None:
    if not (at.char.isdigit() and at.word is not None and at.word.end() == len(at.seen)
            and "LPAR" in at.expected):
        return None
    number = re.match(r"[0-9]+", at.text[at.offset:at.offset + 20])
    return (f"unexpected {at.char!r}", at.here,
            f"arguments go in brackets: {at.name}({number.group() if number else at.char})")


def unfinished_param(at: At) -> Found | None:
    """A `param` line ending in `=`, `,` or an operator: the next line was read into it."""
    first = "\n" in at.text[at.start + len(at.seen):at.offset]  # the error starts its line
    if at.opened or not (at.line_start or first):
        return None
    word = at.word.start() if at.line_start and at.word else len(at.seen)
    line = at.seen[:word].rstrip()
    last = line[line.rfind("\n") + 1:].strip()
    if not last.lower().startswith("param") or last[-1:] not in ("=", ",", "+", "-", "*", "/"):
        return None
    span = span_at(at.text, at.start + len(line) - 1, 1)
    return (f"unfinished param line: nothing follows '{last[-1]}'", span,
            f"complete line {span.line} (param N = 2) or remove the '{last[-1]}'; the next "
            "line cannot continue it")


def only_comments(at: At) -> Found | None:
    if at.at_end and not at.seen.strip():
        return ("the file has only comments", span_at(at.text, 0, 1),
                "start with `input 32x32x3` and a layer")
    return None


def end_of_file(at: At) -> Found | None:
    if not at.at_end:
        return None
    hint = f"expected {describe_expected(at.expected)}"
    if at.seen.endswith(SEPARATORS) and "SHORTHAND" in at.expected:
        hint = "the file ends with a separator: add a layer after it, or remove it"
    return "unexpected end of file", span_at(at.text, max(0, len(at.seen) - 1), 1), hint


def stray(at: At) -> Found | None:
    """An out-of-context token, reported as the word or character it starts with."""
    token = at.token
    if token is None or token.type not in CONTEXTUAL or token.type in at.expected:
        return None
    text, span = str(token), at.token_span
    word = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text)
    if word and "_SEP" in at.expected:
        return (f"unexpected {word.group()!r}", point_at(span, len(word.group())),
                "layers are separated by '-', '->', ',' or a new line; expected "
                + describe_expected(at.expected))
    return (f"unexpected character {text[0]!r}", point_at(span, 1),
            f"expected {describe_expected(at.expected)}")


def unexpected_token(at: At) -> Found | None:
    """Any other token, with what was expected and, after a line break inside brackets,
    which bracket is still open."""
    token = at.token
    wanted = f"expected {describe_expected(at.expected)}"
    if token is None:  # the lexer stopped; every such character is invisible, but be safe
        return f"unexpected character {at.char!r}", at.here, wanted
    if str(token) in SEPARATORS and "SHORTHAND" in at.expected:
        hint = "two separators in a row, or a separator with no layer after it; " + wanted
    elif token.type == "RPAR" and at.seen.endswith(","):
        hint = "remove the trailing ','"
    elif ("SHORTHAND" in at.expected or "_SEP" in at.expected) and \
            token.type in ("SHORTHAND", "NAME", "LPAR", "LSQB", "MERGE"):
        hint = "layers are separated by '-', '->', ',' or a new line; " + wanted
    else:
        hint = wanted
    if token.type == "_NL" and at.opened:
        opened = span_at(at.text, at.opened[-1][1], 1)
        hint += (f" (the '{at.opened[-1][0]}' at line {opened.line}, column {opened.column} "
                 "is still open)")
    shown = str(token).strip() or repr(str(token))
    message = "unexpected new line" if token.type == "_NL" else f"unexpected {shown!r}"
    return message, at.token_span, hint


IN = "input 32x32x3\n"  # the examples start with it
CATALOGUE = (
    Entry("never closed", (IN + "[CONV(64) - RELU\nPOOL2\n", IN + "CONV(8, f=3\n"), never_closed),
    Entry("unfinished input", ("input 32x32x\nCONV(8)\n", "input 32x32x"), unfinished_input),
    Entry("look-alike character", (IN + "\u0421ONV(8)\n", IN + "CONV(\uff18) - RELU\n",
                                   IN + "CONV(8)\u3000- RELU\n"), lookalike),
    Entry("invisible character", (IN + "CONV(8)\u200b - RELU\n", IN + "CONV(8) - \u202eRELU\n"),
          invisible),
    Entry("pasted character", (IN + "param c = 64\nCONV(c\u00f72)\n",), pasted),
    Entry("leading dot", (IN + "DROPOUT(.5)\n",), leading_dot),
    Entry("closes nothing", (IN + "CONV(8)) - RELU\n",), closes_nothing),
    Entry("wrong bracket", (IN + "(CONV(8) - RELU]*2\n",), wrong_bracket),
    Entry("empty group or path", (IN + "CONV(8) - () - RELU\n", IN + "ADD(CONV(3, p=1) | )\n",
                                  IN + "CONCAT(CONV(8) || CONV(4))\n"), empty_group),
    Entry("size with spaces", (IN + "CONV(8, f=3 x 3)\n", IN + "CONV(8, f=3x)\n"), size_spaces),
    Entry("shorthand with spaces", ("input 224x224x3\nCONV3 - 64 - RELU\n",), shorthand_spaces),
    Entry("statement mid-line", (IN + "CONV(8) - param N = 2\n",), statement_mid_line),
    Entry("block without body", (IN + "block stage(c)\nstage(8)\n",), block_without_body),
    Entry("unknown statement", ("network LeNet\nimput 32x32x1\nCONV(6, f=5)\n",),
          unknown_statement),
    Entry("arguments without brackets", (IN + "CONV 96 - RELU\n",), arguments_without_brackets),
    Entry("unfinished param", (IN + "param N =\nCONV(N)\n", IN + "param N = 2, M = 3,\nRELU\n"),
          unfinished_param),
    Entry("only comments", ("# TODO: write the layers\n\n# input 32x32x1\n",), only_comments),
    Entry("end of file", (IN + "CONV(8) - RELU -", IN + "(CONV(8) - RELU)*"), end_of_file),
    Entry("stray token", (IN + "CONV(8); RELU\n", IN + "CONV(8, f==3)\n", IN + "CONV(8) RELU\n"),
          stray),
    Entry("unexpected token", (IN + "CONV(8) - - RELU\n",
                               IN + "conv1: CONV(8)\nexpect conv1 30x30x8\n",
                               IN + "CONV(8, f=3,)\n", IN + "CONV(64, f=3\nPOOL2\n"),
          unexpected_token),
)


def recognise(at: At) -> tuple[Entry, Found]:
    """The first entry of the catalogue that recognises the place, and its message."""
    for entry in CATALOGUE:
        found = entry.recognise(at)
        if found is not None:
            return entry, found
    raise AssertionError("the last entry recognises every token")
