"""The settings a figure depends on: batch, dtype, optimizer, strictness, in-place counting."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dtype(StrEnum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    float64 = "float64"

    @property
    def bytes(self) -> int:
        return _BYTES[self.value]


_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


class Optimizer(StrEnum):
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"

    @property
    def states(self) -> int:
        """Values kept per parameter: none for SGD, velocity, Adam's two moments."""
        return {"sgd": 0, "momentum": 1, "adam": 2}[self.value]


@dataclass(frozen=True)
class Settings:
    batch: int = 1
    dtype: Dtype = Dtype.float32
    optimizer: Optimizer = Optimizer.sgd
    strict: bool = False
    count_inplace: bool = False
    amp: bool = False  # mixed precision: activations at dtype, parameters float32 (memory.py)
    freeze: tuple[str, ...] = ()  # globs of layers or groups that do not train (memory.py)
    floor: bool = False  # accept a floored output size (PyTorch's) without marking it
