"""Which storage buffer each node output lives in, who still reads it, and whose cache keeps
it: the runner writes an in-place kind into its input only when no one else needs that buffer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np

from archcalc.graph import INPUT, Graph

from .base import Array
from .trace import Blocked


def root(a: Array) -> Array:
    """The array that owns the memory `a` views."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def cache_arrays(cache: Any) -> Iterator[Array]:
    """The arrays a kernel's cache holds."""
    if is_dataclass(cache):
        for f in fields(cache):
            value = getattr(cache, f.name)
            if isinstance(value, np.ndarray):
                yield value


class Storage:
    """Tracks buffers during a forward pass, to decide when writing in place is safe."""

    def __init__(self, graph: Graph, x: Array) -> None:
        self.graph = graph
        self.readers: dict[int, list[int]] = {}
        for i, node in enumerate(graph.nodes):
            for j in node.inputs:
                self.readers.setdefault(j, []).append(i)
        self.owners: dict[int, list[int]] = {id(root(x)): [INPUT]}  # buffer -> producers
        self.kept: dict[int, str] = {}  # buffer -> the node whose cache holds it

    def name(self, j: int) -> str:
        return "the input" if j == INPUT else self.graph.nodes[j].name

    def blocker(self, i: int, x: Array) -> Blocked | None:
        """Why node i may not overwrite x's buffer (None if it may)."""
        buffer = id(root(x))
        if buffer in self.kept:
            return Blocked(self.kept[buffer], kept=True)
        for producer in self.owners.get(buffer, []):
            later = [k for k in self.readers.get(producer, []) if k > i]
            if later:
                return Blocked(self.graph.nodes[later[0]].name, kept=False)
        return None

    def record(self, i: int, out: Array, cache: Any) -> None:
        self.owners.setdefault(id(root(out)), []).append(i)
        for a in cache_arrays(cache):
            self.kept.setdefault(id(root(a)), self.graph.nodes[i].name)
