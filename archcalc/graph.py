"""The expanded network: a flat, topologically ordered list of named layer nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from archcalc import ast
from archcalc.errors import Source, Span
from archcalc.layers import Layer, Shape
from archcalc.values import Value

INPUT = -1  # the index that stands for the network's input in Node.inputs


def ancestors(starts: Iterable[int], inputs: Callable[[int], Sequence[int]]) -> set[int]:
    """`starts` and every node they read, directly or not, where `inputs(i)` lists what node
    i reads (INPUT, the network's input, is left out): a graph's nodes or an import's ops."""
    seen = set(starts)
    todo = list(seen)
    while todo:
        for j in inputs(todo.pop()):
            if j != INPUT and j not in seen:
                seen.add(j)
                todo.append(j)
    return seen


@dataclass(frozen=True, slots=True)
class Node:
    """One layer of the expanded network."""

    name: str
    layer: Layer
    inputs: tuple[int, ...]  # indices of producer nodes; INPUT for the network input
    span: Span
    implied: frozenset[str] = frozenset()  # arguments set by `defaults`, not at the call
    calls: tuple[Span, ...] = ()  # the block calls it was written in, innermost first


@dataclass(frozen=True, slots=True)
class Scope:
    """A named group of consecutive nodes: a block call, a labeled repeat or group."""

    path: str
    title: str
    first: int  # index of its first node
    last: int  # index after its last node
    depth: int


@dataclass(frozen=True, slots=True)
class Graph:
    network: str
    input: Shape
    nodes: tuple[Node, ...]
    scopes: tuple[Scope, ...]
    expects: tuple[ast.Expect, ...]
    params: tuple[tuple[str, Value], ...]
    optionals: tuple[Span, ...]  # every `?` element, in source order
    source: Source
    defaults: tuple[str, ...]  # the `defaults` statements as written
    # The `use` lines the network was reached through, innermost first (archcalc/uses.py):
    # the expect lines are those of the outermost file.
    uses: tuple[tuple[Source, Span], ...] = ()

    @property
    def expect_source(self) -> Source:
        """The file the expect lines are written in."""
        return self.uses[-1][0] if self.uses else self.source
