"""The effective receptive field as a heatmap over the input, with the theoretical receptive
field of the same unit (from the Analysis) as a dashed box and the ERF's ±2σ ellipse. The map
is a PNG inside the SVG (a data: URI, nothing fetched), so a 224×224 map costs tens of
kilobytes, not 50,000 rectangles."""

from __future__ import annotations

import base64
from fractions import Fraction
from typing import TYPE_CHECKING

from archcalc.analyze import LayerReport
from archcalc.pictures.png import png_rgb
from archcalc.pictures.svg import attrs, document, esc
from archcalc.units import number_text, shape_text

if TYPE_CHECKING:
    from archcalc.executor.erf import ERF

STYLE = ".map{image-rendering:pixelated}"
SIDE = 320  # px: the longer side of the drawn map
# inferno-like stops: dark for no influence, bright yellow for the most
STOPS = ((0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164))


def colour(v: float) -> tuple[int, int, int]:
    """A value in [0, 1] as an RGB colour between the stops."""
    v = min(max(v, 0.0), 1.0) * (len(STOPS) - 1)
    k = min(int(v), len(STOPS) - 2)
    t = v - k
    a, b = STOPS[k], STOPS[k + 1]
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def field_box(r: LayerReport, unit: tuple[int, int] | None, height: int, width: int
              ) -> tuple[float, float, float, float]:
    """(top, left, rows, columns) in input pixels of the theoretical field of the probed
    unit: centred at start + unit·jump, `size` pixels per axis (docs/language.md §8)."""
    u = unit or (0, 0)
    out = []
    for axis, k, extent in ((r.rf.h, u[0], height), (r.rf.w, u[1], width)):
        if axis.jump == 0:  # a global unit: it sees the whole input (or more)
            centre = Fraction(extent - 1, 2)
        else:
            centre = Fraction(axis.start) + k * Fraction(axis.jump)
        out.append((float(centre) + 0.5 - axis.size / 2, float(axis.size)))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def erf_figure(erf: ERF, r: LayerReport, standalone: bool = False) -> str:
    """The heatmap SVG (a document of its own with `standalone`) and its caption lines."""
    rows = erf.rows()
    h, w = len(rows), len(rows[0])
    scale = SIDE / max(h, w)
    image = base64.b64encode(png_rgb([[colour(v) for v in row] for row in rows])).decode()
    top, left, fh, fw = field_box(r, erf.unit, h, w)
    (ch, cw), (sh, sw) = erf.moments()
    mw, mh = w * scale, h * scale
    svg = (f'<clipPath id="erf-map"><rect{attrs(width=mw, height=mh)}/></clipPath>'
           f'<image{attrs(width=mw, height=mh, href="data:image/png;base64," + image)}'
           ' preserveAspectRatio="none" class="map"/><g clip-path="url(#erf-map)">'
           f'<rect{attrs(x=left * scale, y=top * scale, width=fw * scale, height=fh * scale)}'
           ' fill="none" stroke="#4cc9f0" stroke-width="2" stroke-dasharray="6 4"/>'
           f'<ellipse{attrs(cx=cw * scale, cy=ch * scale, rx=2 * sw * scale, ry=2 * sh * scale)}'
           ' fill="none" stroke="#ffffff" stroke-width="1.5"/></g>')
    lines = caption(erf, r, (sh, sw), (h, w))
    if not standalone:
        return (f'<svg{attrs(width=mw, height=mh, viewBox=f"0 0 {mw:.0f} {mh:.0f}")}'
                f' role="img"{attrs(aria_label=lines[0])}>{svg}</svg>')
    text = "".join(f'<text{attrs(x=0.0, y=mh + 18 + 14 * k)}>{esc(t)}</text>'
                   for k, t in enumerate(lines))
    width, height = max(mw, 460.0) + 24, mh + 24 + 14 * len(lines) + 8
    body = (f'<rect{attrs(width=width, height=height)} fill="#fff"/>'
            f'<g transform="translate(12,12)">{svg}{text}</g>')
    return document(width, height, body, lines[0], f"<style>{STYLE}</style>")


def caption(erf: ERF, r: LayerReport, sigma: tuple[float, float], size: tuple[int, int]
            ) -> list[str]:
    """What the picture shows, in words and numbers."""
    sh, sw = sigma
    where = "the whole output" if erf.unit is None else \
        f"output unit ({erf.unit[0]}, {erf.unit[1]}) of {shape_text(r.output)}"
    rf = r.rf.h.size if r.rf.h.size == r.rf.w.size else f"{r.rf.h.size}×{r.rf.w.size}"
    return [f"Effective receptive field of {r.name}: |∂y/∂x| for {where}",
            f"mean of {erf.samples} seeded samples (seed {erf.seed}) over the "
            f"{size[0]}×{size[1]} input; bright = more influence",
            f"white ellipse: ERF ±2σ, σ = {sh:.2f} × {sw:.2f} px "
            f"(±2σ spans {4 * sh:.1f} × {4 * sw:.1f} px)",
            f"dashed box: theoretical receptive field, {rf} px (jump "
            f"{number_text(r.rf.h.jump)})"]


def erf_html(erf: ERF, r: LayerReport) -> str:
    """The report's figure: the heatmap beside its caption."""
    (_, _), sigma = erf.moments()
    rows = erf.rows()
    items = "".join(f"<li>{esc(t)}</li>" for t in caption(erf, r, sigma, (len(rows),
                                                                           len(rows[0]))))
    return f'<div class="erf">{erf_figure(erf, r)}<ul>{items}</ul></div>'
