"""An imported network as readable .arch text.

The DAG becomes the language's structure (import_tree), module scopes become labeled groups
(import_groups), recurring modules become blocks and runs become repeats (import_blocks),
names are settled so that no label meets a running name (import_names), and the text is
laid out at most WIDTH columns wide. The result is analyzed at once: every layer's kind,
output shape, params and buffers must be what the framework said (import_check), so a
written file always describes the source model exactly."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from archcalc.bridge.import_blocks import Call, Template, make_blocks
from archcalc.bridge.import_check import verify
from archcalc.bridge.import_fold import Repeat, fold
from archcalc.bridge.import_groups import KEYWORDS, Group, group_items
from archcalc.bridge.import_names import settle_names
from archcalc.bridge.import_tree import Item, Layer, Merge, build_tree
from archcalc.bridge.ir import Net, check_net
from archcalc.layers import REGISTRY, lookup, merge_names
from archcalc.values import Pair, Word

WIDTH = 96
FIRST_POSITIONAL = ("f", "p", "alpha", "s")  # a leading optional argument written bare
Doc = Any  # str, or Brk


@dataclass(frozen=True)
class Written:
    """The .arch text, and the op of each layer archcalc expands it to, in order (None for an
    IDENTITY the writer added)."""

    text: str
    order: tuple[int | None, ...]


@dataclass(frozen=True)
class Brk:
    """Bracketed chains: `open` chain (sep chain)* `close`, broken across lines when long."""

    open: str
    parts: tuple[tuple[Doc, ...], ...]
    close: str
    sep: str = " | "


def write_arch(net: Net) -> Written:
    """The network as .arch text, checked against the figures the framework gave."""
    check_net(net)
    tree = group_items(net, build_tree(net))
    tree, templates = make_blocks(net, tree)
    writer = Writer(net)
    tree = fold(tree, writer.flat)
    for t in templates:
        t.body = fold(t.body, writer.text_in(t))
    tree = settle_names(net, tree, templates)
    text = writer.document(tree, templates)
    order = tuple(op for item in tree for op in item.ops())
    verify(net, text, order)
    return Written(text, order)


def block_name(cls: str) -> str:
    """A module class name as a block name: snake case, never a kind, merge or keyword."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", cls).lower()
    name = re.sub(r"[^a-z0-9_]", "_", name).strip("_") or "unit"
    if name[0].isdigit():
        name = "_" + name
    if name in KEYWORDS:
        return name + "_"
    return f"{name}_block" if lookup(name) is not None or name in merge_names() else name


