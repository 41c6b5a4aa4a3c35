"""Layer kinds: one module per family, each kind one frozen dataclass (fields = arguments,
methods = static rules). Importing this package registers every kind."""

from archcalc.layers import activation, conv, dense, merge, norm, pool  # noqa: F401
from archcalc.layers.base import Figure, Layer, Output, Shape
from archcalc.layers.registry import REGISTRY, lookup, names_of, suggest

__all__ = ["REGISTRY", "Figure", "Layer", "Output", "Shape", "lookup", "names_of", "suggest"]
