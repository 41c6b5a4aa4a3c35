"""Recurring structure, written once: blocks for the modules that recur.

A module group whose structure recurs (the same kinds, labels and merges; only argument
values differ) at least twice becomes a `block`, the classes that save the most text first:
the values that differ between its calls become the block's arguments (`bottleneck(c)`), a
value that is a simple multiple of an argument in every call is written as one
(`CONV(4*c, f=1)`). Runs of identical items then fold into repeats (import_fold)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from archcalc.bridge.import_groups import Group
from archcalc.bridge.import_tree import Item, Layer, Merge
from archcalc.bridge.ir import Net
from archcalc.layers import REGISTRY

Slot = tuple[int, str, Any]  # (op, field, value)
PARAM_NAMES = {"k": "c", "groups": "g", "droppath.p": "drop", "dropout.p": "drop"}
MIN_LAYERS = 4  # a smaller recurring structure (CONV - BN - RELU) reads better inline
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
FAMILY = {"k": "channels", "groups": "channels", "n": "channels", "g": "channels"}


@dataclass
class Template:
    """A block: its name, arguments, body (its first call's items) and, per (op, field) of
    that body, the expression in the arguments that replaces the value."""

    name: str
    params: list[str]
    body: list[Item]
    subst: dict[tuple[int, str], str]


@dataclass
class Call:
    template: Template
    args: list[Any]
    label: str | None
    group: Group

    def ops(self) -> list[int | None]:
        return self.group.ops()


def full_args(net: Net, op: int) -> list[tuple[str, Any]]:
    """Every field of an op's kind with its value (the kind's default where not given)."""
    o = net.ops[op]
    return [(f.name, o.args.get(f.name, f.default)) for f in fields(REGISTRY[o.kind])]


def signature(net: Net, item: Item, top: bool = True) -> tuple[tuple[Any, ...], list[Slot]]:
    """The structure of an item (kinds, labels and merges inside it, which fields are unset)
    and its argument values in order: items with equal structures differ only in the values.
    A group's own label is its call's, not part of it."""
    if isinstance(item, Layer):
        if item.op is None:
            return ("identity",), []
        values = full_args(net, item.op)
        key = (net.ops[item.op].kind, item.label, tuple(v is None for _, v in values))
        return key, [(item.op, f, v) for f, v in values if v is not None]
    parts = [signature(net, i, False) for i in _children(item)]
    head = (item.form, len(item.paths)) if isinstance(item, Merge) else (
        "group", None if top else item.label)
    return (*head, tuple(k for k, _ in parts)), [s for _, slots in parts for s in slots]


def _children(item: Item) -> list[Item]:
    if isinstance(item, Merge):
        return [i for path in item.paths for i in (*path, Layer(None))]  # None: path ends
    if isinstance(item, Group):
        return item.items
    raise TypeError(type(item).__name__)


def make_blocks(net: Net, items: list[Item]) -> tuple[list[Item], list[Template]]:
    """The chain with recurring module groups replaced by calls of new blocks: the classes
    of equal structures that save the most text first ((calls − 1) × layers), a group only
    when no group around or inside it is a call already (a block body calls no block).
    Containers (Sequential) are not blocks: their module class says nothing."""
    entries: list[tuple[Group, tuple[int, ...]]] = []
    _walk(items, (), entries)
    inside: dict[int, set[int]] = defaultdict(set)  # group → the groups within it
    for group, ancestors in entries:
        for a in ancestors:
            inside[a].add(id(group))
    classes: dict[tuple[Any, ...], list[tuple[Group, tuple[int, ...]]]] = defaultdict(list)
    for group, ancestors in entries:
        if group.cls not in CONTAINERS and worth(group):
            classes[signature(net, group)[0]].append((group, ancestors))
    ordered = sorted(classes.values(), key=lambda m: (-(len(m) - 1) * len(m[0][0].ops()),
                                                      len(m[0][1])))
    chosen: set[int] = set()
    templates: list[Template] = []
    calls: dict[int, Call] = {}
    for members in ordered:
        visible = [g for g, anc in members if not chosen & (set(anc) | inside[id(g)])]
        if len(visible) < 2:
            continue
        chosen |= {id(g) for g in visible}
        template, args = _template(net, visible)
        templates.append(template)
        calls.update({id(g): Call(template, a, g.label, g) for g, a in zip(visible, args,
                                                                          strict=True)})
    _name(templates, calls)
    return _replace(items, calls), templates


def _walk(items: list[Item], ancestors: tuple[int, ...],
          out: list[tuple[Group, tuple[int, ...]]]) -> None:
    for item in items:
        if isinstance(item, Group):
            out.append((item, ancestors))
            _walk(item.items, (*ancestors, id(item)), out)
        elif isinstance(item, Merge):
            for path in item.paths:
                _walk(path, ancestors, out)


def worth(group: Group) -> bool:
    layers = [op for op in group.ops() if op is not None]
    return len(layers) >= MIN_LAYERS or any(isinstance(i, Merge) for i in group.items)


def _template(net: Net, members: list[Group]) -> tuple[Template, list[list[Any]]]:
    """The block of a class of equal structures: a column of values per slot; equal columns
    of one family of fields (channel counts; else one field) share an argument, a column that
    is a multiple of an argument's is written as one."""
    rows = [signature(net, g)[1] for g in members]
    params: list[tuple[str, list[Any]]] = []
    families: dict[str, str] = {}  # argument → the family of the fields it was made for
    subst: dict[tuple[int, str], str] = {}
    for j, (op, name, _) in enumerate(rows[0]):
        column = [row[j][2] for row in rows]
        if all(v == column[0] for v in column):
            continue
        family = FAMILY.get(name, name)
        expr = _expressed(column, [p for p in params if families[p[0]] == family])
        if expr is None:
            kind = net.ops[op].kind
            expr = _fresh(PARAM_NAMES.get(f"{kind}.{name}", PARAM_NAMES.get(name, name)), params)
            params.append((expr, column))
            families[expr] = family
        subst[(op, name)] = expr
    args = [[column[i] for _, column in params] for i in range(len(members))]
    name = members[0].cls or _common_label(members)
    return Template(name, [p for p, _ in params], members[0].items, subst), args


