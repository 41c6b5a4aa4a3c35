"""KERNELS, complete: importing this module imports every family module, each of which
registers its kinds beside their forward/backward pairs (archcalc/executor/registry.py)."""

from . import activation, conv, dense, merge, norm, pool  # noqa: F401  (they register)
from .registry import KERNELS, Context, Kernel

__all__ = ["KERNELS", "Context", "Kernel"]
