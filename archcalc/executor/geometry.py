"""Window hyperparameters of a layer resolved for one input size, by the executor's own rules.

The analyzer has its own copy of these rules (archcalc/layers/windows.py); the executor must
not call it (docs/executor.md, "Independence"), so the two are written independently and
`verify` compares them.
  - `p=same` as TensorFlow: total = max((⌈W/S⌉ − 1)·S + F' − W, 0), before = total // 2, the
    odd pixel at the end; `p=valid` is no padding.
  - `ceil=true` pools (Caffe, PyTorch's ceil_mode): out = ⌈(W + 2P − F)/S⌉ + 1, minus one when
    that last window would start past the input and its leading padding (PyTorch's rule);
    the rows the last window reads past the padding are the "overhang".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import HW, Padding


@dataclass(frozen=True)
class Geometry:
    """Kernel, stride, per-side padding, dilation and ceil overhang, per axis (h, w)."""

    kernel: HW
    stride: HW
    padding: Padding
    dilation: HW = (1, 1)
    overhang: HW = (0, 0)


def pair(value: Any) -> HW:
    """(h, w) of a `HW` field value (anything with `.h` and `.w`)."""
    return int(value.h), int(value.w)


def same_padding(size: int, span: int, stride: int) -> tuple[int, int]:
    """TensorFlow's `same`: ⌈W/S⌉ outputs; the padding's odd pixel goes at the end."""
    outputs = -(-size // stride)
    total = max((outputs - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def resolve_padding(p: Any, hw: HW, span: HW, stride: HW) -> Padding:
    """((top, bottom), (left, right)) for P, `same` or `valid`."""
    word = getattr(p, "text", None)
    if word == "valid":
        return (0, 0), (0, 0)
    if word == "same":
        return (same_padding(hw[0], span[0], stride[0]),
                same_padding(hw[1], span[1], stride[1]))
    h, w = pair(p)
    return (h, h), (w, w)


def ceil_overhang(size: int, kernel: int, stride: int, pad: tuple[int, int]) -> int:
    """Extra trailing rows a ceil-mode window needs beyond the padded input (0 if none)."""
    before, after = pad
    padded = size + before + after
    outputs = -(-(padded - kernel) // stride) + 1  # one window even when it is the larger
    if (outputs - 1) * stride >= size + before:  # PyTorch: the last window starts inside
        outputs -= 1
    return max((outputs - 1) * stride + kernel - padded, 0)


def padded_elements(layer: Any, x: tuple[int, ...]) -> int:
    """Elements per image of the padded copy of an H×W×C input (ceil overhang included) that
    CONV, LOCAL and the pools make: the memory guard's share for a huge padding."""
    g = windowed(layer, (x[0], x[1]))
    (top, bottom), (left, right) = g.padding
    return (x[0] + top + bottom + g.overhang[0]) * (x[1] + left + right + g.overhang[1]) * x[2]


def windowed(layer: Any, hw: HW) -> Geometry:
    """The geometry of CONV, LOCAL, MAXPOOL or AVGPOOL on an H×W input."""
    kernel = pair(layer.f)
    stride = pair(layer.s) if getattr(layer, "s", None) is not None else kernel  # pools: S = F
    dilation = pair(layer.d) if hasattr(layer, "d") else (1, 1)
    span = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
    padding = resolve_padding(layer.p, hw, span, stride)
    overhang = (0, 0)
    if getattr(layer, "ceil", False):
        overhang = (ceil_overhang(hw[0], kernel[0], stride[0], padding[0]),
                    ceil_overhang(hw[1], kernel[1], stride[1], padding[1]))
    return Geometry(kernel, stride, padding, dilation, overhang)
