"""Export a graph as PyTorch source a person would keep: `export_torch(graph) -> str`.

One nn.Module class for the network and one per `block` definition (its arguments are the
constructor's, after `in_channels`); labeled groups and repeats that are plain chains are
nn.Sequential. Every .arch layer name is the qualified name of its module
(`model.get_submodule("layer1.1.conv1")`), except IDENTITY, SPLIT's chunks and the merges,
which are operations in forward(). Conventions and refusals: docs/bridge.md, "Export"."""

from __future__ import annotations

import os
import re
from typing import Any

import archcalc
from archcalc.bridge.export_geometry import shapes
from archcalc.bridge.export_symbols import Sym, lit, literal, name, substitute, translate
from archcalc.bridge.export_tree import Item, Scope, Step, nodes_of, structure
from archcalc.bridge.torch_export_classes import ClassBody, Lines, symbol_names
from archcalc.bridge.torch_export_helpers import CLASSES, helper_source
from archcalc.errors import ArchError
from archcalc.exprs import evaluate
from archcalc.graph import Graph

INDENT = "    "


def export_torch(graph: Graph) -> str:
    """PyTorch source defining the network of `graph` (valid Python; see the module doc)."""
    try:
        return Writer(graph).source()
    except ArchError as err:
        raise err.located(graph.source) from None


