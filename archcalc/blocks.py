"""Blocks: a definition with the defaults in effect where it is written, the binding of a
call's arguments to the block's formals, and counting the layers an element expands to without
expanding it (so that a repeat past --max-layers is refused before it is expanded)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from archcalc import ast
from archcalc.errors import ArchError
from archcalc.exprs import evaluate
from archcalc.names import Defaults
from archcalc.values import Value


@dataclass(frozen=True)
class BlockDef:
    block: ast.Block
    defaults: Defaults


def bind_arguments(block: ast.Block, call: ast.Call, env: Mapping[str, Value],
                   globals_: Mapping[str, Value]) -> dict[str, Value]:
    """The block's formals bound to the call's arguments, evaluated in the caller's `env`;
    a formal's default is evaluated with the file's params and the formals before it
    (`block b(c, d=c*2)`); naming a formal after it is an error, not a param of that name."""
    names = [f.name for f in block.formals]
    bound: dict[str, Value] = {}
    for position, a in enumerate(call.args):
        key = a.key if a.key is not None else (
            names[position] if position < len(names) else None)
        if key is None:
            raise ArchError(f"block {block.name} takes {len(names)} argument"
                            f"{'s' * (len(names) != 1)}", a.span,
                            block_usage(block))
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            raise ArchError(f"block {block.name} has no argument {key!r}", a.span,
                            (f"did you mean {close[0]}? " if close else "")
                            + block_usage(block))
        if key in bound:
            raise ArchError(f"argument {key!r} given twice", a.span,
                            block_usage(block))
        bound[key] = evaluate(a.value, env)
    for i, formal in enumerate(block.formals):
        if formal.name not in bound:
            if formal.default is None:
                raise ArchError(f"block {block.name} needs argument {formal.name!r}",
                                call.span, block_usage(block))
            _refuse_later(formal.default, names[i:], block)
            earlier = {name: bound[name] for name in names[:i]}
            bound[formal.name] = evaluate(formal.default, {**globals_, **earlier})
    return {name: bound[name] for name in names}


def _refuse_later(expr: ast.Expr, later: list[str], block: ast.Block) -> None:
    """A default may use the formals before it only: `block b(d=c*2, c=4)` is an error."""
    if isinstance(expr, ast.Ident) and expr.name in later:
        used = "itself" if expr.name == later[0] else \
            f"{expr.name!r}, an argument of {block.name} after it"
        raise ArchError(f"the default of {later[0]!r} uses {used}", expr.span,
                        "a default may use the file's params and the arguments before it")
    if isinstance(expr, ast.Neg):
        _refuse_later(expr.operand, later, block)
    elif isinstance(expr, ast.Chain):
        _refuse_later(expr.first, later, block)
        for _, term in expr.rest:
            _refuse_later(term, later, block)


def block_usage(block: ast.Block) -> str:
    parts = [f.name if f.default is None else f"{f.name}=…" for f in block.formals]
    return f"usage: {block.name}({', '.join(parts)})"


class LayerCount:
    """Counts the layers elements expand to, memoized per block call and arguments."""

    def __init__(self, blocks: Mapping[str, BlockDef], globals_: Mapping[str, Value],
                 present: Callable[[ast.Optional], bool], max_depth: int) -> None:
        self.blocks, self.globals, self.present = blocks, globals_, present
        self.max_depth = max_depth
        self.sizes: dict[tuple[object, ...], int] = {}

    def size(self, el: ast.Element, env: Mapping[str, Value],
             calling: frozenset[str] = frozenset(), depth: int = 0) -> int:
        """The layers `el` expands to, counted without expanding it; 0 where something
        cannot be counted (expanding it reports why), or nests too deeply to count."""
        def size(inner: ast.Element, scope: Mapping[str, Value] = env) -> int:
            return self.size(inner, scope, calling, depth + 1)

        if depth > self.max_depth:
            return 0
        if isinstance(el, ast.Labeled | ast.Optional):
            present = not isinstance(el, ast.Optional) or self.present(el)
            return size(el.body) if present else 0
        if isinstance(el, ast.Group | ast.Merge):
            paths = (el.elements,) if isinstance(el, ast.Group) else el.paths
            return isinstance(el, ast.Merge) + sum(size(e) for path in paths for e in path)
        if isinstance(el, ast.Repeat):
            try:
                count = evaluate(el.count, env)
            except ArchError:
                return 0
            return count * size(el.body) if type(count) is int and count > 0 else 0
        if el.name not in self.blocks or el.name in calling:
            return int(el.name not in self.blocks)
        block = self.blocks[el.name].block
        try:
            bound = bind_arguments(block, el, env, self.globals)
        except ArchError:
            return 0
        key = (el.name, *((k, type(v), v) for k, v in bound.items()))
        if key not in self.sizes:
            inner = {**self.globals, **bound}
            self.sizes[key] = sum(self.size(e, inner, calling | {el.name}, depth + 1)
                                  for e in block.body)
        return self.sizes[key]
