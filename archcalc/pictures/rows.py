"""The report's layer table as HTML rows: a row per layer with its exact figures, a header
row per block (its sums). The page holds the top level's rows; each block's own rows travel
in the page's payload and the script puts them under the block's header when it is opened.
Rows carry only indices and classes (data-i for a layer, data-key for a block, data-in for
the block a row is in, a<key> for each enclosing block); every text is escaped."""

from __future__ import annotations

from collections.abc import Iterator

from archcalc.analyze import Analysis, GroupReport, LayerReport
from archcalc.pictures.diagram import heading_of, segment_title
from archcalc.pictures.svg import esc
from archcalc.pictures.tree import Block, Fork, Leaf, Seq, last_layer
from archcalc.render.common import rf_size
from archcalc.render.notes import note_text
from archcalc.units import grouped, shape_text

HEADER = ("name", "layer", "output", "params", "MACs", "FLOPs", "activations",
          "memory (B)", "RF")
# the cell classes of the figures, which the script maps to their --explain rows
CELLS = ("o", "p", "m", "f", "a", "b", "r")
MAX_INDENT = 12


def table(analysis: Analysis, tree: Seq) -> str:
    """The table with the top level's rows."""
    head = "".join(f"<th>{esc(h)}</th>" for h in HEADER)
    body = rows(analysis, tree, [], "")
    return f'<table id="layers"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def rows(analysis: Analysis, seq: Seq, outer: list[int], prefix: str) -> str:
    """The rows of one level: its layers (a merge's paths first, then the merge) and the
    header rows of its blocks, whose own rows are not included."""
    return "".join(_rows(analysis, seq, outer, prefix))


def _rows(analysis: Analysis, seq: Seq, outer: list[int], prefix: str) -> Iterator[str]:
    for item in seq:
        if isinstance(item, Leaf):
            yield layer_row(analysis.layers[item.index], item.index, outer, prefix)
        elif isinstance(item, Fork):
            for path in item.paths:
                yield from _rows(analysis, path, outer, prefix)
            yield layer_row(analysis.layers[item.index], item.index, outer, prefix)
        else:
            yield block_row(analysis, item, outer, prefix)


def _place(outer: list[int], css: str = "") -> str:
    """The attributes that nest a row: its enclosing blocks and its indent."""
    classes = " ".join(([css] if css else []) + [f"a{k}" for k in outer]
                       + [f"d{min(len(outer), MAX_INDENT)}"])
    parent = f' data-in="{outer[-1]}"' if outer else ""
    return f' class="{classes}"{parent}'


def layer_row(r: LayerReport, i: int, outer: list[int], prefix: str) -> str:
    out = shape_text(r.output) + ("" if r.fits else " !")
    cells = [out, grouped(r.params), grouped(r.macs), grouped(r.flops),
             grouped(r.activations) + ("" if r.stored else " *"), grouped(r.memory),
             rf_size(r.rf)]
    figures = "".join(f'<td class="{c}">{esc(v)}</td>' for c, v in zip(CELLS, cells,
                                                                       strict=True))
    note = note_text(r.notes)
    flag = f' title="{esc(note)}"' if note else ""
    return (f'<tr data-i="{i}"{_place(outer)}><td class="n"{flag}>'
            f"{esc(r.name.removeprefix(prefix))}</td><td class=\"k\"><code>{esc(r.brief)}"
            f"</code></td>{figures}</tr>")


def block_row(analysis: Analysis, block: Block, outer: list[int], prefix: str) -> str:
    """A block's header: its name and title, its output, and its sums (a segment of a long
    sequence has no sums: it is not a part of the description)."""
    out = shape_text(analysis.layers[last_layer(block)].output)
    group = block.group
    title = group.title if group else segment_title(block, analysis)
    sums = _sums(group) if group else ["", "", "", "", ""]
    cells = [out, *sums, ""]
    figures = "".join(f'<td class="{c}">{esc(v)}</td>' for c, v in zip(CELLS, cells,
                                                                       strict=True))
    count = block.last - block.first
    name = heading_of(block, analysis, prefix)
    return (f'<tr data-key="{block.key}"{_place(outer, "grp")} aria-expanded="false">'
            f'<td class="n"><button type="button" class="tog">▸</button> {esc(name)}</td>'
            f'<td class="k">{esc(title)} <span class="count">({count} layers)</span></td>'
            f"{figures}</tr>")


def _sums(group: GroupReport) -> list[str]:
    return [grouped(group.params), grouped(group.macs), grouped(group.flops),
            grouped(group.activations), grouped(group.memory)]
