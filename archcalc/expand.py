"""Program → Graph: defaults, blocks, repeats, optionals, merges and names, within limits
(the file's params and input: statements.py; how names are made: names.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from archcalc import ast, uses
from archcalc import statements as st
from archcalc.bind import build, convert
from archcalc.blocks import BlockDef, LayerCount, bind_arguments
from archcalc.errors import ArchError, Source, Span, point_at
from archcalc.exprs import evaluate
from archcalc.graph import INPUT, Graph, Node, Scope
from archcalc.layers import Layer, lookup
from archcalc.layers.merge import Merge
from archcalc.limits import Budget, Limits
from archcalc.names import Defaults, Namespace
from archcalc.values import Value, described


def expand(program: ast.Program, source: Source, overrides: Mapping[str, Value] | None = None,
           optional: bool | Mapping[int, bool] = True, limits: Limits = Limits(),
           input_shape: tuple[int, ...] | None = None, using: uses.Chain = ()) -> Graph:
    """Expand `program` into a flat graph of named layers; `input_shape` replaces the file's
    input (the command line's --input). A file that `use`s a network expands that one, with
    its own expect lines (archcalc/uses.py); `using` are the files that led to it."""
    used = uses.used_network(program, source, limits, using)
    if used is not None:
        return uses.through(used, lambda p, s, chain: expand(p, s, overrides, optional, limits,
                                                             input_shape, chain))
    return Expander(program, source, dict(overrides or {}), _presence(optional), limits,
                    input_shape).run()


def _presence(optional: object) -> bool | Mapping[int, bool]:
    """`optional` as given — every `?` present or absent, or a choice per `?` (by the offset
    where it is written) — or an ArchError naming the argument: never a guess from truth."""
    if isinstance(optional, bool):
        return optional
    if isinstance(optional, Mapping) and all(
            isinstance(k, int) and not isinstance(k, bool) and isinstance(v, bool)
            for k, v in optional.items()):
        return optional
    raise ArchError(f"optional={optional!r} is not a choice of optional elements", None,
                    "True (every ? present), False (every ? absent), or a mapping from a ?'s "
                    "offset in the text to True/False", Source("<arguments>", ""))


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
        self.call_spans: tuple[Span, ...] = ()  # where they are written, innermost first
        self.depth = 0
        self.budget = Budget(limits, self.nodes)
        self.globals: dict[str, Value] = {}
        self.bound: dict[tuple[object, ...], tuple[Layer, frozenset[str]]] = {}

    # ---- the file ---------------------------------------------------------------------

    def run(self) -> Graph:
        statements = self.program.statements
        params = self.globals = st.file_params(statements, self.overrides)
        self.counter = LayerCount(self.blocks, params, self.present, self.limits.max_depth)
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
        shape = self.input_override or st.input_shape(statements, params)
        return Graph(st.network_name(statements, self.source), shape,
                     tuple(self.nodes),
                     tuple(sorted(self.scopes, key=lambda sc: (sc.first, sc.depth))),
                     tuple(s for s in statements if isinstance(s, ast.Expect)),
                     tuple(params.items()), tuple(self.optionals.values()), self.source,
                     tuple("defaults " + st.excerpt(self.source, s.span)
                           for s in statements if isinstance(s, ast.Defaults)))

    def collect(self, statements: tuple[ast.Statement, ...], params: dict[str, Value]
                ) -> list[tuple[ast.Line, Defaults]]:
        """The layer lines with the defaults in effect at each; blocks with theirs."""
        defaults: Defaults = {}
        lines = []
        for statement in statements:
            if isinstance(statement, ast.Defaults):
                defaults = st.updated_defaults(defaults, statement, params)
            elif isinstance(statement, ast.Block):
                self.define(statement, defaults)
            elif isinstance(statement, ast.Line):
                lines.append((statement, defaults))
        return lines

    def define(self, block: ast.Block, defaults: Defaults) -> None:
        for formal in block.formals:
            st.refuse_word_name(formal.name, formal.span, "a block argument")
        if block.name in self.blocks:
            first = self.blocks[block.name].block.name_span
            raise ArchError(f"block {block.name!r} is defined twice", block.name_span,
                            f"first defined at line {first.line}")
        if lookup(block.name) is not None:
            raise ArchError(f"block {block.name!r} would hide the layer kind "
                            f"{block.name.upper()}", block.name_span, "choose another name")
        self.blocks[block.name] = BlockDef(block, defaults)

    # ---- elements ------------------------------------------------------------------------

    @contextmanager
    def nested(self, span: Span) -> Iterator[None]:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ArchError(f"nesting deeper than {self.limits.max_depth} levels "
                            "(groups, repeats, merges and block calls)", point_at(span, 1),
                            "raise the limit with --max-depth")
        try:
            yield
        finally:
            self.depth -= 1

    def chain(self, elements: tuple[ast.Element, ...], x: int, ns: Namespace) -> int:
        for element in elements:
            x = self.element(element, x, ns, None)
        return x

    def element(self, el: ast.Element, x: int, ns: Namespace, label: str | None) -> int:
        self.budget.step(el.span)
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
        self.budget.layer(node.span)
        self.nodes.append(node)
        return len(self.nodes) - 1

    def layer(self, call: ast.Call, x: int, ns: Namespace, label: str | None) -> int:
        found = lookup(call.name)
        if found is None:
            raise ArchError(f"unknown layer kind {call.name!r}", call.name_span,
                            st.kind_hint(call.name, list(self.blocks)))
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
        return self.add(Node(name, layer, (x,), call.span, implied, self.call_spans))

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
            self.budget.repeat(el.count.span, count, self.counter.size(el.body, ns.env), 0)
        for i in range(1, count + 1):
            before, steps = len(self.nodes), self.budget.steps
            x = self.element(el.body, x, ns, None if label is None else f"{label}.{i}")
            grown = len(self.nodes) - before
            if grown == 0:
                break  # every iteration expands alike: an empty one means all are empty
            if i == 1:
                self.budget.repeat(el.count.span, count, grown, self.budget.steps - steps,
                                   done=1)
        if label is not None:
            self.scope(ns.full(label), f"× {count}", first)
        return x

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
        return self.add(Node(name, form.node_layer(), tuple(ends), keyword,
                             calls=self.call_spans))

    def head(self, layer: Layer | None, x: int, ns: Namespace, at: Span) -> int:
        """A path's start: the merge's input, or a head layer reading it (SPLIT's CHUNK)."""
        if layer is None:
            return x
        name = ns.claim(ns.numbered(layer.prefix), at, auto=True)
        return self.add(Node(name, layer, (x,), at, calls=self.call_spans))

    def block_call(self, call: ast.Call, x: int, ns: Namespace, label: str | None) -> int:
        definition = self.blocks[call.name]
        if call.name in self.calls:
            cycle = " → ".join([*self.calls[self.calls.index(call.name):], call.name])
            raise ArchError(f"block {call.name!r} calls itself ({cycle})", call.name_span,
                            "blocks cannot be recursive; repeat with *N instead")
        env = {**self.globals, **bind_arguments(definition.block, call, ns.env, self.globals)}
        if not self.calls:  # counted first: blocks calling each other twice double each time
            self.budget.call(call, self.counter.size(call, ns.env))
        number = ns.numbered(call.name)
        local = label or number
        path = ns.claim(local, call.name_span, auto=label is None)
        first = len(self.nodes)
        self.calls.append(call.name)
        outer, self.call_spans = self.call_spans, (call.span, *self.call_spans)
        try:
            with self.nested(call.span):
                x = self.chain(definition.block.body, x,
                               ns.child(local, env, definition.defaults))
        except ArchError as err:
            raise err.called_from(call.span) from None
        finally:
            self.call_spans = outer
        self.calls.pop()
        self.scope(path, st.excerpt(self.source, call.span), first)
        return x

    def scope(self, path: str, title: str, first: int) -> None:
        if len(self.nodes) > first:
            title = " ".join(title.split())
            self.scopes.append(Scope(path, title, first, len(self.nodes), path.count(".")))
