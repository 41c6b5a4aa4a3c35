"""Charts of the report, as SVG: a bar per layer of its params, MACs and stored memory (the
slides' VGG-16 observation — most memory in the early CONV layers, most parameters in the
late FC ones — at a glance), and the receptive field's growth layer by layer. Bars of one
colour are one path, so 10,000 layers cost a few hundred kilobytes; the page's script
names the bar under the pointer."""

from __future__ import annotations

from collections.abc import Callable

from archcalc.analyze import Analysis, LayerReport
from archcalc.pictures.svg import COLOURS, attrs, esc, family, text_width
from archcalc.units import compact, grouped, size_bytes

WIDTH, HEIGHT = 900.0, 110.0  # the plot area
LEFT, TOP, BOTTOM = 64.0, 32.0, 22.0


def bars(analysis: Analysis, chart: str, title: str, value: Callable[[LayerReport], int],
         show: Callable[[int], str], bands: list[tuple[str, int, int]]) -> str:
    """One bar per layer, linear scale from 0 to the largest; the three largest named."""
    values = [value(r) for r in analysis.layers]
    n, top = len(values), max(values, default=0)
    step = WIDTH / max(n, 1)
    paths: dict[str, list[str]] = {}
    for i, v in enumerate(values):
        if v > 0 and top > 0:
            h = max(v / top * HEIGHT, 0.5)
            paths.setdefault(family(analysis.layers[i]), []).append(
                f"M{i * step:.2f},{HEIGHT:.0f}v{-h:.2f}h{max(step, 0.6):.2f}v{h:.2f}z")
    shapes = "".join(f'<path d="{"".join(d)}"{attrs(fill=COLOURS.get(k, "#999"))}/>'
                     for k, d in paths.items())
    labels = [short(r.name) for r in analysis.layers]
    names = "".join(_name(labels[i], (i + 0.5) * step, HEIGHT - values[i] / top * HEIGHT - 3)
                    for i in _largest(values, labels, step))
    total = show(sum(values))
    return frame(chart, f"{title} — total {total}", show(top), shapes + names, bands, n)


def _largest(values: list[int], labels: list[str], step: float, count: int = 3
             ) -> list[int]:
    """The largest bars (at most `count`), leaving out any whose name would overlap a name
    already placed."""
    chosen: list[int] = []
    spans: list[tuple[float, float]] = []
    for i in sorted(range(len(values)), key=lambda k: -values[k]):
        if len(chosen) == count or values[i] <= 0:
            break
        lo, hi = _extent(labels[i], (i + 0.5) * step)
        if all(hi + GAP <= a or b + GAP <= lo for a, b in spans):
            chosen.append(i)
            spans.append((lo, hi))
    return chosen


GAP = 8.0  # px between two names
EDGE = 60.0  # a name this close to an end of the plot is anchored there


def _anchor(x: float) -> str:
    return "start" if x < EDGE else "end" if x > WIDTH - EDGE else "middle"


def _extent(label: str, x: float) -> tuple[float, float]:
    """The horizontal span a name takes, as _name anchors it."""
    w = text_width(label)
    return {"start": (x, x + w), "end": (x - w, x), "middle": (x - w / 2, x + w / 2)}[
        _anchor(x)]


def short(name: str, most: int = 24) -> str:
    """A layer's name for a chart: its last dotted parts that fit in `most` characters,
    after "…" if any were left out."""
    parts = name.split(".")
    kept = parts[-1]
    for part in reversed(parts[:-1]):
        if len(part) + 1 + len(kept) + 1 > most:
            break
        kept = f"{part}.{kept}"
    return name if kept == name and len(name) <= most else "…" + kept[-(most - 1):]


def _name(label: str, x: float, y: float) -> str:
    """A bar's name above it, kept inside the plot at its edges."""
    return (f'<text{attrs(x=x, y=y)} text-anchor="{_anchor(x)}" class="lbl name">{esc(label)}'
            "</text>")


