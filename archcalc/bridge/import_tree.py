"""An imported DAG as the language's structure: a chain of layers and merges of parallel paths.

The .arch language describes series-parallel networks: a chain, where a tensor used several
times forks into paths that meet again at one merge (ADD, MUL, CONCAT). `build_tree` finds, for
every fork, the merge where its paths meet (its immediate post-dominator) and the paths between
(the nodes that lead from the fork to each of the merge's inputs); a path that reads a tensor
from outside its fork, or two paths that share a node, make the graph inexpressible. The
merges take the language's forms: RES(body | shortcut) for a sum of two paths (the shortcut
left out when it is the input itself), SPLIT(p | q) when a concatenation's paths start with the
n equal channel groups of the fork, MUL and ADD otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from archcalc.bridge.ir import INPUT, MERGES, Net, op_error
from archcalc.errors import ArchError
from archcalc.graph import ancestors


class Item(Protocol):
    """A node of the written structure: Layer, Merge, Group (import_groups), Call
    (import_blocks), Repeat (import_fold); `label` names it in its scope (a Repeat: None)."""

    label: str | None

    def ops(self) -> list[int | None]: ...


@dataclass
class Layer:
    """One op; `op` None is an IDENTITY the writer adds for a path that is the fork itself."""

    op: int | None
    label: str | None = None

    def ops(self) -> list[int | None]:
        return [self.op]


@dataclass
class Merge:
    """A merge op and its paths, in the form written: `res`, `split`, `mul`, `add`, `concat`.
    SPLIT's paths leave out their heads (the chunk ops, in `heads`)."""

    op: int
    form: str
    paths: list[list[Item]]
    heads: list[int]
    label: str | None = None  # set only to settle a name (import_names)

    def ops(self) -> list[int | None]:
        """The ops in the order archcalc expands them: paths in order (SPLIT's head first on
        each), then the merge; None for an IDENTITY the writer adds."""
        out: list[int | None] = []
        for i, path in enumerate(self.paths):
            if self.heads:
                out.append(self.heads[i])
            for inner in path:
                out.extend(inner.ops())
        return [*out, self.op]


def build_tree(net: Net) -> list[Item]:
    """The network as a chain of items from the input to the output."""
    succ = successors(net)
    live = reaching(net, net.output)
    for i, op in enumerate(net.ops):
        if i not in live:
            raise op_error(op, "its result is never used",
                           "archcalc describes a network with one output; remove the unused "
                           "computation or return it")
    return Parser(net, succ).seq(INPUT, net.output, set(live) | {INPUT})


def successors(net: Net) -> dict[int, list[int]]:
    succ: dict[int, list[int]] = {i: [] for i in range(INPUT, len(net.ops))}
    for i, op in enumerate(net.ops):
        for j in dict.fromkeys(op.inputs):
            succ[j].append(i)
    return succ


def reaching(net: Net, sink: int) -> set[int]:
    """The ops whose results the sink uses (and the sink); the import's INPUT is the graph's."""
    return ancestors([sink], lambda i: net.ops[i].inputs)


def post_dominators(region: set[int], succ: dict[int, list[int]], sink: int) -> dict[int, int]:
    """The immediate post-dominator of every node of `region` towards `sink` (indices are
    topological, so a descending walk sees every successor first): the deepest common node
    of the successors' post-dominator chains."""
    parent, depth = {sink: sink}, {sink: 0}
    for v in sorted(region - {sink}, reverse=True):
        nexts = [s for s in succ[v] if s in region]
        meet = nexts[0]
        for s in nexts[1:]:
            meet = _common(meet, s, parent, depth)
        parent[v], depth[v] = meet, depth[meet] + 1
    return parent


def _common(a: int, b: int, parent: dict[int, int], depth: dict[int, int]) -> int:
    while a != b:
        if depth[a] >= depth[b]:
            a = parent[a]
        else:
            b = parent[b]
    return a


