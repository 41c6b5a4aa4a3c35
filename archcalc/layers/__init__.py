"""Layer kinds: one module per family, each kind one frozen dataclass (fields = arguments,
methods = static rules). Importing this package registers every kind."""

# Registration order is the order of the reference table: by family.
from archcalc.layers import conv, pool, dense, activation, norm, channels, merge  # noqa: F401, I001
from archcalc.layers.base import Counted, Layer, Output, Shape
from archcalc.layers.registry import REGISTRY, graph_kinds, lookup, names_of, suggest

__all__ = ["REGISTRY", "Counted", "Layer", "Output", "Shape", "graph_kinds", "lookup",
           "merge_names", "names_of", "suggest"]


def merge_names() -> list[str]:
    """The names (and aliases) of the merges, lower case, longest first: the grammar's MERGE
    terminal and the syntax-error hints take them from here."""
    names = [n.lower() for kind, cls in REGISTRY.items() if issubclass(cls, merge.Merge)
             for n in names_of(kind)]
    return sorted(names, key=lambda n: (-len(n), n))
