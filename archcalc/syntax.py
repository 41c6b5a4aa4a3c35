"""Text to AST: the cached Lark LALR parser, the transformer, and syntax-error messages;
flat files take the fast path of archcalc/syntax_flat.py to the same AST."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from archcalc import ast
from archcalc.errors import ArchError, Source, Span, point_at
from archcalc.syntax_errors import check_nesting, syntax_error, token_span
from archcalc.syntax_flat import parse_flat

MAX_DIGITS = 15  # integer literals beyond 10^15 are refused before any arithmetic


def grammar_path() -> Path:
    """The grammar: inside the installed package, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    shipped = here / "grammar" / "arch.lark"
    return shipped if shipped.exists() else here.parent / "grammar" / "arch.lark"


def grammar_text() -> str:
    """The grammar with the registry's merge names in place of MERGE_NAMES."""
    from archcalc.layers import merge_names

    return grammar_path().read_text(encoding="utf-8").replace(
        "MERGE_NAMES", "|".join(merge_names()))


@cache
def parser() -> Any:
    """The LALR parser, built once per process and cached on disk by Lark."""
    from lark import Lark

    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=False,
                cache=True, transformer=_transformer())


@dataclass
class _Written:
    """The layer and block calls the parse has met, against the layer limit."""

    left: int
    limit: int

    @staticmethod
    def of(limit: int | None) -> _Written:
        return _Written(limit, limit) if limit is not None else _Written(-1, -1)

    def count(self, span: Span) -> None:
        if self.limit < 0:
            return
        self.left -= 1
        if self.left < 0:
            raise ArchError(f"the file writes more than {self.limit:,} layers", span,
                            "every layer written counts, in blocks, repeats *0 and absent ? "
                            "too; raise the limit with --max-layers")


_written: ContextVar[_Written | None] = ContextVar("written", default=None)


def parse(source: Source, max_depth: int = 100, max_layers: int | None = None) -> ast.Program:
    """Parse `source` into a Program; raise ArchError for any syntax problem, or as soon as
    the file has written more than `max_layers` layer calls (each is at least one layer).
    A flat file is read by the fast path (archcalc/syntax_flat.py, the same AST), any other
    by the Lark grammar."""
    check_nesting(source, max_depth)
    try:
        flat = parse_flat(source.text, _Written.of(max_layers).count)
        return flat if flat is not None else _lark_parse(source, max_layers)
    except ArchError as err:
        raise err.located(source) from None


def _lark_parse(source: Source, max_layers: int | None) -> ast.Program:
    from lark.exceptions import UnexpectedInput

    token = _written.set(_Written.of(max_layers))
    try:
        program: ast.Program = parser().parse(source.text)
    except UnexpectedInput as exc:
        raise syntax_error(exc, source) from None
    finally:
        _written.reset(token)
    return program


def _count_call(span: Span) -> None:
    written = _written.get()
    if written is not None:
        written.count(span)


# ---- AST built during the parse -----------------------------------------------------------
# Lark calls these callbacks as it reduces each rule (no parse tree, no recursion), so each
# node's span comes from its first and last child; rules marked `!` in the grammar keep
# their brackets for that.


def _span_of(item: Any) -> Span:
    if hasattr(item, "type"):
        return token_span(item)
    if isinstance(item, (tuple, list)):
        return _span_of(item[0]).to(_span_of(item[-1]))
    return item.span  # type: ignore[no-any-return]


def _cover(items: list[Any]) -> Span:
    """The span from the first to the last of `items` (tokens, nodes or sequences)."""
    return _span_of(items[0]).to(_span_of(items[-1]))


def _int(text: str, span: Span) -> int:
    if len(text) > MAX_DIGITS:
        raise ArchError(f"number {text[:20]}… has {len(text)} digits", span,
                        f"numbers are limited to {MAX_DIGITS} digits (on each side of a "
                        "decimal point)")
    return int(text)


def _expr(node: Any) -> ast.Expr:
    """An expression node, converting a bare token (INT, DECIMAL, SIZE, NAME)."""
    if not hasattr(node, "type"):
        return node  # type: ignore[no-any-return]  # already an AST expression
    span = token_span(node)
    if node.type == "INT":
        return ast.Num(_int(node, span), span)
    if node.type == "DECIMAL":
        return ast.Num(_decimal(str(node), span), span)
    if node.type == "SIZE":
        return ast.SizeLit(_size(node, span), span)
    return ast.Ident(str(node), span)


def _decimal(text: str, span: Span) -> Fraction:
    whole, fraction = text.split(".")
    _int(whole, span)
    _int(fraction, span)
    return Fraction(text)


def _size(text: str, span: Span) -> tuple[int, ...]:
    return tuple(_int(part, span) for part in re.split("[x\u00d7]", text))


class _Bracketed:
    """Arguments or formals with the span of their brackets."""

    def __init__(self, items: list[Any]) -> None:
        self.items = tuple(i for i in items if not hasattr(i, "type"))
        self.span = _cover(items)


class _Count:
    """The `*count` suffix while suffixes are folded into Repeat nodes."""

    def __init__(self, value: ast.Expr) -> None:
        self.value = value
        self.span = value.span