def rf_growth(analysis: Analysis, bands: list[tuple[str, int, int]]) -> str:
    """The receptive field's size (H; W too where it differs) after every layer, on a linear
    scale, with the input's height for comparison."""
    rfs = [(float(r.rf.h.size), float(r.rf.w.size)) for r in analysis.layers]
    n = len(rfs)
    top = max([max(h, w) for h, w in rfs] + [float(analysis.input[0])]) if n else 1.0
    step = WIDTH / max(n, 1)

    def line(axis: int, css: str) -> str:
        pts = f"M0,{HEIGHT:.0f}" + "".join(
            f"V{HEIGHT - v[axis] / top * HEIGHT:.2f}H{(i + 1) * step:.2f}"
            for i, v in enumerate(rfs))
        return f'<path d="{pts}" class="{css}"/>'

    shapes = line(0, "rf")
    if any(h != w for h, w in rfs):
        shapes += line(1, "rf w")
    if len(analysis.input) == 3:
        y = HEIGHT - analysis.input[0] / top * HEIGHT
        shapes += (f'<line{attrs(x1=0.0, y1=y, x2=WIDTH, y2=y)} class="ref"/>'
                   f'<text{attrs(x=WIDTH - 2, y=y - 3)} text-anchor="end" class="lbl">'
                   f"input height {analysis.input[0]}</text>")
    last = analysis.layers[-1].rf.h.size if n else 0
    return frame("rf", f"Receptive field size after each layer (pixels) — last {last}",
                 grouped(int(top)), shapes, bands, n)


def frame(chart: str, title: str, top: str, shapes: str, bands: list[tuple[str, int, int]],
          n: int) -> str:
    """Axes, the top block's bands, and an overlay that the page's script reads the pointer
    over (data-chart names the figure, data-n the layer count)."""
    step = WIDTH / max(n, 1)
    band_svg = "".join(
        f'<rect{attrs(x=a * step, y=0.0, width=(b - a) * step, height=HEIGHT)}'
        f' class="band{k % 2}"/><text{attrs(x=a * step + 2, y=HEIGHT + 14)} class="lbl">'
        f"{esc(name if (b - a) * step > len(name) * 6 else '')}</text>"
        for k, (name, a, b) in enumerate(bands))
    w, h = LEFT + WIDTH + 8, TOP + HEIGHT + BOTTOM
    return (f'<svg{attrs(width=w, height=h, viewBox=f"0 0 {w:.0f} {h:.0f}")} class="chart"'
            f' role="img"{attrs(aria_label=title)}>'
            f'<text{attrs(x=0.0, y=12.0)} class="head">{esc(title)}</text>'
            f'<g transform="translate({LEFT:.0f},{TOP:.0f})">{band_svg}{shapes}'
            f'<line x1="0" y1="{HEIGHT:.0f}" x2="{WIDTH:.0f}" y2="{HEIGHT:.0f}" class="axis"/>'
            f'<line x1="0" y1="0" x2="0" y2="{HEIGHT:.0f}" class="axis"/>'
            f'<text{attrs(x=-4.0, y=8.0)} text-anchor="end" class="lbl">{esc(top)}</text>'
            f'<text x="-4" y="{HEIGHT:.0f}" text-anchor="end" class="lbl">0</text>'
            f'<rect{attrs(width=WIDTH, height=HEIGHT)} class="hit"'
            f'{attrs(data_chart=chart, data_n=n)}/></g></svg>')


def all_charts(analysis: Analysis, bands: list[tuple[str, int, int]]) -> str:
    """The three bar charts and the receptive field's growth."""
    return (bars(analysis, "params", "Parameters per layer", lambda r: r.params, compact, bands)
            + bars(analysis, "macs", "Multiply-adds per layer", lambda r: r.macs, compact, bands)
            + bars(analysis, "memory", "Forward memory per layer (stored output)",
                   lambda r: r.memory, size_bytes, bands)
            + rf_growth(analysis, bands))

