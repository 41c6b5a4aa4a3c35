"""What a run produces: its options, and per node what was computed and kept, measured from
the arrays ("kept" as docs/executor.md defines it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .gemm import GemmRecord
from .init import Init

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Options:
    batch: int = 1
    seed: int = 0
    init: Init = Init.HE
    std: float = 0.01
    dtype: str = "float32"
    inplace: bool = True  # run the in-place kinds in place where it is safe


@dataclass(frozen=True)
class Blocked:
    """Why an in-place kind allocated after all: `by` keeps its input's buffer for its
    backward pass (`kept`), or reads that buffer later."""

    by: str
    kept: bool


@dataclass
class NodeTrace:
    """What one node did, measured from the arrays (per batch unless said otherwise)."""

    name: str
    kind: str
    output: Shape = ()  # per image (the batch axis removed)
    weights: dict[str, Shape] = field(default_factory=dict)  # parameter arrays' shapes
    params: int = 0  # Σ parameter array sizes
    buffers: int = 0  # Σ state array sizes (BN's running statistics)
    macs_forward: int = 0  # multiply-adds gemm issued in the forward pass
    macs_backward: int = 0
    kept_bytes: int = 0  # new storage this node's output occupies (0: shares `lives_in`)
    lives_in: str = ""  # the node (or "input") whose storage holds this output, if not its own
    blocked: Blocked | None = None  # why an in-place kind had to allocate
    workspace_bytes: int = 0  # cache arrays that are not node outputs or weights
    grads_ok: bool = True  # every parameter gradient has its parameter's shape and dtype
    seconds_forward: float = 0.0
    seconds_backward: float = 0.0


@dataclass
class Trace:
    network: str
    batch: int
    dtype: str
    input_bytes: int
    nodes: list[NodeTrace]
    records: list[GemmRecord]  # every gemm call, labelled "<node>/<kind>.<pass>"
    loss: str  # "softmax cross-entropy" or "Σ output·R"
    loss_value: float
    seconds: float


class ExecutionError(Exception):
    """A kernel refused a node the analyzer accepted (or failed): a disagreement to report."""

    def __init__(self, node: str, stage: str, cause: Exception) -> None:
        super().__init__(f"the executor could not run {node} ({stage}): {cause}")
        self.node = node
