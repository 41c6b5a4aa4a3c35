"""Runs of identical items as repeats, and the unlabeled groups dissolved first: consecutive
identical unlabeled items of a chain fold into `X*N` (`bottleneck(64)*2`,
`(CONV(64, f=3, p=1) - RELU)*2`); a labeled item never repeats, since its label would then be
taken twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from archcalc.bridge.import_blocks import Call, worth
from archcalc.bridge.import_groups import Group
from archcalc.bridge.import_tree import Item, Layer, Merge


@dataclass
class Repeat:
    """A run of identical units; the first is written, all are expanded."""

    copies: list[list[Item]]
    label: str | None = None  # a repeat is never labeled: its unit would take it twice

    def ops(self) -> list[int | None]:
        return [op for unit in self.copies for item in unit for op in item.ops()]


def fold(items: list[Item], text: Callable[[Item], str], brackets: bool = True) -> list[Item]:
    """Unlabeled groups (a Sequential's numbered children) dissolved into the chain — kept in
    brackets, transparent to names, where they stand for a module of a few layers directly in
    a labeled chain (`brackets`) — then runs of identical unlabeled items as repeats;
    recursively inside groups and merge paths. A label that several dissolved siblings carry
    (each MobileNet block's `block`) names nothing any more and is dropped."""
    _drop_shared_labels(items)
    flat: list[Item] = []
    for item in items:
        if isinstance(item, Group):
            kept = item.label is None and brackets and len(item.items) > 1 and worth(item)
            item.items = fold(item.items, text, item.label is not None or (brackets and not kept))
            if item.label is None and not kept:
                flat.extend(item.items)
                continue
        elif isinstance(item, Merge):
            item.paths = [fold(p, text, False) for p in item.paths]
        flat.append(item)
    return _runs(flat, text)


def _drop_shared_labels(items: list[Item]) -> None:
    """Drop the labels that items from two or more dissolving groups share (until none):
    they would name nothing once the groups are gone."""
    while True:
        found: list[tuple[Layer | Group | Call, int | None]] = []
        _scope_labels(items, None, found)
        owners: dict[str, set[int | None]] = defaultdict(set)
        for item, owner in found:
            owners[item.label or ""].add(owner)
        shared = [i for i, owner in found if owner is not None and len(owners[i.label or ""]) > 1]
        if not shared:
            return
        for item in shared:
            item.label = None


def _scope_labels(items: list[Item], owner: int | None,
                  out: list[tuple[Layer | Group | Call, int | None]]) -> None:
    """Labeled items of one scope, with the unlabeled group each comes from (None: none)."""
    for item in items:
        if isinstance(item, Group) and item.label is None:
            _scope_labels(item.items, id(item), out)
        elif isinstance(item, Merge):
            for path in item.paths:
                _scope_labels(path, owner, out)
        elif isinstance(item, Layer | Group | Call) and item.label is not None:
            out.append((item, owner))


def _runs(items: list[Item], text: Callable[[Item], str]) -> list[Item]:
    """The longest run of a repeated unit at each position (the shortest unit on ties)."""
    texts = [text(i) for i in items]
    out: list[Item] = []
    i = 0
    while i < len(items):
        best = (1, 1)
        for p in range(1, (len(items) - i) // 2 + 1):
            if any(labeled(x) for x in items[i:i + p]):
                break
            n = 1
            while texts[i + n * p:i + (n + 1) * p] == texts[i:i + p]:
                n += 1
            if n >= 2 and p * n > best[0] * best[1]:
                best = (p, n)
        p, n = best
        out.append(Repeat([items[i + k * p:i + (k + 1) * p] for k in range(n)]) if n > 1
                   else items[i])
        i += p * n
    return out


def labeled(item: Item) -> bool:
    """Whether the item puts a label in the enclosing scope (a repeat would duplicate it)."""
    if isinstance(item, Group) and item.label is None:
        return any(labeled(i) for i in item.items)
    if isinstance(item, Layer | Group | Call):
        return item.label is not None
    if isinstance(item, Merge):
        return any(labeled(i) for path in item.paths for i in path)
    return isinstance(item, Repeat) and any(labeled(i) for i in item.copies[0])
