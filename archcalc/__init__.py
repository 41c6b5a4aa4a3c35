"""archcalc: exact, explained CNN layer arithmetic from a short text description.

    >>> import archcalc
    >>> a = archcalc.analyze("input 227x227x3\\nconv1: CONV(96, f=11, s=4)")
    >>> a["conv1"].output, a["conv1"].params
    ((55, 55, 96), 34944)

This module imports no NumPy, and the analyzer only when it is first used: the command
line starts fast.
"""

from __future__ import annotations

import gc
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os

    from archcalc.analyze import Analysis, LayerReport
    from archcalc.errors import ArchError, Source
    from archcalc.graph import Graph
    from archcalc.limits import Limits
    from archcalc.settings import Dtype, Optimizer, Settings
    from archcalc.values import Value

__version__ = "0.1.0"
__all__ = [
    "Analysis",
    "ArchError",
    "Dtype",
    "Graph",
    "LayerReport",
    "Limits",
    "Optimizer",
    "Settings",
    "__version__",
    "analyze",
    "build_graph",
]

# The API's classes, imported the first time they are asked for: `import archcalc` (and so
# `archcalc --help`) loads no analyzer, and the command that runs loads what it needs.
_HOMES = {"Analysis": "analyze", "LayerReport": "analyze", "ArchError": "errors",
          "Graph": "graph", "Limits": "limits", "Dtype": "settings", "Optimizer": "settings",
          "Settings": "settings"}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'archcalc' has no attribute {name!r}")
    value = getattr(import_module(f"archcalc.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """`archcalc.analyze` stays the function when the submodule archcalc/analyze.py is
    first imported (the import system sets a submodule as its package's attribute)."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (name == "analyze" and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a large description is built: the AST and the
    graph are acyclic, and collections of their many young objects cost ~40%."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_graph(source: str | os.PathLike[str] | Source,
                params: Mapping[str, Value] | None = None,
                optional: bool | Mapping[int, bool] = True,
                limits: Limits | None = None, input_shape: tuple[int, ...] | None = None
                ) -> Graph:
    """Parse and expand a description (text, a path, or a Source) into a layer graph;
    `input_shape` (H, W, C) or (N,) replaces the file's `input`; `limits` None: Limits()."""
    from archcalc import arguments
    from archcalc.errors import ArchError, Source
    from archcalc.expand import expand
    from archcalc.limits import Limits
    from archcalc.source import resolve
    from archcalc.syntax import parse

    limits = Limits() if limits is None else limits
    checked = arguments.source_text(source)
    src = checked if isinstance(checked, Source) else resolve(checked)
    if not isinstance(limits, Limits):
        raise ArchError(f"limits={limits!r} is not a Limits", None,
                        "archcalc.Limits(max_layers=..., max_depth=...)", arguments.HERE)
    values, shape = arguments.params(params), arguments.input_shape(input_shape)
    try:
        with paused_gc():
            return expand(parse(src, limits.max_depth, limits.max_layers), src, values, optional,
                          limits, shape)
    except RecursionError:
        raise ArchError("the description is nested too deeply to expand", None,
                        "reduce the nesting, or lower --max-depth", src) from None
    except ArchError as err:
        raise err.located(src) from None


def analyze(source: str | os.PathLike[str] | Source, /, *,
            params: Mapping[str, Value] | None = None, batch: int = 1,
            dtype: Dtype | str = "float32", optimizer: Optimizer | str = "sgd",
            strict: bool = False, optional: bool = True, count_inplace: bool = False,
            limits: Limits | None = None, input_shape: tuple[int, ...] | None = None,
            amp: bool = False, freeze: str | Sequence[str] = (), floor: bool = False,
            **overrides: Value) -> Analysis:
    """Analyze a network given as .arch text or a path; `N=4` overrides `param N`, and
    `input_shape=(160, 160, 3)` the file's input.

    Params may be given as keywords (`analyze(path, N=4)`) or, when a name collides
    with an option, in `params`.
    """
    from archcalc import arguments
    from archcalc.analyze import analyze_graph
    from archcalc.check import compile_expects
    from archcalc.errors import ArchError

    settings = arguments.settings(batch, dtype, optimizer, strict, count_inplace, amp, freeze,
                                  floor)
    graph = build_graph(source, {**arguments.params(params), **arguments.params(overrides)},
                        optional, limits, input_shape)
    try:
        with paused_gc():
            analysis = analyze_graph(graph, settings)
        compile_expects(analysis, names=False)  # names are judged by check: per -D values
    except ArchError as err:
        raise err.located(graph.source) from None
    return analysis
