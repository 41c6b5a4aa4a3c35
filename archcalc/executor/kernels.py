"""KERNELS, complete: importing this module imports every family module, each of which
registers its kinds beside their forward/backward pairs (archcalc/executor/registry.py)."""

from . import (  # noqa: F401  (they register)
    activation,
    adaptive,
    channels,
    conv,
    deconv,
    dense,
    gated,
    layernorm,
    merge,
    norm,
    pool,
)
from .registry import KERNELS, Context, Kernel

__all__ = ["KERNELS", "Context", "Kernel"]
