"""The parser's fast path for flat files: the same AST as the Lark grammar, or None.

Most files — every zoo chain, generated chains of a million layers — are lines of layers
(`label: CONV3-64 - RELU - CONV(16, f=1)`) with `network`, `input` and `expect` lines and
comments. This module reads exactly those, line by line with a few regular expressions, and
builds the nodes the grammar's transformer would build, with the same spans; anything else
(a `param`, a block, a bracket, a repeat, a `?`, an expression, a non-ASCII character, a line
that continues the one before, any error) returns None and the Lark grammar — the language's
reference — parses the whole file. tests/test_syntax_flat.py compares the two on the zoo and
on generated files. The lexemes follow grammar/arch.lark, restricted to ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from functools import cache

from archcalc import ast
from archcalc.errors import Span

MAX_DIGITS = 15  # as syntax.MAX_DIGITS: a longer literal is Lark's to refuse
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SHORTHAND = _NAME + r"-[0-9]+(?![A-Za-z0-9_.])"
_SHORTHAND_AT = re.compile(_SHORTHAND)
# label?, then a shorthand or a name, then an opening bracket of arguments if one follows
_ELEMENT = re.compile(rf"[\t ]*(?:({_NAME})[\t ]*:[\t ]*)?(?:({_SHORTHAND})|({_NAME})[\t ]*(\()?)")
_SEP = re.compile(r"[\t ]*(?:(->|-|,)|\Z)")
_ARG = re.compile(rf"[\t ]*(?:({_NAME})[\t ]*=[\t ]*)?(?:([0-9]+(?:x[0-9]+)+(?![A-Za-z0-9_]))"
                  rf"|([0-9]+\.[0-9]+)|([0-9]+)|({_NAME}))[\t ]*([,)])")
_EMPTY_ARGS = re.compile(r"[\t ]*\)")
_WORD = re.compile(rf"[\t ]*({_NAME})")
_STARTS = re.compile(r"^[\t ]*[^\t #A-Za-z_\n]", re.MULTILINE)
_CODE = re.compile(r"[\t\x20-\x7e]*\Z")
_NETWORK = re.compile(r"[\t ]+([A-Za-z0-9_][A-Za-z0-9_.+\-]*)[\t ]*\Z")
_INPUT = re.compile(r"[\t ]+(?:([0-9]+(?:x[0-9]+)+)|([0-9]+))[\t ]*\Z")
_TARGET = re.compile(rf"[\t ]+({_NAME}(?:\.[A-Za-z0-9_]+)*)[\t ]*:")
_ITEM = re.compile(r"[\t ]*(?:([0-9][^\s#=]*)|([A-Za-z_][A-Za-z0-9_]*)[\t ]*=[\t ]*([^\s#]+))")
_BLANK = re.compile(r"[\t ]*\Z")
KEYWORDS = frozenset({"network", "input", "param", "defaults", "block", "expect", "use"})


class Outside(Exception):
    """The text leaves the fast path's subset: Lark parses it."""


@cache
def _merges() -> frozenset[str]:
    from archcalc.layers import merge_names

    return frozenset(merge_names())


def parse_flat(text: str, count: Callable[[Span], None]) -> ast.Program | None:
    """The Program the grammar gives for `text`, or None outside the subset; `count` is
    called with each layer call's span in text order (the parser's layer limit)."""
    if "\r" in text or "\f" in text or _STARTS.search(text):
        return None  # a line that continues the one before, or starts with a bracket
    statements: list[ast.Statement] = []
    start = 0
    try:
        for number, line in enumerate(text.split("\n"), 1):
            cut = line.find("#")
            code = line if cut < 0 else line[:cut]
            if code and not _BLANK.match(code):
                statements.append(_Line(code, number, start, count).statement())
            start += len(line) + 1
    except Outside:
        return None
    return ast.Program(tuple(statements)) if statements else None


