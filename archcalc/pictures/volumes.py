"""One layer's picture: its output volume as a box in the style of the slides' AlexNet and
LeNet figures — height H, depth W (drawn receding up and to the right) and thickness C along
the flow — a vector as a bar, an activation or normalization as a thin slab, a merge as a
circled sign. Each picture is a fragment whose flow line is y = 0.

The scale (stated on every page and in `docs/pictures.md`): a side of n units is
4 + 8·log₂ n px, at most 100 px — 1 → 4 px, 3 → 17, 55 → 50, 224 → 66, 4096 → 100 — so
that a 224×224×3 image and a 7×7×2048 block fit on one page and doubling reads the same
everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archcalc.pictures.svg import COLOURS, FONT, attrs, esc, points, shade, text_width
from archcalc.units import shape_text

BASE, STEP, MAX_SIDE = 4.0, 8.0, 100.0
SCALE_TEXT = ("box sides on a log scale: 4 + 8·log₂ n px for n units, at most 100 px "
              "(height = H, depth = W, thickness = C; a vector of n is a bar 4 + 8·log₂ n "
              "high)")
DEPTH_X, DEPTH_Y = 0.45, 0.3  # the receding W axis, per px of side
SLAB = 5.0  # the width of an activation's or normalization's slab
BAR = 8.0  # the width of a vector's bar
LABEL_GAP = 4.0
LINE = FONT + 2.0  # label line height


def side(n: int) -> float:
    """The drawn length of a side of n units (the stated log scale)."""
    return min(MAX_SIDE, BASE + STEP * math.log2(max(n, 1)))


@dataclass(frozen=True, slots=True)
class Frag:
    """A laid-out picture: width, extent above and below the flow line, SVG in local
    coordinates (x from 0 to w)."""

    w: float
    up: float
    down: float
    svg: str

    def at(self, x: float, y: float) -> str:
        return f'<g transform="translate({x:.1f},{y:.1f})">{self.svg}</g>'


def labelled(shape_svg: str, box_w: float, up: float, down: float, lines: list[str],
             css: str, data: str, tip: str) -> Frag:
    """A shape centred over its label lines; the whole is one group with a tooltip (none
    for "": the report's script shows its own)."""
    label_w = max((text_width(t) for t in lines), default=0.0)
    w = max(box_w, label_w)
    dx = (w - box_w) / 2
    texts = "".join(f'<text{attrs(x=w / 2, y=down + LABEL_GAP + LINE * (k + 1) - 2)}'
                    f' text-anchor="middle"{attrs(class_="lbl" if k else "shape")}>'
                    f"{esc(t)}</text>" for k, t in enumerate(lines))
    title = f"<title>{esc(tip)}</title>" if tip else ""
    body = (f'<g class="{css}"{data}>{title}'
            f'<g transform="translate({dx:.1f},0)">{shape_svg}</g>{texts}</g>')
    return Frag(w, up, down + LABEL_GAP + LINE * len(lines), body)


def volume(shape: tuple[int, ...], colour: str) -> tuple[str, float, float, float]:
    """A box for an H×W×C output (a bar for a vector): SVG, width, extent above and below
    the flow line."""
    if len(shape) != 3:
        h = side(shape[0])
        return (f'<rect{attrs(x=0.0, y=-h / 2, width=BAR, height=h, fill=colour)}'
                ' class="face"/>', BAR, h / 2, h / 2)
    h, depth, c = side(shape[0]), side(shape[1]), side(shape[2])
    dx, dy = depth * DEPTH_X, depth * DEPTH_Y
    top, bottom = -h / 2, h / 2
    front = f'<rect{attrs(x=0.0, y=top, width=c, height=h, fill=colour)} class="face"/>'
    lid = points((0, top), (dx, top - dy), (c + dx, top - dy), (c, top))
    flank = points((c, top), (c + dx, top - dy), (c + dx, bottom - dy), (c, bottom))
    faces = (f'<polygon points="{lid}"{attrs(fill=shade(colour, 0.45))} class="face"/>'
             f'<polygon points="{flank}"{attrs(fill=shade(colour, -0.2))} class="face"/>')
    return front + faces, c + dx, h / 2 + dy, h / 2


def slab(shape: tuple[int, ...], colour: str) -> tuple[str, float, float, float]:
    """A thin slab as high as the volume it acts on: an activation or normalization."""
    h = side(shape[0])
    return (f'<rect{attrs(x=0.0, y=-h / 2, width=SLAB, height=h, fill=colour)}'
            ' class="face"/>', SLAB, h / 2, h / 2)


MERGE_SIGNS = {"add": "+", "res": "+", "mul": "×", "concat": "‖", "split": "‖"}
RADIUS = 9.0


def sign(kind: str) -> tuple[str, float, float, float]:
    """A circled sign for a merge: + (ADD, RES), × (MUL), ‖ (CONCAT, SPLIT)."""
    mark = MERGE_SIGNS.get(kind, "•")
    return (f'<circle{attrs(cx=RADIUS, cy=0.0, r=RADIUS)} class="merge"/>'
            f'<text{attrs(x=RADIUS, y=4.0)} text-anchor="middle" class="sign">{esc(mark)}</text>',
            2 * RADIUS, RADIUS, RADIUS)


def block_box(shape: tuple[int, ...], heading: str, data: str, tip: str, lines: list[str]
              ) -> Frag:
    """A collapsed block: the volume of its output inside a dashed frame, its name above
    and its title and size below; in the report, clicking it opens the block."""
    inner, w, up, down = volume(shape, COLOURS["input"])
    pad = 6.0
    head_w = text_width(heading) + 14
    box_w = max(w + 2 * pad, head_w)
    frame = (f'<rect{attrs(x=0.0, y=-up - pad, width=box_w, height=up + down + 2 * pad)}'
             ' rx="4" class="frame"/>')
    head = f'<text{attrs(x=4.0, y=-up - pad - 4)} class="head">▸ {esc(heading)}</text>'
    shape_svg = frame + head + f'<g transform="translate({(box_w - w) / 2:.1f},0)">{inner}</g>'
    return labelled(shape_svg, box_w, up + pad + LINE + 2, down + pad, lines, "block", data,
                    tip)


def caption(shape: tuple[int, ...], name: str) -> list[str]:
    """The label lines under a picture: the output shape, then the layer's name."""
    return [shape_text(shape), clipped(name)]


def clipped(text: str, most: int = 28) -> str:
    """A label cut to `most` characters (the tooltip has it whole)."""
    return text if len(text) <= most else text[:most - 1] + "…"
