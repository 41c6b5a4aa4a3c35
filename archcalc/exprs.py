"""Arithmetic on params (`+ - * / // ( )`), evaluated exactly by archcalc, never by eval."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from fractions import Fraction

from archcalc import ast
from archcalc.errors import ArchError, Span
from archcalc.values import WORDS, Value, type_name

MAX_MAGNITUDE = 10**18  # results beyond this are refused: no figure needs them


def evaluate(expr: ast.Expr, env: Mapping[str, Value]) -> Value:
    """The value of `expr` with the names bound in `env`."""
    if isinstance(expr, ast.Num):
        return normalize(expr.value)  # 8.0 is the integer 8, as 4.0*2 is
    if isinstance(expr, ast.SizeLit):
        return expr.dims
    if isinstance(expr, ast.Ident):
        return lookup(expr, env)
    if isinstance(expr, ast.Neg):
        number = _number(evaluate(expr.operand, env), expr.operand.span)
        return number if expr.count % 2 == 0 else -number
    value = evaluate(expr.first, env)
    for op, term in expr.rest:
        left = _number(value, expr.first.span)
        right = _number(evaluate(term, env), term.span)
        value = _apply(op, left, right, term.span)
    return value


def lookup(name: ast.Ident, env: Mapping[str, Value]) -> Value:
    """A name's value: a param or block argument first, then true/false/same/valid."""
    if name.name in env:
        return env[name.name]
    if name.name.lower() in WORDS:
        return WORDS[name.name.lower()]
    known = sorted(env)
    close = difflib.get_close_matches(name.name, known + list(WORDS), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    listed = ", ".join(known) if known else "none"
    raise ArchError(f"undefined name {name.name!r}", name.span,
                    f"{hint}params in scope: {listed}; declare it with `param "
                    f"{name.name} = ...`")


def _number(value: Value, span: Span) -> int | Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise ArchError(f"arithmetic needs numbers, but this is {type_name(value)}", span,
                        "true/false, same/valid and sizes like 3x5 cannot be computed with")
    return value


def _apply(op: str, left: int | Fraction, right: int | Fraction, span: Span
           ) -> int | Fraction:
    if op in ("/", "//") and right == 0:
        raise ArchError("division by zero", span, "the divisor evaluates to 0")
    result: int | Fraction
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op == "*":
        result = left * right
    elif op == "//":
        result = Fraction(left) // Fraction(right)
    else:
        result = Fraction(left) / Fraction(right)
    if not -MAX_MAGNITUDE <= result <= MAX_MAGNITUDE:
        raise ArchError("value too large", span, "results are limited to 10^18")
    if isinstance(result, Fraction) and result.denominator > MAX_MAGNITUDE:
        raise ArchError("value too fine: its denominator exceeds 10^18", span,
                        "use // where a whole number is meant")
    return normalize(result)


def normalize(value: int | Fraction) -> int | Fraction:
    """An integral fraction as an int, anything else unchanged."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value
