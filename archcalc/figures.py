"""The counted figures of a layer, a group or the whole network, and the one list of the names
every rendering, `expect` line, `--sort` and `--where` uses for them and the other columns.

Adding a figure is a field of `Figures` and a member of `Column` (with its header): the JSON and
CSV writers, the tables, the checks and the sweep take their columns from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum


class Column(StrEnum):
    """A figure or column, by the name `expect`, `--sort`, `--where` and JSON use."""

    name = "name"
    kind = "kind"
    layer = "layer"
    inputs = "inputs"
    output = "output"  # written `shape` in expect lines
    kernel = "kernel"  # the main weight array's shape, PyTorch's layout
    params = "params"
    weights = "weights"  # params without biases: the slides' "not counting biases"
    buffers = "buffers"
    macs = "macs"
    flops = "flops"
    activations = "activations"
    in_place = "in_place"
    memory = "memory"  # a layer's stored bytes; the total is the forward memory
    memory_input = "memory_input"  # the parts of training memory (archcalc/memory.py)
    memory_backward = "memory_backward"  # the slides' "×2 for backward"
    memory_params = "memory_params"
    memory_gradients = "memory_gradients"
    memory_optimizer = "memory_optimizer"
    memory_buffers = "memory_buffers"
    memory_training = "memory_training"
    trainable = "trainable"  # params not frozen
    rf = "rf"
    fits = "fits"
    frozen = "frozen"  # does not train (--freeze)
    note = "note"
    layers = "layers"  # a sweep's layer count
    valid = "valid"  # a sweep configuration that builds

    @property
    def header(self) -> str:
        """The header of a table column."""
        return HEADERS.get(self, self.value)

    @property
    def key(self) -> str:
        """The key in JSON objects and CSV headers."""
        return KEYS.get(self, self.value)

    @property
    def unit(self) -> str:
        """How `expect` and `--where` read a value for it: bytes or a count."""
        return "bytes" if self.value.startswith("memory") else "count"


HEADERS = {Column.macs: "MACs", Column.flops: "FLOPs", Column.activations: "act.",
          Column.output: "output", Column.rf: "RF", Column.in_place: "in place",
          Column.memory_training: "training"}
KEYS = {Column.memory: "memory_bytes", Column.memory_training: "memory_training_bytes",
        Column.rf: "rf"}
MEMORY = (Column.memory_input, Column.memory, Column.memory_backward, Column.memory_params,
          Column.memory_gradients, Column.memory_optimizer, Column.memory_buffers,
          Column.memory_training)  # the totals' memory parts, in the order they add up


@dataclass(frozen=True, slots=True)
class Figures:
    """Exact counts per image: learned params (and those without biases), buffers,
    multiply-accumulates, FLOPs, output elements, and bytes of memory (at the batch and
    dtype). Layer, group and total reports are Figures; groups and totals are sums."""

    params: int = 0
    weights: int = 0
    buffers: int = 0
    macs: int = 0
    flops: int = 0
    activations: int = 0
    memory: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(self[c] + other[c] for c in COUNTS))

    def __getitem__(self, column: Column) -> int:
        """The count of a figure column (`report[Column.macs]`)."""
        return int(getattr(self, column.value))

    def counts(self) -> Figures:
        """The figures alone (of a report that is more than its figures)."""
        return Figures(*(self[c] for c in COUNTS))


def total(items: Iterable[Figures]) -> Figures:
    """The sum of `items`, figure by figure (one pass per figure: linear and quick for a
    million layers)."""
    listed = list(items)
    return Figures(*(sum(getattr(item, c.value) for item in listed) for c in COUNTS))


COUNTS = tuple(Column(f.name) for f in fields(Figures))  # the figure columns, in field order
