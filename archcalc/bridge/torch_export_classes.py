"""One generated nn.Module class: its constructor (a submodule per layer, named as in .arch) and
its forward() (chains as `x = self.conv1(x)`, merges as `+`, `*`, `torch.cat` and
`x.chunk(n, dim=1)`). Scopes inside it become submodules: a block call an instance of its
block's class, a labeled group or repeat an nn.Sequential when it is a plain chain, else a class
of its own (torch_export.py writes the classes and dedupes them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archcalc import ast
from archcalc.bridge.export_geometry import Shapes
from archcalc.bridge.export_symbols import (
    Sym,
    checked,
    floordiv,
    identifier,
    lit,
    names_in,
    plus,
    translate,
)
from archcalc.bridge.export_tree import Item, Join, Scope, Step
from archcalc.bridge.torch_export_modules import MODULES, Built
from archcalc.errors import ArchError
from archcalc.graph import INPUT

Lines = list[str]
# the writer: (class body, scope, its input channels) → (constructor lines, output channels)
ModuleOf = Callable[["ClassBody", Scope, Sym], tuple[Lines, Sym]]


@dataclass
class ClassBody:
    """The inside of one class: `path` is its .arch scope ("" at the top), `names` maps .arch
    names to Python ones (a block's arguments, the file's params) and `env` gives the Python
    names their values for this call, for checking expressions."""

    shapes: Shapes
    path: str
    names: Mapping[str, str]
    env: dict[str, Any]
    module_of: ModuleOf
    attrs: list[tuple[str, Lines]] = field(default_factory=list)
    lines: Lines = field(default_factory=list)
    helpers: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)  # Python names the checked expressions use
    counter: int = 0

    def check(self, candidate: Sym | None, value: Any) -> Sym:
        """`candidate` if it gives `value` for this call (else the literal), recorded."""
        sym = checked(candidate, value, self.env)
        self.used |= names_in(sym)
        return sym

    # ---- names -------------------------------------------------------------------------

    def attribute(self, full: str) -> str:
        """The submodule name of .arch name `full` in this class: the part after the path."""
        prefix = f"{self.path}." if self.path else ""
        if not full.startswith(prefix) or "." in full[len(prefix):]:
            raise ArchError(f"{full}: the exporter cannot place this layer in {self.path!r}",
                            None, "this is a bug in archcalc's exporter: please report it")
        return attribute_name(full[len(prefix):])

    def fresh(self) -> str:
        self.counter += 1
        return f"branch{self.counter}"

    # ---- layers ------------------------------------------------------------------------

    def built(self, step: Step, c: Sym) -> Built:
        """The module of a layer node, its fields checked against this call's values."""
        node = self.shapes.graph.nodes[step.index]
        x, y = self.shapes.ins(step.index)[0], self.shapes.out(step.index)
        written = _written(step.call, node.layer)

        def field_of(key: str, integer: bool = True) -> Sym:
            expr = written.get(key)
            candidate = None if expr is None else translate(expr, self.names, integer)
            return self.check(candidate, getattr(node.layer, key))

        try:
            made = MODULES[node.layer.kind](node, x, y, field_of, self.check(c, x[-1]))
        except KeyError:
            raise ArchError(f"{node.name}: PyTorch has no module for "
                            f"{node.layer.kind.upper()}", node.span,
                            "the exporter maps every kind; this one is new") from None
        self.helpers.update(made.helpers)
        return made

    def channels(self, i: int) -> int:
        return self.shapes.out(i)[-1]

    # ---- forward -----------------------------------------------------------------------

    def chain(self, items: list[Item], var: str, c: Sym, into: str | None = None
              ) -> tuple[str, Sym]:
        """Statements applying `items` to `var`; returns the expression of the result (a
        variable, or `var` itself when nothing ran) and its channels. Results go to `into`
        (a fresh variable when None and `var` must survive)."""
        target = into or var
        current = var
        for item in items:
            expr, c = self.expression(item, current, c)
            if expr != current:
                self.lines.append(f"{target} = {expr}")
                current = target
        return current, c

    def expression(self, item: Item, var: str, c: Sym) -> tuple[str, Sym]:
        if isinstance(item, Step):
            made = self.built(item, c)
            node = self.shapes.graph.nodes[item.index]
            module = ""
            if made.ctor is not None:
                attr = self.attribute(node.name)
                self.attrs.append((attr, [made.ctor]))
                module = access(attr)
            return made.call.format(m=module, x=var), made.channels
        if isinstance(item, Scope):
            attr = self.attribute(item.path)
            lines, out = self.module_of(self, item, self.check(c, self.channels_in(item.first)))
            self.attrs.append((attr, lines))
            return f"{access(attr)}({var})", self.check(out, self.channels(item.last - 1))
        return self.join(item, var, c)

    def channels_in(self, first: int) -> int:
        j = self.shapes.graph.nodes[first].inputs[0]
        return self.shapes.graph.input[-1] if j == INPUT else self.channels(j)

    def join(self, join: Join, var: str, c: Sym) -> tuple[str, Sym]:
        node = self.shapes.graph.nodes[join.index]
        y = self.shapes.out(join.index)
        starts = [var] * len(join.paths)
        paths = join.paths
        if join.split:
            starts = [self.fresh() for _ in paths]
            self.lines.append(f"{', '.join(starts)} = {var}.chunk({len(paths)}, dim=1)")
            head = paths[0][0]
            assert isinstance(head, Step)
            c = self.check(floordiv(c, lit(len(paths))), self.channels(head.index))
            paths = [path[1:] for path in paths]
        ends: list[str] = []
        channels: list[Sym] = []
        for start, path in zip(starts, paths, strict=True):
            single = len(path) == 1 and not isinstance(path[0], Join)
            into = None if start != var or single or not path else self.fresh()
            expr, ch = self.chain(path, start, c, into) if not single else \
                self.expression(path[0], start, c)
            ends.append(expr)
            channels.append(ch)
        sources = [self.shapes.out(j) for j in node.inputs]
        ends = [f"{e}[:, :, None, None]" if len(s) == 1 and len(y) == 3 else e
                for e, s in zip(ends, sources, strict=True)]
        kind = node.layer.kind
        if kind == "concat":
            return f"torch.cat([{', '.join(ends)}], 1)", plus(channels)
        joined = (" + " if kind == "add" else " * ").join(ends)
        if kind not in ("add", "mul"):
            raise ArchError(f"{node.name}: PyTorch has no form for the merge {kind.upper()}",
                            node.span, "the exporter writes ADD, MUL and CONCAT")
        wide = [ch for ch, s in zip(channels, sources, strict=True) if s[-1] == y[-1]]
        return joined, wide[0]


