"""The network drawn as its volumes, left to right: layers in sequence on one flow line, the
paths of a merge side by side (one lane each, top to bottom in the order written, the first
on the flow line), blocks collapsed to their output volume in a dashed frame, or expanded
inside a frame when asked. `archcalc draw` writes one such SVG; the report draws the top
level and, for each block, the drawing of its body (opened by clicking the block)."""

from __future__ import annotations

from collections.abc import Callable

from archcalc.analyze import Analysis, LayerReport
from archcalc.pictures import volumes as vol
from archcalc.pictures.svg import COLOURS, FAMILY_NAMES, attrs, document, esc, family
from archcalc.pictures.tree import Block, Fork, Item, Leaf, Seq, last_layer
from archcalc.render.common import rf_size
from archcalc.units import grouped, shape_text

GAP = 14.0  # between items on a flow line
FORK_PAD = 16.0  # before and after the lanes of a fork
LANE_GAP = 10.0
FRAME_PAD = 8.0
MARGIN = 12.0

STYLE = (".face{stroke:#333;stroke-width:.6}.wire{stroke:#666;fill:none;stroke-width:1.2}"
         ".frame{fill:none;stroke:#777;stroke-dasharray:4 3}.open{fill:none;stroke:#aaa}"
         ".merge{fill:#fff;stroke:#333}.sign{font-size:13px;font-weight:bold}"
         ".lbl{fill:#444}.shape{font-weight:bold}.head{font-weight:bold}"
         ".note{fill:#666;font-size:9px}.kind{fill:#555;font-size:9px}")


class Drawing:
    """Lays out items; `expanded(block)` says which blocks are drawn open; `interactive`
    adds the attributes the report's script reads (data-i, data-key)."""

    def __init__(self, analysis: Analysis, expanded: Callable[[Block], bool],
                 interactive: bool = False) -> None:
        self.analysis, self.expanded, self.interactive = analysis, expanded, interactive

    def sequence(self, items: Seq, prefix: str) -> vol.Frag:
        frags = [self.item(item, prefix) for item in items]
        if not frags:
            return vol.Frag(0.0, 4.0, 4.0, "")
        width = sum(f.w for f in frags) + GAP * (len(frags) - 1)
        parts = [f'<line{attrs(x1=0.0, y1=0.0, x2=width, y2=0.0)} class="wire"/>']
        x = 0.0
        for frag in frags:
            parts.append(frag.at(x, 0.0))
            x += frag.w + GAP
        return vol.Frag(width, max(f.up for f in frags), max(f.down for f in frags),
                        "".join(parts))

    def item(self, item: Item, prefix: str) -> vol.Frag:
        if isinstance(item, Leaf):
            return self.leaf(self.analysis.layers[item.index], item.index, prefix)
        if isinstance(item, Fork):
            return self.fork(item, prefix)
        if self.expanded(item):
            return self.open_block(item, prefix)
        return self.closed_block(item, prefix)

    def leaf(self, r: LayerReport, i: int, prefix: str) -> vol.Frag:
        kind = family(r)
        colour = COLOURS.get(kind, "#ffffff")
        data = f' data-i="{i}"' if self.interactive else ""
        name, hint = r.name.removeprefix(prefix), "" if self.interactive else tip(r)
        if kind == "merge":
            svg, w, up, down = vol.sign(r.kind)
            return vol.labelled(svg, w, up, down, vol.caption(r.output, name), "layer", data,
                                hint)
        if kind in ("activation", "norm") or r.kind == "identity":
            svg, w, up, down = vol.slab(r.output, colour)
            return self._slab(svg, w, up, down, r, data, hint)
        svg, w, up, down = vol.volume(r.output, colour)
        return vol.labelled(svg, w, up, down, vol.caption(r.output, name), "layer", data,
                            hint)

    def _slab(self, svg: str, w: float, up: float, down: float, r: LayerReport,
              data: str, hint: str) -> vol.Frag:
        """A slab labelled by its kind, written downwards under it (its shape is its
        input's: the tooltip has it)."""
        length = len(r.kind) * 5.6 + 4
        label = (f'<text transform="translate({w / 2 + 3:.1f},{down + 4:.1f}) rotate(90)"'
                 f' class="kind">{esc(r.kind)}</text>')
        title = f"<title>{esc(hint)}</title>" if hint else ""
        body = f'<g class="layer"{data}>{title}{svg}{label}</g>'
        return vol.Frag(max(w, 10.0), up, down + length, body)

    def fork(self, fork: Fork, prefix: str) -> vol.Frag:
        lanes = [self.sequence(path, prefix) for path in fork.paths]
        widest = max(lane.w for lane in lanes)
        join = FORK_PAD + widest + FORK_PAD / 2
        ys, y = [], 0.0
        for k, lane in enumerate(lanes):
            if k:
                y += lanes[k - 1].down + LANE_GAP + lane.up
            ys.append(y)
        wires = "".join(
            f'<polyline points="0,0 {FORK_PAD / 2:.1f},0 {FORK_PAD / 2:.1f},{ly:.1f} '
            f'{join:.1f},{ly:.1f} {join:.1f},0 {join + FORK_PAD / 2:.1f},0" class="wire"/>'
            for ly in ys)
        bodies = "".join(lane.at(FORK_PAD, ly) for lane, ly in zip(lanes, ys, strict=True))
        r = self.analysis.layers[fork.index]
        merge = self.leaf(r, fork.index, prefix)
        x_merge = join + FORK_PAD / 2
        svg = wires + bodies + merge.at(x_merge, 0.0)
        down = max(ys[-1] + lanes[-1].down, merge.down)
        return vol.Frag(x_merge + merge.w, max(lanes[0].up, merge.up), down, svg)

    def open_block(self, block: Block, prefix: str) -> vol.Frag:
        inner = block.group.name + "." if block.group else prefix
        body = self.sequence(block.body, inner)
        heading = heading_of(block, self.analysis, prefix)
        top, height = -body.up - FRAME_PAD, body.up + body.down + 2 * FRAME_PAD
        w = body.w + 2 * FRAME_PAD
        svg = (f'<rect{attrs(x=0.0, y=top, width=w, height=height)} rx="6" class="open"/>'
               f'<text{attrs(x=4.0, y=top - 4)} class="head">{esc(heading)}</text>'
               + body.at(FRAME_PAD, 0.0))
        return vol.Frag(w, body.up + FRAME_PAD + vol.LINE + 4, body.down + FRAME_PAD, svg)

    def closed_block(self, block: Block, prefix: str) -> vol.Frag:
        out = self.analysis.layers[last_layer(block)].output
        heading = heading_of(block, self.analysis, prefix)
        count = block.last - block.first
        note = f"{count} layer{'s' if count != 1 else ''}"
        data = f' data-key="{block.key}"' if self.interactive else ""
        title = block.group.title if block.group else segment_title(block, self.analysis)
        lines = [shape_text(out), vol.clipped(title), note]
        return vol.block_box(out, heading, data, f"{heading}: {title}, {note}", lines)

    def input_frag(self) -> vol.Frag:
        shape = self.analysis.input
        svg, w, up, down = vol.volume(shape, COLOURS["input"])
        return vol.labelled(svg, w, up, down, [shape_text(shape), "input"], "layer", "",
                            f"input {shape_text(shape)}")


