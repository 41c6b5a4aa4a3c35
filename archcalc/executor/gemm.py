"""The one matrix product of the executor; it counts the multiply-adds it actually issues."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .base import Array


@dataclass(frozen=True)
class GemmRecord:
    """One call: `batch` independent (m×k)·(k×n) products, batch·m·n·k multiply-adds."""

    label: str
    batch: int
    m: int
    k: int
    n: int

    @property
    def macs(self) -> int:
        return self.batch * self.m * self.k * self.n


@dataclass
class MacCounter:
    """Mutable tally of the multiply-adds issued through `gemm`, with one record per call."""

    macs: int = 0
    records: list[GemmRecord] = field(default_factory=list)

    def add(self, record: GemmRecord) -> None:
        self.records.append(record)
        self.macs += record.macs

    def total(self, label_prefix: str = "") -> int:
        """Sum the MACs of the records whose label starts with `label_prefix`."""
        return sum(r.macs for r in self.records if r.label.startswith(label_prefix))


def gemm(a: Array, b: Array, counter: MacCounter, label: str = "") -> Array:
    """Return a @ b, batched over leading axes (NumPy broadcasting), counting batch·M·N·K.

    a: (..., M, K), b: (..., K, N) -> (..., M, N). A thin wrapper over np.matmul (BLAS).
    """
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"gemm: cannot multiply {a.shape} by {b.shape}")
    m, k = a.shape[-2:]
    n = b.shape[-1]
    batch = math.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    out: Array = np.matmul(a, b)
    counter.add(GemmRecord(label, int(batch), int(m), int(k), int(n)))
    return out