def _common_label(members: list[Group]) -> str:
    """What the calls' labels share, numbers left out (inception3a, inception4b: inception):
    the name of a block whose modules have no class (an ONNX file's)."""
    labels = [g.label for g in members if g.label]
    if len(labels) != len(members):
        return ""
    prefix = labels[0]
    for label in labels[1:]:
        while not label.startswith(prefix):
            prefix = prefix[:-1]
    prefix = prefix.rstrip("0123456789_")
    return prefix if len(prefix) >= 2 else ""


def _expressed(column: list[Any], params: list[tuple[str, list[Any]]]) -> str | None:
    """An argument equal to the column, or a simple multiple r·a of one (r = n/d, n ≤ 16,
    d ≤ 64), or None."""
    for name, values in params:
        if values == column:
            return name
    if not all(isinstance(v, int) and not isinstance(v, bool) and v for v in column):
        return None
    for name, values in params:
        if not all(isinstance(v, int) and not isinstance(v, bool) and v for v in values):
            continue
        ratio = Fraction(column[0], values[0])
        if ratio.numerator <= 16 and ratio.denominator <= 64 and all(
                Fraction(c, v) == ratio for c, v in zip(column, values, strict=True)):
            times = "" if ratio.numerator == 1 else f"{ratio.numerator}*"
            over = "" if ratio.denominator == 1 else f"/{ratio.denominator}"
            return f"{times}{name}{over}"
    return None


def _fresh(base: str, params: list[tuple[str, list[Any]]]) -> str:
    taken = {p for p, _ in params}
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def _name(templates: list[Template], calls: dict[int, Call]) -> None:
    """Block names from the module class (`Bottleneck` → `bottleneck`); variants of a class
    take the label that sets them apart (`bottleneck_downsample`), else a number."""
    from archcalc.bridge.arch_writer import block_name

    taken: set[str] = set()
    firsts: dict[str, Template] = {}
    for t in sorted(templates, key=lambda t: len(_labels(t.body))):  # the plainest: the base
        base = block_name(t.name)
        name = base
        if base in firsts:
            extra = sorted(_labels(t.body) - _labels(firsts[base].body))
            name = f"{base}_{extra[0]}" if extra else base
        n = 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        firsts.setdefault(base, t)
        taken.add(name)
        t.name = name


def _labels(items: list[Item]) -> set[str]:
    out: set[str] = set()
    for item in items:
        if isinstance(item, Group) and item.label:
            out.add(item.label)
        for child in _children(item) if isinstance(item, Merge | Group) else []:
            out |= _labels([child])
    return out


def _replace(items: list[Item], calls: dict[int, Call]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if id(item) in calls:
            out.append(calls[id(item)])
            continue
        if isinstance(item, Group):
            item.items = _replace(item.items, calls)
        elif isinstance(item, Merge):
            item.paths = [_replace(p, calls) for p in item.paths]
        out.append(item)
    return out
