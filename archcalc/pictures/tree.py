"""The network as the pictures draw it: a sequence of layers, forks (the paths of an ADD,
CONCAT, MUL, RES or SPLIT side by side) and blocks (block calls, labeled groups and repeats,
which the report shows collapsed).

The graph is flat and topological; the expander writes each element's nodes contiguously and
its output last, and a merge's paths one after another. So a merge's paths are found by
walking back from its inputs, stepping over inner merges to their forks, until the walks
meet: that node is the fork, and each path is the contiguous run of nodes its walk crossed.
A merge whose paths do not tile the nodes from its first path's first node to itself (never
seen from .arch text) is drawn as a plain layer. A sequence longer than MAX_ITEMS is cut into
segments of SEGMENT items, collapsed like blocks, so that no drawing or table level grows
without bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.analyze import Analysis, GroupReport
from archcalc.graph import Graph

MAX_ITEMS = 64  # items a sequence shows before it is cut into segments
SEGMENT = 32  # items per segment


@dataclass(frozen=True, slots=True)
class Leaf:
    """One layer, by its index in `Analysis.layers`."""

    index: int


@dataclass(frozen=True, slots=True)
class Fork:
    """A merge layer (`index`) and its paths in input order; an empty path is the fork's
    output itself (an identity shortcut)."""

    index: int
    paths: tuple[tuple[Item, ...], ...]


@dataclass(frozen=True, slots=True)
class Block:
    """A group of consecutive layers [first, last): a GroupReport, or a segment of a long
    sequence (`group` None). `key` numbers it uniquely (the page's element ids)."""

    key: int
    group: GroupReport | None
    first: int
    last: int
    body: tuple[Item, ...]


Item = Leaf | Fork | Block
Seq = tuple[Item, ...]


def network_tree(analysis: Analysis) -> Seq:
    """The whole network as a sequence of items, blocks nested as the description nests
    them, long sequences segmented."""
    builder = _Builder(analysis)
    top = builder.sequence(0, len(analysis.layers))
    return builder.segmented(top)


def blocks(seq: Seq) -> list[Block]:
    """Every block of `seq`, outer before inner, in order."""
    found: list[Block] = []
    todo = list(reversed(seq))
    while todo:
        item = todo.pop()
        if isinstance(item, Block):
            found.append(item)
            todo.extend(reversed(item.body))
        elif isinstance(item, Fork):
            todo.extend(reversed([i for path in item.paths for i in path]))
    return found


def span(item: Item) -> tuple[int, int]:
    """The layer indices [first, last) an item covers."""
    if isinstance(item, Block):
        return item.first, item.last
    if isinstance(item, Fork):
        starts = [span(path[0])[0] for path in item.paths if path]
        return min(starts, default=item.index), item.index + 1
    return item.index, item.index + 1


def last_layer(item: Item) -> int:
    """The index of the layer whose output is the item's output."""
    return span(item)[1] - 1


class _Builder:
    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.graph: Graph = analysis.graph
        self.fork_of: dict[int, int] = {}
        self.first: dict[int, int] = {}  # a merge's first node (its first path's)
        self.paths: dict[int, list[tuple[int, int]]] = {}
        self.merges_at: dict[int, list[int]] = {}
        for m, node in enumerate(self.graph.nodes):
            if len(node.inputs) > 1:
                self._find_paths(m)
        self.scopes_at: dict[int, list[GroupReport]] = {}
        for group in analysis.groups:
            self.scopes_at.setdefault(group.first, []).append(group)
        self.used: set[str] = set()
        self.keys = 0

    def _pred(self, i: int) -> int:
        """The node before i on its path: a merge's fork, else its input."""
        return self.fork_of.get(i, self.graph.nodes[i].inputs[0])

    def _start(self, i: int) -> int:
        """The first node of the element that ends at node i."""
        return self.first.get(i, i)

    def _find_paths(self, m: int) -> None:
        inputs = self.graph.nodes[m].inputs
        cursors = list(inputs)
        starts: list[int | None] = [None] * len(inputs)  # None: the walk never stepped
        while len(set(cursors)) > 1:
            top = max(cursors)
            for t, c in enumerate(cursors):
                if c == top:
                    starts[t], cursors[t] = self._start(top), self._pred(top)
        fork = cursors[0]
        first = min((s for s in starts if s is not None), default=m)
        ranges = [(first, first) if s is None else (s, i + 1)
                  for s, i in zip(starts, inputs, strict=True)]
        if fork < first and self._tiles(ranges, first, m):
            self.fork_of[m], self.first[m] = fork, first
            self.paths[m] = ranges
            self.merges_at.setdefault(first, []).append(m)

    @staticmethod
    def _tiles(ranges: list[tuple[int, int]], first: int, m: int) -> bool:
        """Whether the paths cover the nodes from the first to the merge once each (a merge
        that is the first element of a path starts after nodes of the paths before it)."""
        at = first
        for lo, hi in sorted(r for r in ranges if r[0] < r[1]):
            if lo != at:
                return False
            at = hi
        return at == m

    def sequence(self, lo: int, hi: int) -> Seq:
        items: list[Item] = []
        i = lo
        while i < hi:
            scope = self._scope(i, hi)
            merge = max((m for m in self.merges_at.get(i, []) if m < hi), default=None)
            if scope is not None and (merge is None or scope.last >= merge + 1):
                self.used.add(scope.name)
                items.append(self._block(scope, scope.first, scope.last,
                                         self.sequence(scope.first, scope.last)))
                i = scope.last
            elif merge is not None:
                paths = tuple(self.sequence(a, b) for a, b in self.paths[merge])
                items.append(Fork(merge, paths))
                i = merge + 1
            else:
                items.append(Leaf(i))
                i += 1
        return tuple(items)

    def _scope(self, i: int, hi: int) -> GroupReport | None:
        """The outermost unused group that starts at node i and ends by hi."""
        fits = [g for g in self.scopes_at.get(i, []) if g.last <= hi and g.name not in self.used]
        return min(fits, key=lambda g: (-g.last, g.depth), default=None)

    def _block(self, group: GroupReport | None, first: int, last: int, body: Seq) -> Block:
        self.keys += 1
        return Block(self.keys, group, first, last, body)

    def segmented(self, seq: Seq) -> Seq:
        """`seq` with every sequence inside it (and itself) cut into segments when long."""
        seq = tuple(self._inner(item) for item in seq)
        while len(seq) > MAX_ITEMS:
            seq = tuple(self._block(None, span(part[0])[0], span(part[-1])[1], part)
                        for part in (seq[k:k + SEGMENT] for k in range(0, len(seq), SEGMENT)))
        return seq

    def _inner(self, item: Item) -> Item:
        if isinstance(item, Block):
            return Block(item.key, item.group, item.first, item.last, self.segmented(item.body))
        if isinstance(item, Fork):
            return Fork(item.index, tuple(self.segmented(p) for p in item.paths))
        return item
