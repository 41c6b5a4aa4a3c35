"""For users' test suites: pin a real PyTorch model to a .arch file.

    from archcalc.torch import assert_matches

    def test_model_matches_its_design():
        assert_matches(MyNet(), "models/mynet.arch")   # the input size from the .arch file

`assert_matches` runs the module once (eval mode, no gradients) on zeros of the .arch file's
input size (or `input_shape`, H×W×C), reads every layer's output shape and parameter count from
torch (archcalc.bridge.torch_import: torch's own shapes and `numel`s), and compares them with the
analysis of the .arch file, layer by layer. Compared are the layers that have parameters or
change the shape (a 1×1×C volume and a C vector are the same shape; FLATTEN and IDENTITY are
left out: views, which a description may or may not write; merges too: their shapes are their
paths'), in the order archcalc writes
networks (paths of a merge in order, the body of a residual before its shortcut), and the
totals of parameters and buffers (BN's running statistics). A difference raises AssertionError
with the first differing layers, archcalc's and torch's side by side, so that a drifted layer
reads at once."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Any

import archcalc
from archcalc.bridge.ir import INPUT, Net, Shape

VIEWS = ("flatten", "identity")  # and merges: their shape is their paths'
MERGES = ("add", "mul", "concat")


@dataclass(frozen=True)
class Row:
    """One compared layer: where it is, what it is, what it gives."""

    name: str
    kind: str
    shape: Shape
    params: int

    @property
    def key(self) -> tuple[Shape, int]:
        return _plain(self.shape), self.params

    def text(self) -> str:
        shape = "×".join(map(str, self.shape))
        return f"{self.name} {self.kind.upper()} {shape} {self.params:,} params"


def assert_matches(module: Any, arch: str | os.PathLike[str], input_shape: Shape | None = None,
                   limit: int = 5, **params: Any) -> None:
    """Raise AssertionError unless the module's layers have the shapes and parameter counts
    the .arch file describes (`params` override the file's `param`s, as `-D` does)."""
    from archcalc.bridge.arch_writer import write_arch
    from archcalc.bridge.torch_import import torch_net

    analysis = archcalc.analyze(arch, input_shape=input_shape, params=params)
    net = torch_net(module, input_shape or analysis.input)
    written = write_arch(net)
    ours = _described(analysis)
    theirs = _measured(net, written.order)
    problems = _totals(analysis, net) + _diff(ours, theirs, limit)
    if problems:
        where = os.fspath(arch) if not isinstance(arch, str) or "\n" not in arch else "the .arch"
        head = f"{type(module).__name__} does not match {where}:"
        raise AssertionError("\n".join([head, *problems]))


def _plain(shape: Shape) -> Shape:
    return shape[2:] if len(shape) == 3 and shape[:2] == (1, 1) else shape


def _described(analysis: Any) -> list[Row]:
    outputs = {"input": analysis.input} | {r.name: r.output for r in analysis.layers}
    return [Row(r.name, r.kind, r.output, r.params) for r in analysis.layers
            if _significant(r.kind, r.params, outputs[r.inputs[0]], r.output)]


def _measured(net: Net, order: tuple[int | None, ...]) -> list[Row]:
    rows = []
    for index in order:
        if index is None:
            continue
        op = net.ops[index]
        before = net.input if op.inputs[0] == INPUT else net.ops[op.inputs[0]].shape
        if op.shape is not None and before is not None and _significant(
                op.kind, op.params or 0, before, op.shape):
            rows.append(Row(op.name, op.kind, op.shape, op.params or 0))
    return rows


def _significant(kind: str, params: int, before: Shape, after: Shape) -> bool:
    if kind in VIEWS or kind in MERGES:
        return params > 0
    return params > 0 or _plain(before) != _plain(after)


def _totals(analysis: Any, net: Net) -> list[str]:
    out = []
    for what, ours, theirs in (
            ("params", analysis.totals.params, sum(op.params or 0 for op in net.ops)),
            ("buffers", analysis.totals.buffers, sum(op.buffers or 0 for op in net.ops))):
        if ours != theirs:
            out.append(f"  total {what}: .arch {ours:,}, torch {theirs:,}")
    return out


def _diff(ours: list[Row], theirs: list[Row], limit: int) -> list[str]:
    """The first `limit` layers that differ, aligned so that a missing or extra layer shows
    as one row, not as every row after it."""
    matcher = difflib.SequenceMatcher(a=[r.key for r in ours], b=[r.key for r in theirs],
                                      autojunk=False)
    rows: list[tuple[Row | None, Row | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            a, b = ours[i1:i2], theirs[j1:j2]
            rows += [(a[k] if k < len(a) else None, b[k] if k < len(b) else None)
                     for k in range(max(len(a), len(b)))]
    if not rows:
        return []
    verb = "layer differs" if len(rows) == 1 else "layers differ"
    lines = [f"  {len(rows)} {verb}{f' (the first {limit})' if len(rows) > limit else ''}:"]
    for arch_row, torch_row in rows[:limit]:
        lines.append(f"    .arch  {arch_row.text() if arch_row else '(no such layer)'}")
        lines.append(f"    torch  {torch_row.text() if torch_row else '(no such layer)'}")
    return lines