class _Line:
    """One line's code (its comment cut off) at `start`, the offset of the line in the text."""

    def __init__(self, code: str, number: int, start: int,
                 count: Callable[[Span], None]) -> None:
        if not _CODE.match(code):
            raise Outside
        self.code, self.number, self.start, self.count = code, number, start, count

    def span(self, begin: int, end: int) -> Span:
        return Span(self.number, begin + 1, self.number, end + 1, self.start + begin,
                    self.start + end)

    def statement(self) -> ast.Statement:
        word = _WORD.match(self.code)
        if word is None:
            raise Outside
        keyword = word.group(1).lower()
        if keyword not in KEYWORDS or _SHORTHAND_AT.match(self.code, word.start(1)):
            return self.layers()
        if keyword == "network":
            return self.network(word.end())
        if keyword == "input":
            return self.input(word.end())
        if keyword == "expect":
            return self.expect(word.end())
        raise Outside

    def network(self, at: int) -> ast.Network:
        m = _NETWORK.match(self.code, at)
        if m is None:
            raise Outside
        return ast.Network(m.group(1), self.span(m.start(1), m.end(1)))

    def input(self, at: int) -> ast.Input:
        m = _INPUT.match(self.code, at)
        if m is None:
            raise Outside
        if m.group(1):
            span = self.span(m.start(1), m.end(1))
            dim: ast.Expr = ast.SizeLit(tuple(_int(d) for d in m.group(1).split("x")), span)
        else:
            span = self.span(m.start(2), m.end(2))
            dim = ast.Num(_int(m.group(2)), span)
        return ast.Input((dim,), span)

    def expect(self, at: int) -> ast.Expect:
        m = _TARGET.match(self.code, at)
        if m is None:
            raise Outside
        target = self.span(m.start(1), m.end(1))
        checks: list[ast.ExpectItem] = []
        at = m.end()
        while not _BLANK.match(self.code, at):
            item = _ITEM.match(self.code, at)
            if item is None:
                raise Outside
            if item.group(1):
                checks.append(ast.ExpectItem("shape", item.group(1),
                                             self.span(item.start(1), item.end(1))))
            else:
                checks.append(ast.ExpectItem(item.group(2), item.group(3),
                                             self.span(item.start(2), item.end(3))))
            at = item.end()
        end = checks[-1].span if checks else target
        return ast.Expect(m.group(1), tuple(checks), target.to(end), target)

    def layers(self) -> ast.Line:
        elements: list[ast.Element] = []
        at = 0
        while True:
            element, at = self.element(at)
            elements.append(element)
            sep = _SEP.match(self.code, at)
            if sep is None:
                raise Outside
            if not sep.group(1):
                return ast.Line(tuple(elements), elements[0].span.to(element.span))
            at = sep.end()

    def element(self, at: int) -> tuple[ast.Element, int]:
        m = _ELEMENT.match(self.code, at)
        if m is None:
            raise Outside
        label, shorthand, name, bracket = m.groups()
        if shorthand:
            call = self.shorthand(m.start(2), m.end(2))
            end = m.end()
        else:
            if name.lower() in _merges() and (bracket or self.code.startswith("(", m.end())):
                raise Outside
            name_span = self.span(m.start(3), m.end(3))
            args: tuple[ast.Arg, ...] = ()
            end, span = m.end(3), name_span  # spans are values: one serves both
            if bracket:
                args, end = self.args(m.end())
                span = name_span.to(self.span(m.start(4), end))
            self.count(name_span)
            call = ast.Call(name, args, span, name_span)
        if not label:
            return call, end
        label_span = self.span(m.start(1), m.end(1))
        return ast.Labeled(label, call, label_span.to(call.span), label_span), end

    def shorthand(self, begin: int, end: int) -> ast.Call:
        span = self.span(begin, end)
        self.count(span)
        cut = self.code.rindex("-", begin, end)
        digits = self.span(cut + 1, end)
        value = ast.Num(_int(self.code[cut + 1:end]), digits)
        return ast.Call(self.code[begin:cut], (ast.Arg(None, value, digits),), span,
                        self.span(begin, cut))

    def args(self, at: int) -> tuple[tuple[ast.Arg, ...], int]:
        """The arguments after an opening bracket at `at`, and the offset after `)`."""
        empty = _EMPTY_ARGS.match(self.code, at)
        if empty:
            return (), empty.end()
        args: list[ast.Arg] = []
        while True:
            m = _ARG.match(self.code, at)
            if m is None:
                raise Outside
            key, size, decimal, integer, word, end = m.groups()
            group = 2 if size else 3 if decimal else 4 if integer else 5
            span = self.span(m.start(group), m.end(group))
            value = _value(span, size, decimal, integer, word)
            args.append(ast.Arg(key, value, self.span(m.start(1), m.end(group)) if key
                                else span))
            at = m.end()
            if end == ")":
                return tuple(args), at


def _value(span: Span, size: str | None, decimal: str | None, integer: str | None,
           word: str | None) -> ast.Expr:
    """An argument's value: a size, a decimal, an integer or a name (one of them is given)."""
    if size:
        return ast.SizeLit(tuple(_int(d) for d in size.split("x")), span)
    if decimal:
        whole, fraction = decimal.split(".")
        _int(whole), _int(fraction)
        return ast.Num(Fraction(decimal), span)
    if integer:
        return ast.Num(_int(integer), span)
    return ast.Ident(word or "", span)


def _int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise Outside  # Lark's transformer refuses it, with its message
    return int(text)
