"""The structure an exporter writes: the expanded graph's nodes regrouped as the description
wrote them — chains, merges with their paths, and scopes (block calls, labeled groups, labeled
repeats) — by walking the syntax tree in step with the graph, in the order the expander made
the nodes (archcalc/expand.py). Each scope knows its block definition and the values its
arguments took, so a block can become a class whose constructor takes them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from archcalc import ast
from archcalc.blocks import bind_arguments
from archcalc.errors import ArchError
from archcalc.exprs import evaluate
from archcalc.graph import Graph, Node
from archcalc.graph import Scope as GraphScope
from archcalc.layers import lookup
from archcalc.layers.merge import Merge
from archcalc.syntax import parse
from archcalc.values import Value


@dataclass
class Step:
    """One graph node that is a layer (IDENTITY and SPLIT's CHUNK heads included), with the
    call that wrote it (None for SPLIT's chunks, which no call writes)."""

    index: int
    call: ast.Call | None = None


@dataclass
class Join:
    """A merge node and its paths, each starting at the merge's input; an empty path is the
    input itself (RES without a shortcut). `split`: the paths start with SPLIT's chunks."""

    index: int
    paths: list[list[Item]]
    split: bool = False


@dataclass
class Scope:
    """A block call, labeled group or labeled repeat: the nodes `first` … `last − 1`.

    `block` and `call` are the definition and the call's syntax (None for groups and
    repeats), `env` the names the call's arguments were evaluated with (the caller's), and
    `bound` the block's argument values."""

    path: str
    kind: str  # "block", "group" or "repeat"
    body: list[Item]
    first: int
    last: int
    block: ast.Block | None = None
    call: ast.Call | None = None
    env: Mapping[str, Value] = field(default_factory=dict)
    bound: dict[str, Value] = field(default_factory=dict)


Item = Step | Join | Scope


class Mismatch(Exception):
    """The syntax tree and the graph disagree at this point (an optional element absent)."""


def structure(graph: Graph) -> list[Item]:
    """The top-level chain of `graph`, regrouped as written."""
    return Walker(graph).run()


class Walker:
    """Replays the expander's traversal (expand.py) over the syntax tree, consuming the graph's
    nodes in order; names and figures come from the graph, never recomputed."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.program = parse(graph.source)
        self.blocks = {s.name: s for s in self.program.statements if isinstance(s, ast.Block)}
        self.globals: dict[str, Value] = dict(graph.params)
        self.cursor = 0
        self.taken: set[int] = set()

    def run(self) -> list[Item]:
        items: list[Item] = []
        try:
            for statement in self.program.statements:
                if isinstance(statement, ast.Line):
                    items += self.chain(statement.elements, self.globals)
        except Mismatch:
            raise self.lost() from None
        if self.cursor != len(self.graph.nodes) or len(self.taken) != len(self.graph.scopes):
            raise self.lost()
        return items

    def lost(self) -> ArchError:
        return ArchError("cannot match the description to its expanded layers", None,
                         "this is a bug in archcalc's exporter: please report it",
                         self.graph.source)

    @property
    def node(self) -> Node | None:
        nodes = self.graph.nodes
        return nodes[self.cursor] if self.cursor < len(nodes) else None

    def chain(self, elements: tuple[ast.Element, ...], env: Mapping[str, Value]) -> list[Item]:
        items: list[Item] = []
        for element in elements:
            items += self.element(element, env, None)
        return items

    def element(self, el: ast.Element, env: Mapping[str, Value], label: str | None
                ) -> list[Item]:
        if isinstance(el, ast.Labeled):
            return self.element(el.body, env, el.label)
        if isinstance(el, ast.Optional):
            return self.optional(el, env, label)
        if isinstance(el, ast.Call):
            return self.call(el, env, label)
        if isinstance(el, ast.Group):
            if label is None:
                return self.chain(el.elements, env)
            return self.scoped("group", lambda: self.chain(el.elements, env))
        if isinstance(el, ast.Repeat):
            return self.repeat(el, env, label)
        return [self.merge(el, env)]

    def optional(self, el: ast.Optional, env: Mapping[str, Value], label: str | None
                 ) -> list[Item]:
        """Present unless its body fails to match the nodes that follow (the graph keeps no
        record of the choice); the final check in `run` catches any wrong guess."""
        saved = self.cursor, set(self.taken)
        try:
            return self.element(el.body, env, label)
        except Mismatch:
            self.cursor, self.taken = saved
            return []

    def step(self, span_start: int, call: ast.Call | None = None) -> Step:
        node = self.node
        if node is None or node.span.start != span_start:
            raise Mismatch
        self.cursor += 1
        return Step(self.cursor - 1, call)

    def call(self, call: ast.Call, env: Mapping[str, Value], label: str | None) -> list[Item]:
        if call.name not in self.blocks:
            return [self.step(call.span.start, call)]
        block = self.blocks[call.name]
        bound = bind_arguments(block, call, env, self.globals)
        inner = {**self.globals, **bound}
        items = self.scoped("block", lambda: self.chain(block.body, inner))
        for item in items:
            if isinstance(item, Scope):
                item.block, item.call, item.env, item.bound = block, call, env, bound
        return items

    def scoped(self, kind: str, walk: Callable[[], list[Item]]) -> list[Item]:
        """The items `walk()` makes, wrapped in the graph's scope over them (none when they
        made no node: the expander opens no scope then)."""
        first = self.cursor
        body = walk()
        if self.cursor == first:
            return list(body)
        scope = self.graph_scope(first)
        return [Scope(scope.path, kind, list(body), first, self.cursor)]

    def graph_scope(self, first: int) -> GraphScope:
        """The innermost scope over nodes first … cursor − 1 not yet claimed (inner scopes
        are claimed first, as the walk returns from them)."""
        found = [(s.depth, i) for i, s in enumerate(self.graph.scopes)
                 if i not in self.taken and s.first == first and s.last == self.cursor]
        if not found:
            raise Mismatch
        index = max(found)[1]
        self.taken.add(index)
        return self.graph.scopes[index]

    def repeat(self, el: ast.Repeat, env: Mapping[str, Value], label: str | None
               ) -> list[Item]:
        count = evaluate(el.count, env)
        assert isinstance(count, int)

        def iterations() -> list[Item]:
            items: list[Item] = []
            for i in range(1, count + 1):
                before = self.cursor
                items += self.element(el.body, env, None if label is None else f"{label}.{i}")
                if self.cursor == before:
                    break  # as the expander: an empty iteration means all are empty
            return items

        return iterations() if label is None else self.scoped("repeat", iterations)

    def merge(self, el: ast.Merge, env: Mapping[str, Value]) -> Join:
        found = lookup(el.op)
        assert found is not None and issubclass(found[0], Merge)
        form = found[0]()
        heads = form.heads(len(el.paths))
        paths: list[list[Item]] = []
        for path, head in zip(el.paths, heads, strict=True):
            start: list[Item] = [] if head is None else [self.step(el.span.start)]
            paths.append(start + self.chain(path, env))
        if form.shortcut and form.max_paths is not None and len(el.paths) < form.max_paths:
            paths.append([])
        join = self.step(el.span.start)
        return Join(join.index, paths, split=any(h is not None for h in heads))


def nodes_of(items: list[Item]) -> list[int]:
    """Every node index in `items`, in order."""
    out: list[int] = []
    for item in items:
        if isinstance(item, Step):
            out.append(item.index)
        elif isinstance(item, Join):
            for path in item.paths:
                out += nodes_of(path)
            out.append(item.index)
        else:
            out += nodes_of(item.body)
    return out
