"""The layer-kind reference table of docs/language.md, generated from the registry.

`python -m archcalc.reference` prints it; a test keeps the docs in step with the code.
"""

from __future__ import annotations

from archcalc.bind import usage
from archcalc.layers import REGISTRY, names_of
from archcalc.layers.merge import Merge


def kinds_table() -> str:
    """Markdown: one row per kind with its call form, aliases, arguments and FLOP rule."""
    rows = ["| kind | call and defaults | also written | arguments | FLOPs besides 2·MACs |",
            "|---|---|---|---|---|"]
    for kind, cls in REGISTRY.items():
        if issubclass(cls, Merge):
            continue
        aliases = ", ".join(n for n in names_of(kind) if n != kind.upper())
        arguments = "; ".join(f"`{f.name}`: {f.metadata['doc']}"
                              for f in cls.__dataclass_fields__.values()
                              if f.metadata.get("doc") is not None and "kind" in f.metadata)
        rows.append(f"| {kind.upper()} | `{usage(cls)}` | {aliases} | {arguments or '—'} | "
                    f"{cls.flops_rule} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(kinds_table(), end="")