def _written(call: ast.Call | None, layer: Any) -> dict[str, ast.Expr]:
    """The arguments a call wrote, by field name (positionals bind in field order)."""
    if call is None:
        return {}
    order = [f.name for f in dataclasses.fields(layer)]
    return {a.key if a.key is not None else order[i]: a.value for i, a in enumerate(call.args)}


def attribute_name(part: str) -> str:
    """A submodule name: the .arch name, with a trailing underscore where it is a Python
    keyword or an nn.Module attribute (`train`, `forward`…)."""
    return identifier(part, MODULE_ATTRIBUTES)


def access(attr: str) -> str:
    """The submodule in forward(): `self.conv1`, or `getattr(self, "1")` for the digits of a
    repeat's iterations."""
    return f"self.{attr}" if attr.isidentifier() else f'getattr(self, "{attr}")'


MODULE_ATTRIBUTES = frozenset(
    {"T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init",
     "children", "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr",
     "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule",
     "half", "ipu", "load_state_dict", "modules", "mtia", "named_buffers", "named_children",
     "named_modules", "named_parameters", "parameters", "register_buffer",
     "register_forward_hook", "register_forward_pre_hook", "register_module",
     "register_parameter", "requires_grad_", "set_extra_state", "share_memory", "state_dict",
     "to", "to_empty", "train", "training", "type", "xpu", "zero_grad"})


def symbol_names(formals: list[str], params: Mapping[str, Any]) -> dict[str, str]:
    """.arch names → Python names: a block's arguments shadow the file's params, as in .arch."""
    out = {p: identifier(p) for p in params}
    out.update({f: identifier(f) for f in formals})
    return out

