"""The file-level statements of a Program: its params (with -D values), name, input,
`defaults`, and the text excerpts that titles show."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import PurePath

from archcalc import ast
from archcalc.bind import convert
from archcalc.errors import ArchError, Source, Span, point_at, printable
from archcalc.exprs import evaluate
from archcalc.layers import lookup, suggest
from archcalc.layers.base import MAX_COUNT
from archcalc.layers.merge import Merge
from archcalc.names import Defaults
from archcalc.values import WORDS, Value, described


def file_params(statements: tuple[ast.Statement, ...], overrides: Mapping[str, Value]
                ) -> dict[str, Value]:
    """Every `param`, in order, each seeing the ones before; -D values replace them."""
    env: dict[str, Value] = {}
    spans: dict[str, Span] = {}
    for st in statements:
        for assign in st.assigns if isinstance(st, ast.Param) else ():
            if assign.name in env:
                first = spans[assign.name]
                raise ArchError(f"param {assign.name!r} is declared twice", assign.span,
                                f"first declared at line {first.line}; use -D "
                                f"{assign.name}=... to change it from the command line")
            refuse_word_name(assign.name, assign.span, "a param")
            spans[assign.name] = assign.span
            env[assign.name] = (overrides[assign.name] if assign.name in
                                overrides else evaluate(assign.value, env))
    unknown = sorted(set(overrides) - set(env))
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(env), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ArchError(f"-D {unknown[0]}: the file declares no param {unknown[0]!r}",
                        None, f"{hint}params: {', '.join(env) or 'none'}")
    return env

def network_name(statements: tuple[ast.Statement, ...], source: Source) -> str:
    names = [s.name for s in statements if isinstance(s, ast.Network)]
    if names:
        return names[-1]
    stem = PurePath(source.name).stem  # shown as a title: no control characters
    return printable(stem) if source.name != "<stdin>" else "network"

def input_shape(statements: tuple[ast.Statement, ...], env: Mapping[str, Value]
                ) -> tuple[int, ...]:
    inputs = [s for s in statements if isinstance(s, ast.Input)]
    if not inputs:
        first = next(s.span for s in statements if isinstance(s, ast.Line))
        raise ArchError("the file has no input statement", point_at(first, 1),
                        "the layers start from the input: add a line like "
                        "`input 32x32x3` (H x W x C) or `input 3072` before them")
    if len(inputs) > 1:
        raise ArchError("input is given twice", inputs[1].span,
                        f"first at line {inputs[0].span.line}")
    dims = tuple(d for expr in inputs[0].dims for d in dimension(expr, env))
    if len(dims) not in (1, 3) or not all(1 <= d <= MAX_COUNT for d in dims):
        raise ArchError(f"input {'x'.join(map(str, dims))} is not a volume or a vector",
                        inputs[0].span, "write H x W x C like 32x32x3 (28x28x1 for "
                        "grayscale), or a vector size like 3072; sizes 1 to 10^9")
    return dims

def dimension(expr: ast.Expr, env: Mapping[str, Value]) -> tuple[int, ...]:
    """One `x`-separated part of the input: an integer expression on params (a written
    size like 224x224 gives its parts)."""
    value = evaluate(expr, env)
    parts = value if isinstance(value, tuple) else (value,)
    whole = tuple(v for v in parts if isinstance(v, int) and not isinstance(v, bool))
    if len(whole) != len(parts):
        raise ArchError(f"an input size must be a whole number, got {described(value)}",
                        expr.span, "write sizes like 224 or S (a param), or use // for "
                        "a whole quotient: (S//2)")
    return whole

def excerpt(source: Source, span: Span, limit: int = 200) -> str:
    """The text of `span` for a title: comments dropped, blanks collapsed, clipped."""
    text = source.text[span.start:min(span.end, span.start + limit)]
    text = " ".join(re.sub(r"#[^\n]*", "", text).split())
    return text + ("…" if span.end - span.start > limit else "")


def updated_defaults(defaults: Defaults, st: ast.Defaults, params: Mapping[str, Value]
                     ) -> Defaults:
    """`defaults` with a `defaults KIND(...)` statement applied (later values win)."""
    found = lookup(st.kind)
    if found is None or found[1] or issubclass(found[0], Merge):
        raise ArchError(f"defaults needs a layer kind, got {st.kind!r}", st.kind_span,
                        kind_hint(st.kind, []))
    cls = found[0]
    values = [(a.key, evaluate(a.value, params), a.span) for a in st.args]
    new = {**defaults.get(cls.kind, {}), **convert(cls, values, st.span)}
    return {**defaults, cls.kind: new}


def kind_hint(name: str, blocks: list[str]) -> str:
    close = suggest(name, blocks)
    head = f"did you mean {close}? " if close else ""
    return head + "see `docs/language.md` for the layer kinds"


def refuse_word_name(name: str, span: Span, what: str) -> None:
    """A param or block argument may not be named like a word of the language: `same` would
    silently turn `p=same` into a number."""
    if name.lower() in WORDS:
        raise ArchError(f"{what} cannot be named {name!r}", point_at(span, len(name)),
                        f"{name.lower()} is a word of the language ({', '.join(WORDS)}); "
                        "choose another name")
