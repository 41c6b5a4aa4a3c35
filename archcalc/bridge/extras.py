"""Importing an optional extra, or an ArchError that names the extra to install (exit 2)."""

from __future__ import annotations

import importlib
from types import ModuleType

from archcalc.errors import ArchError

EXTRAS = {"torch": "torch", "onnx": "onnx", "onnxruntime": "onnx"}


def require(module: str) -> ModuleType:
    """`module` imported, or an ArchError saying which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS.get(module.split(".")[0], module)
        raise ArchError(f"this needs {module.split('.')[0]}, which is not installed", None,
                        f"install the extra: pip install 'archcalc[{extra}]'") from None
