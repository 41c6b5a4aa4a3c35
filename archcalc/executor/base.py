"""Shared type aliases of the executor and the weight-key check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]
HW = tuple[int, int]  # a per-axis pair (height, width)
Padding = tuple[HW, HW]  # ((top, bottom), (left, right))
Weights = Mapping[str, Array]
Grads = dict[str, Array]

NO_PADDING: Padding = ((0, 0), (0, 0))


def spatial(shape: tuple[int, ...]) -> HW:
    """(H, W) of an (N, H, W, C) shape."""
    return shape[1], shape[2]


def check_keys(weights: Weights, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    """Raise ValueError unless `weights` holds every required key and no unknown one."""
    required, allowed = set(required), set(required) | set(optional)
    missing, unknown = required - weights.keys(), weights.keys() - allowed
    if missing or unknown:
        raise ValueError(f"weights: missing {sorted(missing)}, unexpected {sorted(unknown)}")


@dataclass(frozen=True)
class MaskCache:
    """What a masking kind's backward needs: the multiplier of dout (RELU's x > 0 as bools,
    LEAKYRELU's 1 or alpha, DROPOUT's 0 or 1/(1 − p), …)."""

    mask: Array


def masked_backward(dout: Array, cache: MaskCache) -> Array:
    """dx = dout·mask: the backward of RELU, RELU6, LEAKYRELU, DROPOUT and DROPPATH."""
    dx: Array = dout * cache.mask
    return dx