class Parser:
    def __init__(self, net: Net, succ: dict[int, list[int]]) -> None:
        self.net, self.succ = net, succ

    def seq(self, start: int, stop: int, region: set[int]) -> list[Item]:
        """The items after `start` up to and including `stop`, within `region`."""
        items: list[Item] = []
        pdom: dict[int, int] | None = None
        cur = start
        while cur != stop:
            nexts = [s for s in self.succ[cur] if s in region]
            if len(nexts) == 1 and self.net.ops[nexts[0]].kind not in MERGES:
                cur = nexts[0]
                items.append(Layer(cur))
                continue
            pdom = pdom or post_dominators(region, self.succ, stop)
            merge = pdom[cur]
            items.append(self.merge(cur, merge))
            cur = merge
        return items

    def merge(self, fork: int, merge: int) -> Merge:
        """The merge where the paths from `fork` meet, with each path parsed."""
        op = self.net.ops[merge]
        if op.kind not in MERGES:
            raise op_error(op, "internal: the paths of a fork meet at a layer that is not a merge")
        taken: set[int] = set()
        paths: list[list[Item]] = []
        for u in op.inputs:
            if u == fork:
                paths.append([])
                continue
            nodes = self.between(fork, u, merge)
            if nodes & taken:
                raise self.shared(merge, nodes & taken)
            taken |= nodes
            paths.append(self.seq(fork, u, nodes | {fork}))
        return shaped(self.net, fork, merge, paths)

    def between(self, fork: int, end: int, merge: int) -> set[int]:
        """The nodes on the paths from `fork` to `end` (not the fork); an error when `end`
        reads a tensor from before the fork."""
        seen, stack = {end}, [end]
        while stack:
            for j in self.net.ops[stack.pop()].inputs:
                if j == fork or j in seen:
                    continue
                if j < fork or j == INPUT:
                    raise self.outside(merge, j, fork)
                seen.add(j)
                stack.append(j)
        return seen

    def outside(self, merge: int, early: int, fork: int) -> ArchError:
        op, name = self.net.ops[merge], self.name(early)
        return op_error(op, f"a path into this merge reads {name}, from before the fork at "
                            f"{self.name(fork)}: the graph is not series-parallel",
                        "archcalc writes a network as a chain whose forks each meet again at "
                        "one merge (ADD, MUL, CONCAT); a skip connection across a fork has no "
                        ".arch form")

    def shared(self, merge: int, common: set[int]) -> ArchError:
        op = self.net.ops[merge]
        return op_error(op, f"two paths into this merge share {self.name(min(common))}: the "
                            "graph is not series-parallel",
                        "each path of a merge must be its own chain from the fork")

    def name(self, i: int) -> str:
        return "the network input" if i == INPUT else repr(self.net.ops[i].name)


def shaped(net: Net, fork: int, merge: int, paths: list[list[Item]]) -> Merge:
    """The written form of a merge: RES for two summed paths (the longer is the body),
    SPLIT for a concatenation of the fork's equal channel groups, else the merge itself;
    a path that is the fork itself becomes IDENTITY (RES leaves it out)."""
    kind = net.ops[merge].kind
    if kind == "add" and len(paths) == 2:
        body, shortcut = sorted(paths, key=size, reverse=True)
        return Merge(merge, "res", [body, shortcut] if shortcut else [body], [])
    heads = _split_heads(net, fork, paths)
    if kind == "concat" and heads:
        rest = [p[1:] or [Layer(None)] for p in paths]
        return Merge(merge, "split", rest, heads)
    if kind == "mul":  # the identity first, as squeeze-and-excitation is written
        paths = sorted(paths, key=lambda p: bool(p))
    return Merge(merge, kind, [p or [Layer(None)] for p in paths], [])


def _split_heads(net: Net, fork: int, paths: list[list[Item]]) -> list[int]:
    """The chunk ops starting the paths when they are CHUNK(1, n) … CHUNK(n, n) of the fork."""
    heads = []
    for i, path in enumerate(paths, 1):
        first = path[0] if path else None
        if not isinstance(first, Layer) or first.op is None:
            return []
        op = net.ops[first.op]
        if op.kind != "chunk" or op.inputs != (fork,) or op.args != {"i": i, "n": len(paths)}:
            return []
        heads.append(first.op)
    return heads


def size(path: list[Item]) -> int:
    """Layers on a path, merges counted with their paths."""
    return sum(1 + sum(size(p) for p in item.paths) if isinstance(item, Merge) else 1
               for item in path)

