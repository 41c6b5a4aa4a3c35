"""Training memory the way the slides and engineers count it, part by part.

CS231n's VGG-16 table counts the forward activations (input + every stored output, 15.2M
numbers × 4 B ≈ 61 MB per image) and says "×2 for the backward pass" (a gradient per
activation): `backward` is that doubled figure. Training adds the parameters, their gradients
(trainable ones only: frozen layers, as in transfer learning, get none) and the optimizer's
state per trainable parameter (momentum 1, Adam 2), and BN's buffers. Under mixed precision
(`amp`, as PyTorch's autocast trains) activations are stored at the dtype (float16/bfloat16)
while the parameters, gradients, optimizer state and buffers stay float32 master copies.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from fnmatch import fnmatchcase

from archcalc.errors import ArchError, Source
from archcalc.settings import Settings

FP32 = 4


@dataclass(frozen=True, slots=True)
class Memory:
    """Bytes at the batch (activations) or once (parameters and their companions)."""

    input: int
    forward: int
    backward: int
    params: int
    gradients: int
    optimizer: int
    buffers: int

    @property
    def training(self) -> int:
        return self.backward + self.params + self.gradients + self.optimizer + self.buffers


def memory(inputs: int, activations: int, params: int, trainable: int, buffers: int,
           settings: Settings) -> Memory:
    """The parts, from element counts per image (`activations` includes the input)."""
    per = settings.dtype.bytes * settings.batch
    weight = FP32 if settings.amp else settings.dtype.bytes
    forward = activations * per
    return Memory(input=inputs * per, forward=forward, backward=2 * forward,
                  params=params * weight, gradients=trainable * weight,
                  optimizer=trainable * settings.optimizer.states * weight,
                  buffers=buffers * weight)


def check_freeze(patterns: tuple[str, ...], layers: list[str], groups: list[str]) -> None:
    """Every --freeze pattern names some layer or group (a typo would freeze nothing)."""
    for pattern in patterns:
        if not any(frozen(name, (pattern,)) for name in layers):
            close = difflib.get_close_matches(pattern, layers + groups, n=1)
            raise ArchError(f"--freeze {pattern!r} matches no layer or group", None,
                            (f"did you mean {close[0]}? " if close else "") + "give a layer "
                            "or group name as the table prints it, or a glob like 'conv*'",
                            Source("<command line>", ""))


def frozen(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether a layer is frozen: a pattern (a glob, case-sensitive) matches its name or the
    name of a group it is in (a block call or labeled group: a prefix of its dotted name)."""
    if not patterns:
        return False
    parts = name.split(".")
    scopes = [".".join(parts[:k]) for k in range(1, len(parts) + 1)]
    return any(fnmatchcase(scope, p) for scope in scopes for p in patterns)
