"""Module scopes as labeled groups: the items a module's forward produced become one group,
labeled with the module's attribute name (`layer1: (…)`, `downsample: (…)`); a layer made by
a module is labeled with its name (`conv1: CONV(…)`). Names are sanitized to .arch names; the
numbered children of a Sequential (`features.0`) stay unlabeled, since a label cannot be a
number: their layers take the running names of the enclosing scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

from archcalc.bridge.import_tree import Item, Layer, Merge
from archcalc.bridge.ir import Net, Scope

KEYWORDS = ("network", "input", "param", "defaults", "block", "expect")


@dataclass
class Group:
    """The items one module call produced: `path` is the module's path, `cls` its class."""

    path: str
    cls: str
    label: str | None
    items: list[Item]

    def ops(self) -> list[int | None]:
        return [op for item in self.items for op in item.ops()]


def label_of(name: str) -> str | None:
    """The last component of a module path as an .arch label: None for a number (a
    Sequential's child), invalid characters as `_`, a keyword with `_` after it."""
    last = name.rsplit(".", 1)[-1]
    if not last or last.isdigit():
        return None
    text = re.sub(r"[^A-Za-z0-9_]", "_", last)
    if text[0].isdigit():
        text = "_" + text
    return text + "_" if text.lower() in KEYWORDS else text


def group_items(net: Net, items: list[Item]) -> list[Item]:
    """The chain with a Group for every run of items made inside one module."""
    return Grouper(net).group(items, 0)


class Grouper:
    def __init__(self, net: Net) -> None:
        self.net = net

    def group(self, items: list[Item], depth: int) -> list[Item]:
        out: list[Item] = []
        i = 0
        while i < len(items):
            scope = self.scope(items[i])
            if len(scope) <= depth:
                out.append(self.inside(items[i], depth))
                i += 1
                continue
            j, here = i + 1, scope[depth:depth + 1]
            while j < len(items) and self.scope(items[j])[depth:depth + 1] == here:
                j += 1
            path, cls = scope[depth]
            out.append(Group(path, cls, label_of(path), self.group(items[i:j], depth + 1)))
            i = j
        return unique_labels(out)

    def inside(self, item: Item, depth: int) -> Item:
        """A merge's paths grouped; a module's layer labeled with its name."""
        if isinstance(item, Merge):
            item.paths = [self.group(path, depth) for path in item.paths]
        elif isinstance(item, Layer) and item.op is not None:
            label = self.net.ops[item.op].label
            item.label = label_of(label) if label is not None else None
        return item

    def scope(self, item: Item) -> Scope:
        """The modules every op of the item was made in (the longest common prefix)."""
        scopes = [self.net.ops[op].scope for op in item.ops() if op is not None]
        if isinstance(item, Merge):  # its own op decides: the paths are inside it
            return self.net.ops[item.op].scope
        first = scopes[0] if scopes else ()
        n = 0
        while n < len(first) and all(len(s) > n and s[n] == first[n] for s in scopes):
            n += 1
        return first[:n]


def unique_labels(items: list[Item]) -> list[Item]:
    """A module called again in the same chain: its group is labeled `name_2`, `name_3`."""
    seen: dict[str, int] = {}
    for item in items:
        if isinstance(item, Group) and item.label is not None:
            seen[item.label] = seen.get(item.label, 0) + 1
            if seen[item.label] > 1:
                item.label = f"{item.label}_{seen[item.label]}"
    return items