def number_text(x: Fraction) -> str:
    """An exact number as a decimal when it has one (at most 15 places), else n/d."""
    if x.denominator == 1:
        return str(x.numerator)
    for places in range(1, 16):
        if (x * 10**places).denominator == 1:
            whole, part = divmod(abs(x.numerator) * 10**places // x.denominator, 10**places)
            return f"{'-' * (x < 0)}{whole}.{part:0{places}d}"
    return f"{x.numerator}/{x.denominator}"


def value_text(value: Any) -> str:
    """A value as the language writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return number_text(value)
    if isinstance(value, Pair):
        return str(value.h) if value.h == value.w else f"{value.h}x{value.w}"
    if isinstance(value, Word | int):
        return str(value)
    raise TypeError(f"no .arch form for {value!r}")


def name_text(name: str) -> str:
    """A network name as the `network` statement accepts it."""
    text = re.sub(r"[^A-Za-z0-9_.+\-]", "_", name) or "imported"
    return text if text[0].isalnum() or text[0] == "_" else "_" + text


class Writer:
    def __init__(self, net: Net) -> None:
        self.net = net
        self.defaults = self.choose_defaults()

    def choose_defaults(self) -> dict[str, dict[str, Any]]:
        """`defaults CONV(bias=false)` when most convolutions have no bias (BN follows)."""
        biases = [op.args.get("bias", True) for op in self.net.ops if op.kind == "conv"]
        return {"conv": {"bias": False}} if biases.count(False) > len(biases) / 2 else {}

    # ---- one line each --------------------------------------------------------------------

    def layer(self, op: int | None, subst: dict[tuple[int, str], str]) -> str:
        if op is None:
            return "IDENTITY"
        o = self.net.ops[op]
        cls = REGISTRY[o.kind]
        parts: list[str] = []
        bare = True
        for index, f in enumerate(fields(cls)):
            value = o.args.get(f.name, f.default)
            given = subst.get((op, f.name))
            if given is None and not self.shown(o.kind, f, value, o.args):
                bare = False
                continue
            text = given if given is not None else value_text(value)
            required = f.metadata["required"]
            if bare and (required or (index == 0 and f.name in FIRST_POSITIONAL)):
                parts.append(text)
            else:
                parts.append(f"{f.name}={text}")
                bare = False
        name = o.kind.upper()
        return f"{name}({', '.join(parts)})" if parts else name

    def shown(self, kind: str, f: Any, value: Any, args: dict[str, Any]) -> bool:
        """Whether an argument is written: required, or not its default (a pool's stride is
        left out when it equals the window)."""
        if f.metadata["required"]:
            return True
        default = self.defaults.get(kind, {}).get(f.name, f.default)
        if f.metadata["shown"] == "f" and value == args.get("f", Pair.of(2)):
            return False
        return value is not None and value != default

    def doc(self, item: Item, subst: dict[tuple[int, str], str]) -> Doc:
        label = f"{item.label}: " if getattr(item, "label", None) else ""
        if isinstance(item, Layer):
            return label + self.layer(item.op, subst)
        if isinstance(item, Merge):
            parts = tuple(self.chain(path, subst) for path in item.paths)
            return Brk(f"{label}{item.form.upper()}(", parts, ")")
        if isinstance(item, Group):
            return Brk(f"{label}(", (self.chain(item.items, subst),), ")", "")
        if isinstance(item, Call):
            args = ", ".join(value_text(a) for a in item.args)
            return f"{label}{item.template.name}" + (f"({args})" if item.template.params else "")
        assert isinstance(item, Repeat)
        unit, n = item.copies[0], len(item.copies)
        if len(unit) > 1:
            return Brk("(", (self.chain(unit, subst),), f")*{n}", "")
        inner = self.doc(unit[0], subst)
        return inner + f"*{n}" if isinstance(inner, str) else Brk(
            inner.open, inner.parts, inner.close + f"*{n}", inner.sep)

    def chain(self, items: list[Item], subst: dict[tuple[int, str], str]) -> tuple[Doc, ...]:
        return tuple(self.doc(i, subst) for i in items)

    def flat(self, item: Item, subst: dict[tuple[int, str], str] | None = None) -> str:
        return flat(self.doc(item, subst or {}))

    def text_in(self, template: Template) -> Callable[[Item], str]:
        """An item's text inside a block body (its values in the block's arguments)."""
        return lambda item: self.flat(item, template.subst)

    # ---- the file -----------------------------------------------------------------------------

    def document(self, tree: list[Item], templates: list[Template]) -> str:
        net = self.net
        lines = [f"# imported from {net.source} by `archcalc import`: {net.name}",
                 *(f"# {note}" for note in net.notes),
                 f"network {name_text(net.name)}",
                 "input " + "x".join(map(str, net.input))]
        for kind, values in self.defaults.items():
            args = ", ".join(f"{k}={value_text(v)}" for k, v in values.items())
            lines.append(f"defaults {kind.upper()}({args})")
        for t in templates:
            params = f"({', '.join(t.params)})" if t.params else ""
            body = chain_lines(self.chain(t.body, t.subst), 2)
            lines += ["", f"block {t.name}{params} {{", "  " + body[0], *body[1:], "}"]
        lines.append("")
        run: list[Doc] = []  # unlabeled layers share lines; a labeled item has its own
        for item in [*tree, None]:
            if item is not None and getattr(item, "label", None) is None:
                run.append(self.doc(item, {}))
                continue
            if run:
                lines += chain_lines(tuple(run), 0)
                run = []
            if item is not None:
                lines += doc_lines(self.doc(item, {}), 0)
        return "\n".join(lines) + "\n"


def flat(doc: Doc) -> str:
    if isinstance(doc, str):
        return doc
    inner = doc.sep.join(" - ".join(flat(d) for d in part) for part in doc.parts)
    return f"{doc.open}{inner}{doc.close}"


def doc_lines(doc: Doc, col: int) -> list[str]:
    """The doc starting at column `col`: its first line (to follow what is there) and the
    next lines whole, indented; paths of a merge start with `|` under its bracket."""
    text = flat(doc)
    if isinstance(doc, str) or col + len(text) <= WIDTH:
        return [text]
    inner = col + len(doc.open)
    out = [doc.open]
    for k, part in enumerate(doc.parts):
        if k:
            out.append(" " * (inner - 2) + doc.sep.strip() + " ")
        sub = chain_lines(part, inner)
        out[-1] += sub[0]
        out.extend(sub[1:])
    out[-1] += doc.close
    return out


def chain_lines(chain: tuple[Doc, ...], col: int) -> list[str]:
    """Items joined by ` - `, a new line (starting `- `) before an item that does not fit."""
    out = [""]
    for k, doc in enumerate(chain):
        used = (col if len(out) == 1 else 0) + len(out[-1])
        sep = " - " if k else ""
        if k and used + len(sep) + len(flat(doc)) > WIDTH:
            out.append(" " * col)
            sep, used = "- ", col
        sub = doc_lines(doc, used + len(sep))
        out[-1] += sep + sub[0]
        out.extend(sub[1:])
    return out