class Writer:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.shapes = shapes(graph)
        self.params = dict(graph.params)
        self.classes: list[tuple[str, str]] = []  # (name, source), dependencies first
        self.by_body: dict[str, str] = {}
        self.helpers: set[str] = set()
        self.constants: set[str] = set()
        self.sequential = False

    def source(self) -> str:
        items = self.flatten(structure(self.graph))
        c = self.graph.input[-1]
        top = self.body("", {}, {"in_channels": c})
        top.chain(items, "x", lit(c))
        network = self.unique("Network" if self.graph.network.startswith("<")
                              else camel(self.graph.network))
        self.classes.append((network, self.class_text(
            network, f"{self.graph.network}, as described in {self.origin()}.",
            "self", top)))
        return self.file(network)

    def origin(self) -> str:
        name = self.graph.source.name
        return "an .arch text" if name.startswith("<") else os.path.basename(name)

    def body(self, path: str, names: dict[str, str], env: dict[str, Any]) -> ClassBody:
        return ClassBody(self.shapes, path, names, env, self.module_of)

    # ---- scopes ------------------------------------------------------------------------

    def module_of(self, parent: ClassBody, scope: Scope, c: Sym) -> tuple[Lines, Sym]:
        """The constructor of a scope's submodule and its output channels, in the parent's
        terms: a block's class instance, or an nn.Sequential / a class of its own."""
        if scope.kind == "block":
            return self.block(parent, scope, c)
        inline = ClassBody(self.shapes, scope.path, parent.names, parent.env, self.module_of)
        _, channels = inline.chain(scope.body, "x", c)
        if inline.lines == [f"x = {access_of(a)}(x)" for a, _ in inline.attrs]:
            parent.helpers |= inline.helpers
            parent.used |= inline.used
            self.sequential = True
            return sequential(inline.attrs), channels
        concrete = self.shapes.ins(scope.first)[0][-1]
        own = self.body(scope.path, symbol_names([], self.params), {
            "in_channels": concrete, **self.params_env()})
        _, exit_sym = own.chain(scope.body, "x", name("in_channels"))
        title = f"The .arch {'repeat' if scope.kind == 'repeat' else 'group'} {scope.path}."
        cls = self.define(camel(scope.path.replace(".", "_")), title, "self, in_channels", own)
        return [f"{cls}({c.text})"], substitute(exit_sym, {"in_channels": c})

    def block(self, parent: ClassBody, scope: Scope, c: Sym) -> tuple[Lines, Sym]:
        block, call = scope.block, scope.call
        assert block is not None and call is not None
        formals = [f.name for f in block.formals]
        names = symbol_names(formals, self.params)
        env = {**self.params_env(), **{names[k]: v for k, v in scope.bound.items()},
               "in_channels": self.shapes.ins(scope.first)[0][-1]}
        own = self.body(scope.path, names, env)
        _, exit_sym = own.chain(scope.body, "x", name("in_channels"))
        signature = ", ".join(["self", "in_channels"] + [
            names[f.name] if f.default is None else
            f"{names[f.name]}={literal(evaluate(f.default, self.params))}"
            for f in block.formals])
        cls = self.define(camel(block.name), f"The .arch block {block.name}"
                          f"({', '.join(formals)}).", signature, own)
        written = self.arguments(parent, call, names, formals, scope.bound)
        values = {"in_channels": c, **{names[f]: written.get(names[f], lit(scope.bound[f]))
                                       for f in formals}}
        text = ", ".join([c.text, *self.call_parts(call, names, formals, written)])
        return [f"{cls}({text})"], substitute(exit_sym, values)

    def arguments(self, parent: ClassBody, call: Any, names: dict[str, str],
                  formals: list[str], bound: dict[str, Any]) -> dict[str, Sym]:
        """The call's written arguments as checked expressions of the caller, by the callee's
        Python names."""
        out: dict[str, Sym] = {}
        for position, arg in enumerate(call.args):
            key = arg.key if arg.key is not None else formals[position]
            integer = isinstance(bound[key], int)
            out[names[key]] = parent.check(translate(arg.value, parent.names, integer),
                                           bound[key])
        return out

    @staticmethod
    def call_parts(call: Any, names: dict[str, str], formals: list[str],
                   written: dict[str, Sym]) -> list[str]:
        """The arguments as written: positionals positional, keywords by name."""
        parts = []
        for position, arg in enumerate(call.args):
            key = names[arg.key if arg.key is not None else formals[position]]
            parts.append(written[key].text if arg.key is None else f"{key}={written[key].text}")
        return parts

    def flatten(self, items: list[Item]) -> list[Item]:
        """Scopes that are no module inlined: a labeled repeat of merges names the merges
        `stage.1`, `stage.2` but their paths' layers in the enclosing scope."""
        out: list[Item] = []
        for item in items:
            if isinstance(item, Scope):
                item.body = self.flatten(item.body)
                names = [self.graph.nodes[i].name for i in nodes_of(item.body)]
                if not all(n.startswith(item.path + ".") for n in names):
                    out += item.body
                    continue
            elif not isinstance(item, Step):
                item.paths = [self.flatten(path) for path in item.paths]
            out.append(item)
        return out

    def params_env(self) -> dict[str, Any]:
        return {symbol_names([], self.params)[k]: v for k, v in self.params.items()}

    # ---- classes and the file ------------------------------------------------------------

    def define(self, wanted: str, doc: str, signature: str, body: ClassBody) -> str:
        """The class of `body`, reusing an identical one (same text but for the name)."""
        self.helpers |= body.helpers
        self.constants |= body.used & set(symbol_names([], self.params).values())
        text = self.class_text("{name}", doc, signature, body)
        if text not in self.by_body:
            cls = self.unique(wanted)
            self.by_body[text] = cls
            self.classes.append((cls, text))
        return self.by_body[text]

    def unique(self, wanted: str) -> str:
        """A class name no other name of the file takes (a keyword, a helper, a constant)."""
        taken = {n for n, _ in self.classes} | set(CLASSES) | set(self.params_env()) | {
            "INPUT_SIZE", "OrderedDict", "None", "True", "False"}
        cls, number = wanted, 1
        while cls in taken:
            number += 1
            cls = f"{wanted}{number}"
        return cls

    def class_text(self, cls: str, doc: str, signature: str, body: ClassBody) -> str:
        self.helpers |= body.helpers
        init = [f"{INDENT * 2}super().__init__()"]
        for attr, ctor in body.attrs:
            head = f"self.{attr} = " if attr.isidentifier() else f'self.add_module("{attr}", '
            tail = "" if attr.isidentifier() else ")"
            init += entry(INDENT * 2 + head, ctor, tail)
        forward = [INDENT * 2 + line for line in [*body.lines, "return x"]]
        lines = [f"class {cls}(nn.Module):", f'{INDENT}"""{doc}"""', "",
                 f"{INDENT}def __init__({signature}):", *init, "",
                 f"{INDENT}def forward(self, x):", *forward]
        return "\n".join(wrapped for line in lines for wrapped in wrap(line))

    def file(self, network: str) -> str:
        source = "\n\n\n".join(text.replace("{name}", cls) for cls, text in self.classes)
        helpers, modules = helper_source(self.helpers)
        x = self.graph.input
        size = (x[2], x[0], x[1]) if len(x) == 3 else x
        imports = ["import math"] if "math" in modules else []
        if self.sequential:
            imports.append("from collections import OrderedDict")
        imports.append("")
        if re.search(r"\btorch\.", source + helpers):  # torch.cat, torch.flatten, …
            imports.append("import torch")
        if "F" in modules:
            imports.append("import torch.nn.functional as F")
        imports.append("from torch import nn")
        params = [f"{k} = {literal(v)}" for k, v in self.params_env().items()
                  if k in self.constants]
        header = (f'"""{self.graph.network} in PyTorch, exported by archcalc '
                  f"{archcalc.__version__} from {self.origin()}.\n\n"
                  f"Input {'×'.join(map(str, x))} (H×W×C in .arch): a batch is N×"
                  f"{'×'.join(map(str, size))} (NCHW).\nEvery .arch layer is the submodule of "
                  'the same name (model.get_submodule("conv1"));\nIDENTITY, chunks and merges '
                  'are operations in forward().\n"""')
        constants = "\n".join([f"INPUT_SIZE = {literal(tuple(size))}  # (C, H, W) of one image",
                               *params])
        sections = [helpers, source] if helpers else [source]
        return (header + "\n\n" + "\n".join(imports).lstrip("\n") + "\n\n" + constants
                + "\n\n\n" + "\n\n\n".join(sections) + "\n")


