"""ONNX's data movement as the torch importer reads it: Concat, Split and channel Slices (as
CHUNKs), Reshape, Flatten, Squeeze and Unsqueeze (by their shapes), Transpose (the pair around
channels-last layers, a channel shuffle's middle step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.bridge import torch_import_functions as fn
from archcalc.bridge import torch_import_shapes as shapes
from archcalc.bridge.onnx_import import Node
from archcalc.bridge.torch_import_modules import refuse
from archcalc.bridge.torch_import_values import Event, Piece, Val

if TYPE_CHECKING:
    from archcalc.bridge.onnx_import_ops import OnnxConverter


def concat(c: OnnxConverter, n: Node) -> Val:
    return fn.f_cat(c, c.node_event(n, [c.x(n, i) for i in range(len(n.inputs))],
                                    n.attrs.get("axis", 1)))


def reshape(c: OnnxConverter, n: Node) -> Val:
    return shapes.f_reshape(c, c.node_event(n, c.x(n)))


def transpose(c: OnnxConverter, n: Node) -> Val:
    perm = tuple(n.attrs.get("perm", ()))
    if len(perm) in (3, 5) and perm[:3] == (0, 2, 1):
        return shapes.f_transpose(c, c.node_event(n, c.x(n), 1, 2))
    return shapes.f_permute(c, c.node_event(n, c.x(n), perm))


def split(c: OnnxConverter, n: Node) -> tuple[Piece, ...]:
    from archcalc.bridge.torch_import_ops import chunk_pieces

    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    sizes = c.const(n, 1)
    sizes = list(sizes) if sizes is not None else n.attrs.get("split", [])
    if sizes and len(set(sizes)) != 1:
        raise refuse(ev, f"a split into {sizes}: archcalc's CHUNK takes equal channel groups")
    return chunk_pieces(x, len(sizes) or len(n.outputs), n.attrs.get("axis", 0), ev)


def channel_slice(c: OnnxConverter, n: Node) -> Piece:
    """A Slice of one equal group of channels: a CHUNK."""
    ev = c.node_event(n)
    x = c.read(c.x(n), ev)
    starts, ends, axes, steps = (c.const(n, i) for i in (1, 2, 3, 4))
    axes = [0] if axes is None else list(axes)
    if (starts is None or ends is None or len(axes) != 1 or x.layout not in ("nchw", "vec")
            or (steps is not None and list(steps) != [1])):
        raise refuse(ev, "a Slice other than one equal group of channels has no archcalc kind")
    keys = [slice(None)] * len(x.shape)
    keys[int(axes[0]) % len(x.shape)] = slice(int(starts[0]), int(min(ends[0], 2**62)))
    event = Event("onnx", "Slice", (x, tuple(keys[:2])), {}, ev.out, ev.name, ev.scope, ev.label)
    piece: Piece = shapes.f_getitem(c, event)
    return piece
