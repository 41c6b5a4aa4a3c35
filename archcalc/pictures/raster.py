"""`archcalc draw --format png`: the SVG rasterized by resvg (through resvg-py, the optional
[png] extra: one wheel of a few MB with no dependencies of its own, and no system library),
at twice the SVG's size so that it stays sharp on slides."""

from __future__ import annotations

from archcalc.errors import ArchError, Source

ZOOM = 2.0


def svg_to_png(svg: str) -> bytes:
    """PNG bytes of an SVG document; an ArchError if the extra is not installed."""
    try:
        import resvg_py
    except ImportError:
        raise ArchError("PNG output needs resvg-py", None,
                        "pip install 'archcalc[png]', or write an SVG (-o net.svg)",
                        Source("<command line>", "")) from None
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=ZOOM, background="#ffffff"))