def wrap(line: str, width: int = 99) -> Lines:
    """A long line broken after the commas of its first call, continuation lines aligned
    with the opening bracket (the text is unchanged but for the breaks)."""
    if len(line) <= width or "(" not in line:
        return [line]
    opening = line.index("(") + 1
    depth, parts, start = 0, [], opening
    for i, char in enumerate(line[opening:], opening):
        depth += char in "([{"
        depth -= char in ")]}"
        if depth < 0:
            break
        if char == "," and depth == 0:
            parts.append(line[start:i + 1].strip())
            start = i + 1
    else:
        return [line]
    parts.append(line[start:].strip())
    out, current = [], line[:opening]
    for part in parts:
        if len(current) + len(part) + 1 > width and current.strip()[-1] == ",":
            out.append(current.rstrip())
            current = " " * opening
        current += part if current.endswith(("(", " ")) else " " + part
    return [*out, current]


def access_of(attr: str) -> str:
    return f"self.{attr}" if attr.isidentifier() else f'getattr(self, "{attr}")'


def entry(head: str, ctor: Lines, tail: str) -> Lines:
    """`head` + a constructor of one or more lines + `tail`, continuation lines indented."""
    if len(ctor) == 1:
        return [head + ctor[0] + tail]
    indent = " " * (len(head) - len(head.lstrip()))
    return [head + ctor[0], *(indent + line for line in ctor[1:-1]), indent + ctor[-1] + tail]


def sequential(attrs: list[tuple[str, Lines]]) -> Lines:
    """nn.Sequential of named entries (OrderedDict keeps the .arch names)."""
    lines = ["nn.Sequential(OrderedDict(["]
    for attr, ctor in attrs:
        lines += entry(f'{INDENT}("{attr}", ', ctor, "),")
    return [*lines, "]))"]


def camel(text: str) -> str:
    """`bottleneck_down` → `BottleneckDown`; a class name from any .arch name."""
    words = re.split(r"[^A-Za-z0-9]+", text)
    out = "".join(w[:1].upper() + w[1:] for w in words if w)
    return out if out[:1].isalpha() else f"Block{out}"

