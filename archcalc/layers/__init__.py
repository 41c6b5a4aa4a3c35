"""Layer kinds: one module per family, each kind one frozen dataclass (fields = arguments,
methods = static rules). Importing this package registers every kind."""

# Registration order is the order of the reference table: by family.
from archcalc.layers import conv, pool, dense, activation, norm, channels, merge  # noqa: F401, I001
from archcalc.layers.base import Figure, Layer, Output, Shape
from archcalc.layers.registry import REGISTRY, graph_kinds, lookup, names_of, suggest

__all__ = ["REGISTRY", "Figure", "Layer", "Output", "Shape", "graph_kinds", "lookup", "names_of",
           "suggest"]
