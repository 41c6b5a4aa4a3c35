"""What a sweep reports, orders by and filters on: its columns (from the figures' one list)
and `--where` expressions — clauses `NAME OP VALUE` joined by `and`, `or`, `not` and
parentheses (`not` binds tightest, then `and`, then `or`).

A clause on a figure is *unknown* for an invalid configuration (it has no figures), and
unknown follows Kleene's logic, as SQL's NULL does: `not unknown` is unknown, `false and
unknown` is false, `true or unknown` is true, and a configuration is kept only when the whole
expression is true. So `not params < 1M` keeps what `params >= 1M` keeps, and
`valid == false or params < 1M` keeps the invalid ones and the small ones.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Protocol

from archcalc.figures import COUNTS, Column
from archcalc.units import parse_number
from archcalc.values import Value, described, parse_value

SWEEP_COLUMNS = (*COUNTS, Column.memory_training, Column.rf, Column.layers)
COLUMN_NAMES = {c.value for c in (*SWEEP_COLUMNS, Column.valid)}


class Row(Protocol):
    """What a clause reads of a configuration (archcalc/sweep.py's Outcome)."""

    @property
    def valid(self) -> bool: ...
    @property
    def values(self) -> tuple[tuple[str, Value], ...]: ...
    def value(self, column: Column) -> int | Fraction | bool: ...


Test = Callable[[Row], bool | None]  # None: unknown
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt, "=": operator.eq}
_TOKEN = re.compile(r"\s*(\(|\)|<=|>=|==|!=|<|>|=|[^\s()<>=!]+|!)")
_KEYWORDS = ("and", "or", "not")
_HINT = "write NAME OP VALUE, e.g. params < 1M (OP: < <= > >= == !=), joined by and, or, not"


def where(expression: str, swept: Mapping[str, object] | Sequence[str] = ()
          ) -> Callable[[Row], bool]:
    """A filter from `params < 1M and (rf >= 32 or not N == 2)`; `swept` are the names of
    the swept params a clause may name besides the columns. ValueError for anything else."""
    tokens = _tokens(expression)
    parser = _Parser(tokens, expression, set(swept))
    test = parser.disjunction()
    if parser.at < len(tokens):
        raise ValueError(f"--where {expression!r}: unexpected {tokens[parser.at]!r}; {_HINT}")
    return lambda row: test(row) is True


def _tokens(expression: str) -> list[str]:
    tokens, at = [], 0
    text = expression.rstrip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        assert match is not None  # every non-space character starts a token
        tokens.append(match.group(1))
        at = match.end()
    if not tokens:
        raise ValueError(f"--where is empty; {_HINT}")
    return tokens


class _Parser:
    """Recursive descent over the tokens: disjunction → conjunction → negation → clause."""

    def __init__(self, tokens: list[str], expression: str, swept: set[str]) -> None:
        self.tokens, self.expression, self.swept, self.at = tokens, expression, swept, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError(f"--where {self.expression!r} ends early; {_HINT}")
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.lower() == word:
            self.at += 1
            return True
        return False

    def disjunction(self) -> Test:
        tests = [self.conjunction()]
        while self.keyword("or"):
            tests.append(self.conjunction())
        return tests[0] if len(tests) == 1 else _any(tests)

    def conjunction(self) -> Test:
        tests = [self.negation()]
        while self.keyword("and"):
            tests.append(self.negation())
        return tests[0] if len(tests) == 1 else _all(tests)

    def negation(self) -> Test:
        if self.keyword("not"):
            inner = self.negation()
            return lambda row: None if (got := inner(row)) is None else not got
        if self.peek() == "(":
            self.take()
            inner = self.disjunction()
            if self.take() != ")":
                raise ValueError(f"--where {self.expression!r}: a ( is not closed")
            return inner
        return self.clause()

    def clause(self) -> Test:
        name, op, text = self.take(), self.take(), self.take()
        written = f"{name} {op} {text}"
        if op not in _OPERATORS or not name.isidentifier() or name.lower() in _KEYWORDS \
                or text in ("(", ")") or text in _OPERATORS:
            raise ValueError(f"--where {written!r}: {_HINT}")
        return clause(written, name, op, text, self.swept)


def _any(tests: list[Test]) -> Test:
    def test(row: Row) -> bool | None:
        results = [t(row) for t in tests]
        return True if True in results else None if None in results else False
    return test


def _all(tests: list[Test]) -> Test:
    def test(row: Row) -> bool | None:
        results = [t(row) for t in tests]
        return False if False in results else None if None in results else True
    return test


def clause(written: str, name: str, op: str, text: str, swept: set[str]) -> Test:
    """One comparison: of a column (unknown for an invalid configuration's figures), of
    `valid` (true or false) or of a swept param (words and sizes only with == and !=)."""
    compare = _OPERATORS[op]
    if name in COLUMN_NAMES:
        column = Column(name)
        if column is Column.valid:
            if text.lower() not in ("true", "false") or op not in ("==", "!=", "="):
                raise ValueError(f"--where {written!r}: valid is == or != true or false")
            return lambda row: bool(compare(row.valid, text.lower() == "true"))
        wanted = parse_number(text, column.unit).value
        return lambda row: bool(compare(row.value(column), wanted)) if row.valid else None
    if name not in swept:
        raise ValueError(f"--where: unknown name {name!r}; use "
                         f"{', '.join(sorted(COLUMN_NAMES))} or a swept param "
                         f"({', '.join(sorted(swept)) or 'none'})")
    want = parse_value(text)

    def test(row: Row) -> bool:
        got = dict(row.values)[name]
        if op not in ("==", "!=", "=") and not ordered(got, want):
            raise ValueError(f"--where {written!r}: {name} is {described(got)}; words and "
                             "sizes compare only with == and !=")
        return bool(compare(got, want))

    return test


def ordered(a: Value, b: Value) -> bool:
    """Both numbers (not booleans): < and > make sense."""
    return all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in (a, b))