def _chain(items: list[Any]) -> ast.Chain:
    rest = tuple(("-" if str(op) == "\u2212" else str(op), _expr(term))
                 for op, term in zip(items[1::2], items[2::2], strict=True))
    return ast.Chain(_expr(items[0]), rest, _cover(items))


@cache
def _transformer() -> Any:
    from lark import Transformer

    class ToAst(Transformer[Any, Any]):
        """Each method builds one AST node from the children of one grammar rule."""

        def start(self, items: list[Any]) -> ast.Program:
            return ast.Program(tuple(items))

        def network(self, items: list[Any]) -> ast.Network:
            return ast.Network(str(items[0]), _cover(items))

        def input(self, items: list[Any]) -> ast.Input:
            dims = tuple(_expr(i) for i in items if getattr(i, "type", "") != "TIMES")
            return ast.Input(dims, _cover(items))

        def param(self, items: list[Any]) -> ast.Param:
            return ast.Param(tuple(items), _cover(items))

        def assign(self, items: list[Any]) -> ast.Assign:
            return ast.Assign(str(items[0]), _expr(items[1]), _cover(items))

        def defaults(self, items: list[Any]) -> ast.Defaults:
            return ast.Defaults(str(items[0]), items[1].items, _cover(items),
                                token_span(items[0]))

        def block(self, items: list[Any]) -> ast.Block:
            name, rest = items[0], items[1:]
            formals = rest.pop(0).items if rest and isinstance(rest[0], _Bracketed) else ()
            body = rest[0] if rest else ()
            return ast.Block(str(name), formals, body, _cover(items), token_span(name))

        def formals(self, items: list[Any]) -> _Bracketed:
            return _Bracketed(items)

        def formal(self, items: list[Any]) -> ast.Formal:
            default = _expr(items[1]) if len(items) > 1 else None
            return ast.Formal(str(items[0]), default, _cover(items))

        def expect(self, items: list[Any]) -> ast.Expect:
            checks = tuple(ast.ExpectItem("shape", str(i), token_span(i)) if hasattr(i, "type")
                           else i for i in items[1:])
            return ast.Expect(str(items[0]), checks, _cover(items), token_span(items[0]))

        def check(self, items: list[Any]) -> ast.ExpectItem:
            return ast.ExpectItem(str(items[0]), str(items[1]), _cover(items))

        def use(self, items: list[Any]) -> ast.Use:
            target = str(items[1])
            quoted = target.startswith('"')
            return ast.Use(target[1:-1] if quoted else target, _cover(items),
                           token_span(items[1]))

        def line(self, items: list[Any]) -> ast.Line:
            return ast.Line(tuple(items), _cover(items))

        def chain(self, items: list[Any]) -> tuple[ast.Element, ...]:
            return tuple(items)

        def labeled(self, items: list[Any]) -> ast.Labeled:
            return ast.Labeled(str(items[0]), items[1], _cover(items), token_span(items[0]))

        def suffixed(self, items: list[Any]) -> ast.Element:
            node = items[0]
            for suffix in items[1:]:
                span = node.span.to(_span_of(suffix))
                if hasattr(suffix, "type") and isinstance(node, ast.Optional):
                    node = ast.Optional(node.body, span)  # X?? is X?
                else:
                    node = (ast.Optional(node, span) if hasattr(suffix, "type")
                            else ast.Repeat(node, suffix.value, span))
            return node  # type: ignore[no-any-return]

        def repeat(self, items: list[Any]) -> _Count:
            return _Count(_expr(items[0]))

        def call(self, items: list[Any]) -> ast.Call:
            args = items[1].items if len(items) > 1 else ()
            name = token_span(items[0])
            _count_call(name)
            return ast.Call(str(items[0]), args, _cover(items), name)

        def shorthand(self, items: list[Any]) -> ast.Call:
            tok = items[0]
            cut = max(tok.rfind(c) for c in "-\u2013\u2212")
            span = token_span(tok)
            _count_call(span)
            digits = Span(span.line, span.column + cut + 1, span.end_line, span.end_column,
                          span.start + cut + 1, span.end)
            value = ast.Num(_int(tok[cut + 1:], digits), digits)
            return ast.Call(tok[:cut], (ast.Arg(None, value, digits),), span,
                            point_at(span, cut))

        def group(self, items: list[Any]) -> ast.Group:
            return ast.Group(items[1], _cover(items))

        def merge(self, items: list[Any]) -> ast.Merge:
            paths = tuple(i for i in items[1:] if isinstance(i, tuple))
            return ast.Merge(str(items[0]).lower(), paths, _cover(items))

        def args(self, items: list[Any]) -> _Bracketed:
            return _Bracketed(items)

        def arg(self, items: list[Any]) -> ast.Arg:
            key = str(items[0]) if len(items) == 2 else None
            return ast.Arg(key, _expr(items[-1]), _cover(items))

        def sum(self, items: list[Any]) -> ast.Chain:
            return _chain(items)

        def product(self, items: list[Any]) -> ast.Chain:
            return _chain(items)

        def neg(self, items: list[Any]) -> ast.Neg:
            inner = _expr(items[1])
            if isinstance(inner, ast.Neg):
                return ast.Neg(inner.operand, inner.count + 1, _cover(items))
            return ast.Neg(inner, 1, _cover(items))

    return ToAst()
