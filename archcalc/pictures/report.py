"""`archcalc report`: one self-contained HTML page — the network drawn as its volumes, the
bar charts, the receptive field's growth, the layer table, the totals and settings, and
every figure's `--explain` arithmetic on hover or click.

Self-contained: the stylesheet, the script and every picture are inline, and the page's
Content-Security-Policy (`default-src 'none'`, the script and stylesheet allowed by their
SHA-256 hashes) forbids any fetch, so the page cannot reach the network even by mistake and
an injected attribute could not run. All text from the description or the command line is
escaped. What the page shows only on demand — each block's drawing and rows, every figure's
arithmetic — travels as one gzip-compressed JSON payload (base64 in a data block) that the
script opens with the browser's DecompressionStream: a 10,000-layer file stays near a
megabyte and is ready in under a second (docs/pictures.md; bench/report.py measures it).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Iterator
from importlib import resources

import archcalc
from archcalc.analyze import Analysis
from archcalc.pictures import charts, diagram, rows
from archcalc.pictures.svg import esc
from archcalc.pictures.tree import Block, Fork, Seq, network_tree
from archcalc.pictures.volumes import SCALE_TEXT
from archcalc.render.common import LEGEND, rf_size
from archcalc.render.explain import group_rows, layer_rows, total_rows
from archcalc.render.notes import note_text
from archcalc.units import compact, grouped, shape_text, size_bibytes, size_bytes
from archcalc.values import show


def report_html(analysis: Analysis, source: str, erf: str = "") -> str:
    """The page for `analysis` of the file named `source`; `erf`: an ERF figure's HTML."""
    tree = network_tree(analysis)
    css, js = _asset("page.css") + diagram.STYLE, _asset("page.js")
    title = f"{analysis.network} — archcalc report"
    body = "".join([
        _header(analysis, source), _totals(analysis),
        _section("Network", f'<p class="note">{esc(SCALE_TEXT)}. Click a block (dashed '
                 "frame) to open it; click a layer for its arithmetic.</p>"
                 + _drawings(analysis, tree)),
        _section("Where the parameters, compute and memory are",
                 charts.all_charts(analysis, _bands(analysis, tree))),
        erf and _section("Effective receptive field", erf),
        _section("Layers", _table(analysis, tree)),
        '<aside id="explain" hidden><button type="button" class="close" aria-label="close">'
        '×</button><pre></pre></aside><div id="tip" hidden></div>',
        '<script type="application/octet-stream" id="payload" data-encoding="gzip+base64">'
        f"{_payload(analysis, tree)}</script>",
    ])
    policy = (f"default-src 'none'; style-src '{_sha(css)}'; script-src '{_sha(js)}'; "
              "img-src data:")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{css}</style></head>"
            f"<body>{body}<script>{js}</script></body></html>\n")


def _asset(name: str) -> str:
    return resources.files("archcalc.pictures").joinpath(name).read_text(encoding="utf-8")


