"""Program → Graph: params, defaults, blocks, repeats, optionals and names, within limits.

Naming (docs/language.md, "Names"): a layer is named by its label, else by its kind's
prefix and a running number per prefix in its scope (`conv1`, `pool2`). A block call opens
a scope (`inception3a.conv1`, or `basic2.conv1` when unlabeled); a labeled repeat opens one
per iteration (`stage.1.conv1`); unlabeled groups, repeats and optionals are transparent.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath

from archcalc import ast
from archcalc.bind import Bound, build, convert
from archcalc.errors import ArchError, Source, Span, point_at, printable
from archcalc.exprs import evaluate
from archcalc.graph import INPUT, Graph, Node, Scope
from archcalc.layers import Layer, lookup, suggest
from archcalc.layers.base import MAX_COUNT
from archcalc.layers.merge import Merge
from archcalc.values import Value, described, show

Defaults = Mapping[str, Bound]  # layer kind -> field values set by `defaults`


@dataclass(frozen=True)
class Limits:
    """Bounds on what a file can make archcalc do."""

    max_layers: int = 1_000_000
    max_depth: int = 100


@dataclass
class Namespace:
    """Where names are made: a path prefix, running numbers, and the names taken."""

    path: str
    env: Mapping[str, Value]
    defaults: Defaults
    counters: dict[str, int] = field(default_factory=dict)
    taken: dict[str, Span] = field(default_factory=dict)

    def full(self, local: str) -> str:
        return f"{self.path}.{local}" if self.path else local

    def claim(self, local: str, span: Span, auto: bool = False) -> str:
        """Take `local` in this namespace, refusing a duplicate."""
        if local in self.taken:
            first = self.taken[local]
            where = f"line {first.line}, column {first.column}"
            if auto:
                raise ArchError(f"this layer's automatic name {self.full(local)!r} is taken",
                                span, f"a label at {where} already uses it (running numbers "
                                "count labeled layers too); label this layer or rename that one")
            raise ArchError(f"duplicate name {self.full(local)!r}", span,
                            f"first used at {where}; choose another label")
        self.taken[local] = span
        return self.full(local)

    def numbered(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def child(self, local: str, env: Mapping[str, Value] | None = None,
              defaults: Defaults | None = None) -> Namespace:
        return Namespace(self.full(local), self.env if env is None else env,
                         self.defaults if defaults is None else defaults)


@dataclass(frozen=True)
class BlockDef:
    block: ast.Block
    defaults: Defaults


def expand(program: ast.Program, source: Source, overrides: Mapping[str, Value] | None = None,
           optional: bool | Mapping[int, bool] = True, limits: Limits = Limits(),
           input_shape: tuple[int, ...] | None = None) -> Graph:
    """Expand `program` into a flat graph of named layers; `input_shape` replaces the file's
    input (the command line's --input)."""
    return Expander(program, source, dict(overrides or {}), optional, limits,
                    input_shape).run()


class Expander:
    def __init__(self, program: ast.Program, source: Source, overrides: dict[str, Value],
                 optional: bool | Mapping[int, bool], limits: Limits,
                 input_override: tuple[int, ...] | None = None) -> None:
        self.program = program
        self.input_override = input_override
        self.source = source
        self.overrides = overrides
        self.optional = optional
        self.limits = limits
        self.nodes: list[Node] = []
        self.scopes: list[Scope] = []
        self.optionals: dict[int, Span] = {}
        self.blocks: dict[str, BlockDef] = {}
        self.calls: list[str] = []  # the block calls being expanded, outermost first
        self.depth = 0
        self.steps = 0  # elements met while expanding, bounded like the layers
        self.sizes: dict[tuple[object, ...], int] = {}  # layers per block call, counted
        self.globals: dict[str, Value] = {}
        self.bound: dict[tuple[object, ...], tuple[Layer, frozenset[str]]] = {}

    # ---- the file ---------------------------------------------------------------------

    def run(self) -> Graph:
        statements = self.program.statements
        params = self.globals = self.params(statements)
        lines = self.collect(statements, params)
        top = Namespace("", params, {})
        x = INPUT
        for line, defaults in lines:
            top.defaults = defaults
            x = self.chain(line.elements, x, top)
        if not self.nodes:
            where = next((s.span for s in statements if isinstance(s, ast.Input)),
                         statements[-1].span if statements else None)
            raise ArchError("the network has no layers", where,
                            "add layers after the input, e.g. CONV(6, f=5) - RELU")
        shape = self.input_override or self.input_shape(statements)
        return Graph(self.network_name(statements), shape,
                     tuple(self.nodes),
                     tuple(sorted(self.scopes, key=lambda sc: (sc.first, sc.depth))),
                     tuple(s for s in statements if isinstance(s, ast.Expect)),
                     tuple(params.items()), tuple(self.optionals.values()), self.source,
                     tuple("defaults " + self.excerpt(s.span)
                           for s in statements if isinstance(s, ast.Defaults)))

    def excerpt(self, span: Span, limit: int = 200) -> str:
        """The text of `span` for a title: comments dropped, blanks collapsed, clipped."""
        text = self.source.text[span.start:min(span.end, span.start + limit)]
        text = " ".join(re.sub(r"#[^\n]*", "", text).split())
        return text + ("…" if span.end - span.start > limit else "")

    def params(self, statements: tuple[ast.Statement, ...]) -> dict[str, Value]:
        """Every `param`, in order, each seeing the ones before; -D values replace them."""
        env: dict[str, Value] = {}
        spans: dict[str, Span] = {}
        for st in statements:
            for assign in st.assigns if isinstance(st, ast.Param) else ():
                if assign.name in env:
                    first = spans[assign.name]
                    raise ArchError(f"param {assign.name!r} is declared twice", assign.span,
                                    f"first declared at line {first.line}; use -D "
                                    f"{assign.name}=... to change it from the command line")
                spans[assign.name] = assign.span
                env[assign.name] = (self.overrides[assign.name] if assign.name in
                                    self.overrides else evaluate(assign.value, env))
        unknown = sorted(set(self.overrides) - set(env))
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(env), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ArchError(f"-D {unknown[0]}: the file declares no param {unknown[0]!r}",
                            None, f"{hint}params: {', '.join(env) or 'none'}")
        return env

    def collect(self, statements: tuple[ast.Statement, ...], params: dict[str, Value]
                ) -> list[tuple[ast.Line, Defaults]]:
        """The layer lines with the defaults in effect at each; blocks with theirs."""
        defaults: Defaults = {}
        lines = []
        for st in statements:
            if isinstance(st, ast.Defaults):
                defaults = self.updated_defaults(defaults, st, params)
            elif isinstance(st, ast.Block):
                self.define(st, defaults)
            elif isinstance(st, ast.Line):
                lines.append((st, defaults))
        return lines

    def updated_defaults(self, defaults: Defaults, st: ast.Defaults,
                         params: Mapping[str, Value]) -> Defaults:
        found = lookup(st.kind)
        if found is None or found[1] or issubclass(found[0], Merge):
            raise ArchError(f"defaults needs a layer kind, got {st.kind!r}", st.kind_span,
                            _kind_hint(st.kind, []))
        cls = found[0]
        values = [(a.key, evaluate(a.value, params), a.span) for a in st.args]
        new = {**defaults.get(cls.kind, {}), **convert(cls, values, st.span)}
        return {**defaults, cls.kind: new}

    def define(self, block: ast.Block, defaults: Defaults) -> None:
        if block.name in self.blocks:
            first = self.blocks[block.name].block.name_span
            raise ArchError(f"block {block.name!r} is defined twice", block.name_span,
                            f"first defined at line {first.line}")
        if lookup(block.name) is not None:
            raise ArchError(f"block {block.name!r} would hide the layer kind "
                            f"{block.name.upper()}", block.name_span, "choose another name")
        self.blocks[block.name] = BlockDef(block, defaults)

    def network_name(self, statements: tuple[ast.Statement, ...]) -> str:
        names = [s.name for s in statements if isinstance(s, ast.Network)]
        if names:
            return names[-1]
        stem = PurePath(self.source.name).stem  # shown as a title: no control characters
        return printable(stem) if self.source.name != "<stdin>" else "network"

    def input_shape(self, statements: tuple[ast.Statement, ...]) -> tuple[int, ...]:
        inputs = [s for s in statements if isinstance(s, ast.Input)]
        if not inputs:
            first = next(s.span for s in statements if isinstance(s, ast.Line))
            raise ArchError("the file has no input statement", point_at(first, 1),
                            "the layers start from the input: add a line like "
                            "`input 32x32x3` (H x W x C) or `input 3072` before them")
        if len(inputs) > 1:
            raise ArchError("input is given twice", inputs[1].span,
                            f"first at line {inputs[0].span.line}")
        dims = tuple(d for expr in inputs[0].dims for d in self.dimension(expr))
        if len(dims) not in (1, 3) or not all(1 <= d <= MAX_COUNT for d in dims):
            raise ArchError(f"input {'x'.join(map(str, dims))} is not a volume or a vector",
                            inputs[0].span, "write H x W x C like 32x32x3 (28x28x1 for "
                            "grayscale), or a vector size like 3072; sizes 1 to 10^9")
        return dims

    def dimension(self, expr: ast.Expr) -> tuple[int, ...]:
        """One `x`-separated part of the input: an integer expression on params (a written
        size like 224x224 gives its parts)."""
        value = evaluate(expr, self.globals)
        parts = value if isinstance(value, tuple) else (value,)
        whole = tuple(v for v in parts if isinstance(v, int) and not isinstance(v, bool))
        if len(whole) != len(parts):
            raise ArchError(f"an input size must be a whole number, got {described(value)}",
                            expr.span, "write sizes like 224 or S (a param), or use // for "
                            "a whole quotient: (S//2)")
        return whole

    # ---- elements ------------------------------------------------------------------------

    @contextmanager
    def nested(self, span: Span) -> Iterator[None]:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ArchError(f"nesting deeper than {self.limits.max_depth} levels "
                            "(groups, repeats, merges and block calls)", point_at(span, 1),
                            "raise the limit with --max-depth" + (
                                f" (inside the block calls {' → '.join(self.calls)})"
                                if self.calls else ""))
        try:
            yield
        finally:
            self.depth -= 1

    def chain(self, elements: tuple[ast.Element, ...], x: int, ns: Namespace) -> int:
        for element in elements:
            x = self.element(element, x, ns, None)
        return x

    def element(self, el: ast.Element, x: int, ns: Namespace, label: str | None) -> int:
        self.steps += 1
        if self.steps > 10 * self.limits.max_layers:
            raise self.too_many_steps(point_at(el.span, 1))
        if isinstance(el, ast.Labeled):
            return self.element(el.body, x, ns, el.label)
        if isinstance(el, ast.Call):
            if el.name in self.blocks:
                return self.block_call(el, x, ns, label)
            return self.layer(el, x, ns, label)
        if isinstance(el, ast.Optional):
            self.optionals.setdefault(el.span.start, el.span)
            return self.element(el.body, x, ns, label) if self.present(el) else x
        with self.nested(el.span):
            if isinstance(el, ast.Group):
                return self.group(el, x, ns, label)
            if isinstance(el, ast.Repeat):
                return self.repeat(el, x, ns, label)
            return self.merge(el, x, ns, label)

    def present(self, el: ast.Optional) -> bool:
        if isinstance(self.optional, bool):
            return self.optional
        return self.optional.get(el.span.start, True)

    def add(self, node: Node) -> int:
        if len(self.nodes) >= self.limits.max_layers:
            raise ArchError(f"the network expands to more than {self.limits.max_layers:,} "
                            "layers", point_at(node.span, 1),
                            "raise the limit with --max-layers")
        self.nodes.append(node)
        return len(self.nodes) - 1

    def layer(self, call: ast.Call, x: int, ns: Namespace, label: str | None) -> int:
        found = lookup(call.name)
        if found is None:
            raise ArchError(f"unknown layer kind {call.name!r}", call.name_span,
                            _kind_hint(call.name, list(self.blocks)))
        cls, preset = found
        if issubclass(cls, Merge):
            name = call.name.upper()
            raise ArchError(f"{name} merges paths in brackets", call.name_span,
                            f"write {name}(path | path), e.g. {name}(CONV(8, p=1) | IDENTITY)")
        values = [(a.key, evaluate(a.value, ns.env), a.span) for a in call.args]
        defaults = ns.defaults.get(cls.kind, {})
        # Identical calls under the same defaults make identical layers: bind them once.
        # (The value's type is in the key: `bias=true` must not stand for `bias=1`.)
        key = (call.name.lower(), id(defaults), tuple((k, type(v), v) for k, v, _ in values))
        if key not in self.bound:
            presets = convert(cls, [(k, v, call.name_span) for k, v in preset.items()],
                              call.span)
            written = convert(cls, values, call.span)
            layer = build(cls, [defaults, presets, written], call.span)
            self.bound[key] = layer, frozenset(defaults) - set(presets) - set(written)
        layer, implied = self.bound[key]
        number = ns.numbered(cls.prefix)  # labeled layers count too
        name = ns.claim(label or number, call.name_span, auto=label is None)
        return self.add(Node(name, layer, (x,), call.span, implied))

    def group(self, el: ast.Group, x: int, ns: Namespace, label: str | None) -> int:
        if label is None:
            return self.chain(el.elements, x, ns)
        first = len(self.nodes)
        path = ns.claim(label, el.span)
        x = self.chain(el.elements, x, ns.child(label))
        self.scope(path, f"group of {len(el.elements)}", first)
        return x

    def repeat(self, el: ast.Repeat, x: int, ns: Namespace, label: str | None) -> int:
        count = self.count(el, ns)
        first = len(self.nodes)
        if label is not None:
            ns.claim(label, el.span)
        if count > 1:  # counted first: ((RELU*1000)*1000)*1000 is refused before expanding
            self.affordable(el, count, self.size(el.body, ns.env), 0)
        for i in range(1, count + 1):
            before, steps = len(self.nodes), self.steps
            x = self.element(el.body, x, ns, None if label is None else f"{label}.{i}")
            grown = len(self.nodes) - before
            if grown == 0:
                break  # every iteration expands alike: an empty one means all are empty
            if i == 1:
                self.affordable(el, count, grown, self.steps - steps, done=1)
        if label is not None:
            self.scope(ns.full(label), f"× {count}", first)
        return x

    def affordable(self, el: ast.Repeat, count: int, layers: int, steps: int,
                   done: int = 0) -> None:
        """Refuse a repeat at once when its iterations (`done` of them expanded, each of
        `layers` layers and `steps` steps) would pass the layer or step limit."""
        at = point_at(el.count.span, len(show(count)))
        if len(self.nodes) + layers * (count - done) > self.limits.max_layers:
            raise ArchError(f"repeating {layers:,} layer{'s' * (layers != 1)} {count:,} "
                            f"times gives more than {self.limits.max_layers:,} layers", at,
                            "raise the limit with --max-layers")
        if self.steps + steps * (count - done) > 10 * self.limits.max_layers:
            raise self.too_many_steps(at)

    def size(self, el: ast.Element, env: Mapping[str, Value],
             calling: frozenset[str] = frozenset(), depth: int = 0) -> int:
        """The layers `el` expands to, counted without expanding it; 0 where something
        cannot be counted (expanding it reports why), or nests too deeply to count."""
        def size(inner: ast.Element, scope: Mapping[str, Value] = env) -> int:
            return self.size(inner, scope, calling, depth + 1)

        if depth > self.limits.max_depth:
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
            bound = self.arguments(block, el, Namespace("", env, {}))
        except ArchError:
            return 0
        key = (el.name, *((k, type(v), v) for k, v in bound.items()))
        if key not in self.sizes:
            inner = {**self.globals, **bound}
            self.sizes[key] = sum(self.size(e, inner, calling | {el.name}, depth + 1)
                                  for e in block.body)
        return self.sizes[key]

    def too_many_steps(self, span: Span) -> ArchError:
        return ArchError(f"expanding the description takes more than "
                         f"{10 * self.limits.max_layers:,} steps", span,
                         "elements that expand to nothing (*0, an absent ?) still take a step "
                         "each time; the limit is 10 × --max-layers")

    def count(self, el: ast.Repeat, ns: Namespace) -> int:
        value = evaluate(el.count, ns.env)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ArchError(f"a repeat count must be an integer, got {described(value)}",
                            el.count.span, "use // for a whole quotient: *(N//2)")
        if value < 0:
            raise ArchError(f"a repeat count cannot be negative ({value})", el.count.span,
                            "*0 removes the element")
        return value

    def merge(self, el: ast.Merge, x: int, ns: Namespace, label: str | None) -> int:
        """The paths from the merge's input (or from the heads its kind puts there), then the
        node joining their ends; the kind says how many paths it takes."""
        keyword = point_at(el.span, len(el.op))
        found = lookup(el.op)
        assert found is not None and issubclass(found[0], Merge)  # the grammar's MERGE names
        form = found[0]()
        count = len(el.paths)
        if count < form.min_paths or (form.max_paths is not None and count > form.max_paths):
            message, hint = form.count_error(count)
            raise ArchError(message, keyword, hint)
        ends = [self.chain(path, self.head(head, x, ns, keyword), ns)
                for path, head in zip(el.paths, form.heads(count), strict=True)]
        if form.shortcut and form.max_paths is not None and count < form.max_paths:
            ends.append(x)
        number = ns.numbered(form.prefix)
        name = ns.claim(label or number, keyword, auto=label is None)
        return self.add(Node(name, form.node_layer(), tuple(ends), keyword))

    def head(self, layer: Layer | None, x: int, ns: Namespace, at: Span) -> int:
        """A path's start: the merge's input, or a head layer reading it (SPLIT's CHUNK)."""
        if layer is None:
            return x
        name = ns.claim(ns.numbered(layer.prefix), at, auto=True)
        return self.add(Node(name, layer, (x,), at))

    def block_call(self, call: ast.Call, x: int, ns: Namespace, label: str | None) -> int:
        definition = self.blocks[call.name]
        if call.name in self.calls:
            cycle = " → ".join([*self.calls[self.calls.index(call.name):], call.name])
            raise ArchError(f"block {call.name!r} calls itself ({cycle})", call.name_span,
                            "blocks cannot be recursive; repeat with *N instead")
        env = {**self.globals, **self.arguments(definition.block, call, ns)}
        number = ns.numbered(call.name)
        local = label or number
        path = ns.claim(local, call.name_span, auto=label is None)
        first = len(self.nodes)
        self.calls.append(call.name)
        with self.nested(call.span):
            x = self.chain(definition.block.body, x,
                           ns.child(local, env, definition.defaults))
        self.calls.pop()
        self.scope(path, self.excerpt(call.span), first)
        return x

    def arguments(self, block: ast.Block, call: ast.Call, ns: Namespace) -> dict[str, Value]:
        """The block's formals bound to the call's arguments (caller's environment)."""
        names = [f.name for f in block.formals]
        bound: dict[str, Value] = {}
        for position, a in enumerate(call.args):
            key = a.key if a.key is not None else (
                names[position] if position < len(names) else None)
            if key is None:
                raise ArchError(f"block {block.name} takes {len(names)} argument"
                                f"{'s' * (len(names) != 1)}", a.span,
                                _block_usage(block))
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                raise ArchError(f"block {block.name} has no argument {key!r}", a.span,
                                (f"did you mean {close[0]}? " if close else "")
                                + _block_usage(block))
            if key in bound:
                raise ArchError(f"argument {key!r} given twice", a.span,
                                _block_usage(block))
            bound[key] = evaluate(a.value, ns.env)
        for formal in block.formals:
            if formal.name not in bound:
                if formal.default is None:
                    raise ArchError(f"block {block.name} needs argument {formal.name!r}",
                                    call.span, _block_usage(block))
                bound[formal.name] = evaluate(formal.default, self.globals)
        return bound

    def scope(self, path: str, title: str, first: int) -> None:
        if len(self.nodes) > first:
            title = " ".join(title.split())
            self.scopes.append(Scope(path, title, first, len(self.nodes), path.count(".")))


def _kind_hint(name: str, blocks: list[str]) -> str:
    close = suggest(name, blocks)
    head = f"did you mean {close}? " if close else ""
    return head + "see `docs/language.md` for the layer kinds"


def _block_usage(block: ast.Block) -> str:
    parts = [f.name if f.default is None else f"{f.name}=…" for f in block.formals]
    return f"usage: {block.name}({', '.join(parts)})"

