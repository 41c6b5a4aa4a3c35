"""Settling the names of a written network before it is written: archcalc names an unlabeled
layer by its kind's prefix and a running number per scope that labeled layers advance too
(docs/language.md §6), and refuses a name used twice in a scope. Module names can meet those
running names (a module `relu2` and the second unlabeled RELU of the same scope), and a module
called twice would carry its label twice. This pass simulates archcalc's naming scope by
scope: a repeated label is dropped after its first use, a running name that meets a label
gets a label of its own (`relu_2`), and a repeat whose running name meets one is unfolded."""

from __future__ import annotations

from archcalc.bridge.import_blocks import Call, Template
from archcalc.bridge.import_fold import Repeat
from archcalc.bridge.import_groups import Group
from archcalc.bridge.import_tree import Item, Layer, Merge
from archcalc.bridge.ir import Net
from archcalc.layers import REGISTRY


def settle_names(net: Net, tree: list[Item], templates: list[Template]) -> list[Item]:
    """The tree with every name unique in its scope (labels added, dropped, repeats undone)."""
    for _ in range(100):  # each round labels or unfolds something, or ends
        unfold: set[int] = set()
        for items in scopes(tree, templates):
            Scope(net, unfold).run(items)
        if not unfold:
            return tree
        tree = _unfold(tree, unfold)
        for t in templates:
            t.body = _unfold(t.body, unfold)
    raise AssertionError("names did not settle")  # pragma: no cover - each round progresses


def scopes(tree: list[Item], templates: list[Template]) -> list[list[Item]]:
    """Every scope's chain: the file's, each labeled group's, each block body's."""
    out = [tree]
    for t in templates:
        out.append(t.body)
    k = 0
    while k < len(out):
        for item in _level(out[k]):
            if isinstance(item, Group) and item.label is not None:
                out.append(item.items)
        k += 1
    return out


def _level(items: list[Item]) -> list[Item]:
    """The items of one scope, in order: through merge paths and repeats, not into groups."""
    out: list[Item] = []
    for item in items:
        out.append(item)
        if isinstance(item, Group) and item.label is None:  # brackets: transparent
            out += _level(item.items)
        elif isinstance(item, Merge):
            for path in item.paths:
                out += _level(path)
        elif isinstance(item, Repeat):
            out += _level(item.copies[0])
    return out


class Scope:
    def __init__(self, net: Net, unfold: set[int]) -> None:
        self.net, self.unfold = net, unfold
        self.counters: dict[str, int] = {}
        self.labels: set[str] = set()

    def run(self, items: list[Item]) -> None:
        self.claim_labels(items)
        self.walk(items, None)

    def claim_labels(self, items: list[Item]) -> None:
        """Labels in order; a layer's repeated label is dropped, a group's or call's numbered."""
        for item in _level(items):
            label = item.label
            if label is None:
                continue
            if label in self.labels:
                if isinstance(item, Layer | Merge):
                    item.label = None
                    continue
                label = item.label = self.fresh(label)
            self.labels.add(label)

    def walk(self, items: list[Item], repeat: Repeat | None) -> None:
        for item in items:
            if isinstance(item, Repeat):
                for _ in item.copies:
                    self.walk(item.copies[0], item)
            elif isinstance(item, Merge):
                for path in item.paths:
                    if item.heads:
                        self.number(None, "chunk", repeat)
                    self.walk(path, repeat)
                self.number(item, item.form, repeat)
            elif isinstance(item, Layer):
                kind = "identity" if item.op is None else self.net.ops[item.op].kind
                self.number(item, REGISTRY[kind].prefix, repeat)
            elif isinstance(item, Call):
                self.number(item, item.template.name, repeat)
            elif isinstance(item, Group) and item.label is None:
                self.walk(item.items, repeat)

    def number(self, item: Item | None, prefix: str, repeat: Repeat | None) -> None:
        """The next running number of `prefix`; its name must not be a label here."""
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        auto = f"{prefix}{self.counters[prefix]}"
        if (item is not None and item.label is not None) or auto not in self.labels:
            return
        if repeat is not None:
            self.unfold.add(id(repeat))
        elif item is None:
            raise AssertionError(f"a SPLIT's head {auto!r} meets a label")
        else:
            item.label = self.fresh(f"{prefix}_{self.counters[prefix]}")
            self.labels.add(item.label)

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.labels:
            n += 1
            name = f"{base}_{n}"
        return name


def _unfold(items: list[Item], marked: set[int]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, Repeat) and id(item) in marked:
            out += [i for unit in item.copies for i in _unfold(unit, marked)]
            continue
        if isinstance(item, Group):
            item.items = _unfold(item.items, marked)
        elif isinstance(item, Merge):
            item.paths = [_unfold(p, marked) for p in item.paths]
        out.append(item)
    return out
