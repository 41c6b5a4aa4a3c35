"""The written .arch analyzed against the framework's own figures, layer by layer: the text
must analyze, expand to the ops in the order written, and give each op the output shape,
parameter and buffer counts the framework measured. A difference is the importer's fault (a
mapping that does not mean what the framework computes), said as an error naming the layer,
never a file that quietly describes another network."""

from __future__ import annotations

from archcalc.bridge.ir import Net, Shape
from archcalc.errors import ArchError, Source

BUG = "an importer bug: please report it with the model"


def verify(net: Net, text: str, order: tuple[int | None, ...]) -> None:
    """Raise unless `text` analyzes to the ops of `order` with the framework's figures."""
    import archcalc

    try:
        analysis = archcalc.analyze(Source(f"<imported {net.name}>", text))
    except ArchError as err:
        raise ArchError(f"the written .arch does not analyze: {err.message}", None,
                        BUG) from None
    if len(analysis.layers) != len(order):
        raise ArchError(f"the written .arch expands to {len(analysis.layers)} layers, not "
                        f"{len(order)}", None, BUG)
    for report, index in zip(analysis.layers, order, strict=True):
        if index is None:
            if report.kind != "identity":
                raise ArchError(f"{report.name} is {report.kind.upper()}, not IDENTITY", None,
                                BUG)
            continue
        op = net.ops[index]
        if report.kind != op.kind:
            raise ArchError(f"{report.name} is {report.kind.upper()}, not {op.kind.upper()} "
                            f"({op.name})", None, BUG)
        for what, ours, theirs in (("output", report.output, op.shape),
                                   ("params", report.params, op.params),
                                   ("buffers", report.buffers, op.buffers)):
            if theirs is not None and ours != theirs:
                raise ArchError(f"{report.name} ({op.name}, {op.origin}): archcalc computes "
                                f"{what} {show(ours)}, {net.source} gives {show(theirs)}",
                                None, BUG)


def show(value: Shape | int) -> str:
    if isinstance(value, tuple):
        return "×".join(map(str, value))
    return f"{value:,}"