def _sha(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _section(heading: str, content: str) -> str:
    return f"<section><h2>{esc(heading)}</h2>{content}</section>"


def _header(analysis: Analysis, source: str) -> str:
    s = analysis.settings
    facts = [f"file {source}", f"input {shape_text(analysis.input)}"]
    if analysis.params:
        facts.append(", ".join(f"{k}={show(v)}" for k, v in analysis.params))
    facts.append(f"{s.dtype}, batch {s.batch}, {s.optimizer}"
                 + (", strict" if s.strict else "")
                 + (", in-place outputs counted" if s.count_inplace else ""))
    defaults = "".join(f"<li><code>{esc(d)}</code></li>" for d in analysis.graph.defaults)
    return (f"<header><h1>{esc(analysis.network)}</h1><p>"
            + " · ".join(f'<span class="fact">{esc(f)}</span>' for f in facts) + "</p>"
            + (f'<ul class="defaults">{defaults}</ul>' if defaults else "") + "</header>")


def _totals(analysis: Analysis) -> str:
    """The totals, each with its arithmetic (the `total` rows of --explain) on hover."""
    t = analysis.totals
    per = "image" if analysis.settings.batch == 1 else f"batch of {analysis.settings.batch}"
    cards = [("params", grouped(t.params), f"buffers {grouped(t.buffers)}", ""),
             ("MACs", compact(t.macs), grouped(t.macs), ""),
             ("FLOPs", compact(t.flops), grouped(t.flops), ""),
             ("activations", compact(t.activations), grouped(t.activations), "activations"),
             ("forward memory", size_bytes(t.memory),
              f"{grouped(t.memory)} B ({size_bibytes(t.memory)}) per {per}", "forward"),
             ("training memory", size_bytes(t.memory_training),
              f"{grouped(t.memory_training)} B", "training")]
    html = "".join(f'<div class="card" data-total="{esc(row)}"><div class="label">{esc(k)}'
                   f'</div><div class="big" id="total-{esc(k.replace(" ", "-"))}">{esc(v)}</div>'
                   f'<div class="small">{esc(sub)}</div></div>' for k, v, sub, row in cards)
    return f'<section id="totals">{html}</section>'


def _drawings(analysis: Analysis, tree: Seq) -> str:
    """The top level drawn; each block's drawing is in the payload."""
    drawing = diagram.Drawing(analysis, lambda block: False, interactive=True)
    top = diagram.inline_svg(diagram.with_input(drawing, tree), analysis.network)
    return (f'<div class="panel" data-level="0"><div class="scroll">{top}</div></div>'
            '<div id="panels"></div>')


def _walk(seq: Seq, prefix: str, outer: tuple[int, ...] = ()
          ) -> Iterator[tuple[Block, str, str, list[int]]]:
    """Every block with the name prefix outside it and inside it, and the keys of the
    blocks around it."""
    for item in seq:
        if isinstance(item, Block):
            inner = item.group.name + "." if item.group else prefix
            yield item, prefix, inner, list(outer)
            yield from _walk(item.body, inner, (*outer, item.key))
        elif isinstance(item, Fork):
            for path in item.paths:
                yield from _walk(path, prefix, outer)


def _bands(analysis: Analysis, tree: Seq) -> list[tuple[str, int, int]]:
    """The top-level blocks, shaded behind the charts so that a bar can be placed."""
    return [(diagram.heading_of(b, analysis, ""), b.first, b.last) for b in tree
            if isinstance(b, Block)]


def _table(analysis: Analysis, tree: Seq) -> str:
    notes = "".join(f"<li><b>{esc(r.name)}</b>: {esc(note_text(r.notes))}</li>"
                    for r in analysis.layers if r.notes)
    return ('<p><button type="button" id="expand-all">expand all</button> '
            '<button type="button" id="collapse-all">collapse all</button> '
            '<span class="note">Hover a figure for its arithmetic; click a row for all of it.'
            "</span></p>" + rows.table(analysis, tree)
            + (f'<ul class="notes">{notes}</ul>' if notes else "")
            + f'<p class="note">{esc(LEGEND)} · memory: bytes this layer adds to forward '
            "memory · ! does not fit (see notes)</p>"
            f'<p class="note">archcalc {esc(archcalc.__version__)}</p>')


def _payload(analysis: Analysis, tree: Seq) -> str:
    """What the script shows on demand, gzip-compressed and base64-encoded: per layer its
    name, --explain rows, chart values, layer and shape (the tooltips); per block its rows,
    its drawing and its --explain rows (a group's sums); the totals' rows."""
    layers = [[r.name, layer_rows(r), grouped(r.params), grouped(r.macs),
               size_bytes(r.memory), f"{rf_size(r.rf)} (jump {show(r.rf.h.jump)})", r.brief,
               shape_text(r.output)] for r in analysis.layers]
    drawing = diagram.Drawing(analysis, lambda block: False, interactive=True)
    blocks = {}
    for block, prefix, inner, outer in _walk(tree, ""):
        heading = diagram.heading_of(block, analysis, prefix)
        blocks[str(block.key)] = {
            "rows": rows.rows(analysis, block.body, [*outer, block.key], inner),
            "svg": diagram.inline_svg(drawing.sequence(block.body, inner), heading),
            "explain": group_rows(block.group, analysis) if block.group else None}
    doc = {"layers": layers, "blocks": blocks, "totals": total_rows(analysis)}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode("utf-8"), 6, mtime=0)).decode("ascii")