def heading_of(block: Block, analysis: Analysis, prefix: str) -> str:
    if block.group is not None:
        return block.group.name.removeprefix(prefix)
    return f"layers {block.first + 1}–{block.last}"


def segment_title(block: Block, analysis: Analysis) -> str:
    """A segment of a long sequence, by its first and last layers' names."""
    return f"{analysis.layers[block.first].name} … {analysis.layers[block.last - 1].name}"


def tip(r: LayerReport) -> str:
    """A layer's tooltip: what it is and its figures."""
    return (f"{r.name}  {r.brief}\noutput {shape_text(r.output)}  params {grouped(r.params)}"
            f"  MACs {grouped(r.macs)}  RF {rf_size(r.rf)}")


def with_input(drawing: Drawing, items: Seq) -> vol.Frag:
    """The top level: the input volume, then the network."""
    first, rest = drawing.input_frag(), drawing.sequence(items, "")
    svg = (f'<line{attrs(x1=first.w / 2, y1=0.0, x2=first.w + GAP, y2=0.0)} class="wire"/>'
           + first.at(0.0, 0.0) + rest.at(first.w + GAP, 0.0))
    return vol.Frag(first.w + GAP + rest.w, max(first.up, rest.up), max(first.down, rest.down),
                    svg)


def inline_svg(frag: vol.Frag, label: str) -> str:
    """A fragment as an SVG element for the report page (the page's stylesheet styles it)."""
    w, h = frag.w + 2 * MARGIN, frag.up + frag.down + 2 * MARGIN
    return (f'<svg{attrs(width=w, height=h, viewBox=f"0 0 {w:.1f} {h:.1f}")} role="img"'
            f'{attrs(aria_label=label)}>' + frag.at(MARGIN, MARGIN + frag.up) + "</svg>")


def legend(y: float) -> tuple[str, float]:
    """The colour key and the stated scale, one line each, from y down."""
    x, parts = 0.0, []
    for key in ("conv", "pool", "dense", "activation", "norm", "channels"):
        parts.append(f'<rect{attrs(x=x, y=y - 8, width=10.0, height=10.0, fill=COLOURS[key])}'
                     f' class="face"/><text{attrs(x=x + 14, y=y)}>{esc(FAMILY_NAMES[key])}</text>')
        x += 24 + len(FAMILY_NAMES[key]) * 6
    parts.append(f'<text{attrs(x=0.0, y=y + 16)} class="lbl">{esc(vol.SCALE_TEXT)}</text>')
    return "".join(parts), max(x, len(vol.SCALE_TEXT) * 6.0)


def standalone(analysis: Analysis, items: Seq, expanded: Callable[[Block], bool]) -> str:
    """`archcalc draw`: the network, a title line, the colour key and the scale."""
    frag = with_input(Drawing(analysis, expanded), items)
    title = f"{analysis.network}  input {shape_text(analysis.input)}"
    key, key_w = legend(0.0)
    top = MARGIN + 16 + frag.up
    height = top + frag.down + 20 + 28 + MARGIN
    width = max(frag.w, key_w, len(title) * 7.2) + 2 * MARGIN
    body = (f'<rect{attrs(width=width, height=height)} fill="#ffffff"/>'
            f'<text{attrs(x=MARGIN, y=MARGIN + 10)} class="head">{esc(title)}</text>'
            + frag.at(MARGIN, top) + f'<g transform="translate({MARGIN:.1f},'
            f'{top + frag.down + 20:.1f})">{key}</g>')
    return document(width, height, body, title, f"<style>{STYLE}</style>")
