"""Which layers store a new tensor, under the in-place convention (docs/language.md §8).

The kinds marked `inplace` (the activations, DROPOUT, DROPPATH) write into their input (CS231n's
VGG table counts no memory for them), the `view` kinds (FLATTEN, IDENTITY, CHUNK) reuse it —
unless writing in place would destroy a tensor that is still needed, as PyTorch's autograd would
refuse it:
- another layer still to run reads that tensor (a branch: `RES(RELU - CONV | IDENTITY)`), or
- a layer's backward pass keeps it (`keeps`): CONV, LOCAL, DECONV, FC, LRN, SCALE and MUL keep
  their input, ELU, SIGMOID, TANH and SOFTMAX their output (`TANH - DROPOUT` cannot drop in
  place); masks (RELU, RELU6, LEAKYRELU, HARDSIGMOID, DROPOUT) and private copies of the input
  (PRELU, SILU, HARDSWISH, GELU) do not block.
Then the layer stores its output after all, and says why. The memory column of the generated
kinds table states each kind's flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from archcalc.graph import INPUT, Graph


class Blocker(StrEnum):
    """Why an in-place kind stores its output after all."""

    read_later = "read later"  # a layer still to run reads its input
    kept = "kept"  # a layer's backward pass keeps its input


@dataclass(frozen=True, slots=True)
class Placement:
    """Whether a layer's output is a new tensor; for an in-place kind that could not write in
    place, why (`blocker`) and because of which layer (`by`)."""

    stored: bool
    blocker: Blocker | None = None
    by: str = ""


def placements(graph: Graph, count_inplace: bool = False) -> list[Placement]:
    """For every node: does its output take new memory, and why an in-place kind does.
    `count_inplace` stores the outputs of the in-place kinds, never those of views."""
    last_reader: dict[int, int] = {}
    for k, node in enumerate(graph.nodes):
        for j in node.inputs:
            last_reader[j] = max(last_reader.get(j, k), k)
    tensor = {INPUT: INPUT}  # node -> the node whose output memory it lives in
    read_until = {INPUT: last_reader.get(INPUT, -1)}  # memory -> last node reading it
    kept: dict[int, str] = {}  # memory -> the layer whose backward pass keeps it
    result = []
    for i, node in enumerate(graph.nodes):
        layer, memory = node.layer, tensor[node.inputs[0]]
        place = Placement(not layer.inplace or (count_inplace and not layer.view))
        if layer.inplace and not layer.view and not count_inplace:
            if memory in kept:
                place = Placement(True, Blocker.kept, kept[memory])
            elif read_until[memory] > i:
                place = Placement(True, Blocker.read_later, graph.nodes[read_until[memory]].name)
        stored = place.stored
        if stored:
            tensor[i], read_until[i] = i, last_reader.get(i, -1)
        else:
            tensor[i] = memory
            read_until[memory] = max(read_until[memory], last_reader.get(i, -1))
        for j in node.inputs if layer.keeps == "input" else ():
            kept.setdefault(tensor[j], node.name)
        if layer.keeps == "output":
            kept.setdefault(tensor[i], node.name)
        result.append(place)
    return result
