"""SVG text helpers shared by the pictures: escaping, element text, colours by layer family,
and the width a label takes (the layout leaves room for it)."""

from __future__ import annotations

from html import escape

from archcalc.analyze import LayerReport

FONT = 10  # px, labels under the volumes
CHAR = 0.6 * FONT  # the width of a character of a sans-serif label, near enough for layout

# fill colours by the module that defines a kind (archcalc/layers/<family>.py)
COLOURS = {"conv": "#8ecae6", "pool": "#f4a261", "dense": "#90be6d", "activation": "#e9c46a",
           "norm": "#cdb4db", "channels": "#adb5bd", "merge": "#ffffff", "input": "#d9d9d9"}
FAMILY_NAMES = {"conv": "convolution", "pool": "pooling", "dense": "fully connected, flatten",
                "activation": "activation", "norm": "normalization, dropout",
                "channels": "channel split, shuffle", "merge": "merge", "input": "input"}


def esc(text: object) -> str:
    """Text safe inside an element or a quoted attribute (&, <, >, " and ' escaped)."""
    return escape(str(text), quote=True)


def attrs(**values: object) -> str:
    """` key="value"` pairs, escaped; a trailing underscore is dropped (class_) and other
    underscores become dashes (font_size → font-size)."""
    parts = []
    for key, value in values.items():
        name = key.rstrip("_").replace("_", "-")
        parts.append(f' {name}="{esc(_number(value))}"')
    return "".join(parts)


def _number(value: object) -> object:
    """Coordinates with at most one decimal: the files stay small and diff well."""
    if isinstance(value, float):
        text = f"{value:.1f}"
        return text[:-2] if text.endswith(".0") else text
    return value


def points(*xy: tuple[float, float]) -> str:
    return " ".join(f"{_number(x)},{_number(y)}" for x, y in xy)


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * 0.6 * size


def family(r: LayerReport) -> str:
    """The layer family, from the module that defines its kind."""
    return type(r.node.layer).__module__.rsplit(".", 1)[-1]


def shade(colour: str, amount: float) -> str:
    """`colour` mixed with white (amount > 0) or black (amount < 0): the lit top and the
    shaded side of a volume."""
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    mixed = [round(c + (target - c) * abs(amount)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def document(width: float, height: float, body: str, title: str, style: str = "") -> str:
    """A standalone SVG document (no external references)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg"{attrs(width=width, height=height)}'
            f'{attrs(viewBox=f"0 0 {_number(width)} {_number(height)}")}'
            f' font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="{FONT}">'
            f"<title>{esc(title)}</title>{style}{body}</svg>")
