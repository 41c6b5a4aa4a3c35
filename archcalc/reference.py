"""The layer-kind reference table of docs/language.md, generated from the registry.

`python -m archcalc.reference` prints it; a test keeps the docs in step with the code.
"""

from __future__ import annotations

from archcalc.bind import usage
from archcalc.layers import REGISTRY, Layer, names_of
from archcalc.layers.merge import Merge


def memory_rule(cls: type[Layer]) -> str:
    """The kind's place in the memory convention (docs/language.md §8), from its flags."""
    if cls.view:
        return "a view: no new memory"
    keeps = {"input": "; its backward keeps the input",
             "output": "; its backward keeps the output"}.get(cls.keeps, "")
    return ("in place" if cls.inplace else "new tensor") + keeps


def kinds_table() -> str:
    """Markdown: one row per kind with its call form, aliases, arguments, FLOP rule and
    memory convention."""
    rows = ["| kind | call and defaults | also written | named | arguments "
            "| FLOPs besides 2·MACs | memory |",
            "|---|---|---|---|---|---|---|"]
    for kind, cls in REGISTRY.items():
        if issubclass(cls, Merge):
            continue
        aliases = ", ".join(n for n in names_of(kind) if n != kind.upper())
        arguments = "; ".join(f"`{f.name}`: {f.metadata['doc']}"
                              for f in cls.__dataclass_fields__.values()
                              if f.metadata.get("doc") is not None and "kind" in f.metadata)
        rows.append(f"| {kind.upper()} | `{usage(cls)}` | {aliases} | `{cls.prefix}1` | "
                    f"{arguments or '—'} | {cls.flops_rule} | {memory_rule(cls)} |")
    return "\n".join(rows) + "\n"


def merges_table() -> str:
    """Markdown: one row per merge with its paths, what it computes, FLOPs and memory."""
    rows = ["| merge | paths | named | computes | FLOPs | memory |", "|---|---|---|---|---|---|"]
    for kind, cls in REGISTRY.items():
        if not issubclass(cls, Merge):
            continue
        paths = f"{cls.min_paths} or more" if cls.max_paths is None else \
            f"{cls.min_paths} to {cls.max_paths}"
        memory = "as what it becomes" if cls.sugar else memory_rule(cls)
        meaning = cls.meaning.replace("|", "\\|")
        rows.append(f"| {kind.upper()} | {paths} | `{cls.prefix}1` | {meaning} | "
                    f"{cls.flops_rule} | {memory} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(kinds_table(), end="")
    print()
    print(merges_table(), end="")
