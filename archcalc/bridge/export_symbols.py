"""Python expressions for the generated torch source: a block's arguments stay names
(`4 * c`, `(k - 1) // 2`), so its class takes them as constructor arguments.

An expression is translated from the .arch syntax and then *checked*: evaluated exactly on the
values of the call being written, it must give the layer's actual value, else the literal value
is written instead. So every emitted expression is right for the call it was checked on, and a
class is shared only by calls whose checked text is the same (torch_export.py)."""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from archcalc import ast
from archcalc.values import WORDS, Word, show

Env = Mapping[str, Any]
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2}


class Untranslatable(Exception):
    """The expression cannot be evaluated as written Python would (a size in arithmetic)."""


@dataclass(frozen=True)
class Sym:
    """An expression: a literal, a name, or a binary operation, with its Python text."""

    op: str  # "lit", "name", "neg" or an operator
    value: Any = None  # the literal's value, or the name's key in the environment
    left: Sym | None = None
    right: Sym | None = None

    @property
    def text(self) -> str:
        if self.op == "lit":
            return literal(self.value)
        if self.op == "name":
            return str(self.value)
        if self.op == "neg":
            assert self.left is not None
            inner = self.left.text
            return f"-({inner})" if self.left.op in PRECEDENCE else f"-{inner}"
        assert self.left is not None and self.right is not None
        return f"{self._side(self.left, False)} {self.op} {self._side(self.right, True)}"

    def _side(self, side: Sym, right: bool) -> str:
        if side.op in PRECEDENCE and (PRECEDENCE[side.op] < PRECEDENCE[self.op]
                                      or (right and PRECEDENCE[side.op] == PRECEDENCE[self.op])):
            return f"({side.text})"
        return side.text

    def evaluate(self, env: Env) -> Any:
        """The exact value generated Python would compute (`/` as an exact fraction)."""
        if self.op == "lit":
            return self.value
        if self.op == "name":
            return env[self.value]
        assert self.left is not None
        a = self.left.evaluate(env)
        if self.op == "neg":
            return -_number(a)
        assert self.right is not None
        a, b = _number(a), _number(self.right.evaluate(env))
        if self.op in ("/", "//") and b == 0:
            raise Untranslatable
        return _normal(_apply(self.op, a, b))


def names_in(sym: Sym) -> set[str]:
    """The Python names an expression uses."""
    if sym.op == "name":
        return {str(sym.value)}
    return set().union(*(names_in(s) for s in (sym.left, sym.right) if s is not None))


def substitute(sym: Sym, values: Mapping[str, Sym]) -> Sym:
    """`sym` with names replaced by expressions (a callee's arguments by the caller's)."""
    if sym.op == "name":
        return values.get(str(sym.value), sym)
    if sym.op == "lit":
        return sym
    left = None if sym.left is None else substitute(sym.left, values)
    right = None if sym.right is None else substitute(sym.right, values)
    return Sym(sym.op, sym.value, left, right)


def lit(value: Any) -> Sym:
    return Sym("lit", value)


def name(text: str) -> Sym:
    return Sym("name", text)


def times(a: Sym, b: Sym) -> Sym:
    if a.op == "lit" and a.value == 1:
        return b
    return Sym("*", left=a, right=b)


def plus(terms: list[Sym]) -> Sym:
    out = terms[0]
    for term in terms[1:]:
        out = Sym("+", left=out, right=term)
    return out


def floordiv(a: Sym, b: Sym) -> Sym:
    return Sym("//", left=a, right=b)


def _apply(op: str, a: int | Fraction, b: int | Fraction) -> int | Fraction:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "//":
        return Fraction(a) // Fraction(b)
    return Fraction(a) / Fraction(b)


def _number(value: Any) -> int | Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise Untranslatable
    return value


def _normal(value: int | Fraction) -> int | Fraction:
    return value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value


def literal(value: Any) -> str:
    """A value as Python source: ints, decimals (floats), booleans, sizes as tuples."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Fraction):
        text = show(value)
        return text if "." in text and "e" not in text else repr(float(value))
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "h") and hasattr(value, "w"):  # a Pair
        return literal(value.h) if value.h == value.w else f"({value.h}, {value.w})"
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, Word):
        return repr(value.text)
    return str(value)


def translate(expr: ast.Expr, names: Mapping[str, str], integer: bool) -> Sym | None:
    """`expr` as Python; names map .arch names to Python ones (a block's arguments, the
    file's params); in integer context `/` (exact in .arch) is written `//`. None when the
    expression has no Python form (`same`, `valid`)."""
    if isinstance(expr, ast.Num):
        return lit(expr.value)
    if isinstance(expr, ast.SizeLit):
        return lit(expr.dims)
    if isinstance(expr, ast.Ident):
        if expr.name in names:
            return name(names[expr.name])
        word = WORDS.get(expr.name.lower())
        return lit(word) if isinstance(word, bool) else None
    if isinstance(expr, ast.Neg):
        inner = translate(expr.operand, names, integer)
        if inner is None:
            return None
        return inner if expr.count % 2 == 0 else Sym("neg", left=inner)
    out = translate(expr.first, names, integer)
    for op, term in expr.rest:
        right = translate(term, names, integer)
        if out is None or right is None:
            return None
        out = Sym("//" if op == "/" and integer else op, left=out, right=right)
    return out


def checked(candidate: Sym | None, value: Any, env: Env) -> Sym:
    """`candidate` when it uses a name and evaluates to `value` on `env`, else the literal
    `value` (arithmetic on literals alone is written as its result)."""
    if candidate is not None and names_in(candidate):
        try:
            if same_value(candidate.evaluate(env), value):
                return candidate
        except (Untranslatable, KeyError):
            pass
    return lit(value)


def same_value(got: Any, value: Any) -> bool:
    """Equal as a layer field: a Pair of two equal sizes equals one number."""
    if hasattr(value, "h") and hasattr(value, "w"):
        wanted = value.h if value.h == value.w else (value.h, value.w)
        return bool(got == wanted and type(got) is type(wanted))
    if isinstance(value, bool) or isinstance(got, bool):
        return got is value
    return bool(got == value)


RESERVED = frozenset({"self", "in_channels", "torch", "nn", "F", "math", "OrderedDict",
                      "super", "x"})


def identifier(text: str, taken: frozenset[str] = RESERVED) -> str:
    """`text` as a Python name: a keyword or reserved name gets a trailing underscore."""
    out = text
    while keyword.iskeyword(out) or out in taken:
        out += "_"
    return out
