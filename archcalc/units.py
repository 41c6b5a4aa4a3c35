"""Numbers as people write them: `61,706`, `35K`, `1.8G`, `58.1MiB` — formatted and parsed.

Counts take K, M, G, T (10³ … 10¹²) and Ki, Mi, Gi (2¹⁰ …); `B` never means billion.
Memory takes bytes: B, KB, MB, GB (10³ …) and KiB, MiB, GiB (2¹⁰ …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

COUNT_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                  "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
BYTE_SUFFIXES = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
                 "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}

MAX_DIGITS = 30  # longer numbers are refused before they are converted

_NUMBER = re.compile(r"(?P<mantissa>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:\.[0-9]+)?)"
                     r"\s*(?P<suffix>[A-Za-z]*)")


# Inside a line (a table cell, a list item's text) only these start markup: emphasis,
# code, links and images (`[`), HTML tags and entities, strikethrough, a table's `|`.
# `#`, `+`, `-`, `1.` mean something only at a line's start, where archcalc writes none.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|<>&~])")


def markdown_text(text: str) -> str:
    """`text` as literal Markdown inside a line: every character CommonMark or GitHub could
    read as markup there (links, emphasis, HTML tags and entities, a table's `|`) escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as printed: 55×55×96, or 4096 for a vector."""
    return "×".join(map(str, shape))


def fraction_text(value: int | Fraction) -> str:
    """An exact quotient as printed in a formula: 55, or 2.33 (two decimals)."""
    return str(value.numerator) if Fraction(value).denominator == 1 else f"{float(value):.2f}"


def number_text(value: int | Fraction) -> str:
    """A jump, start or field size as printed: 4, 0.5, -0.25 (shortest float form)."""
    exact = Fraction(value)
    return str(exact.numerator) if exact.denominator == 1 else f"{float(exact):g}"


def json_number(value: int | Fraction) -> int | float:
    """An exact value for JSON: an int when integral, else a float."""
    if type(value) is int:  # most figures: no Fraction made
        return value
    exact = Fraction(value)
    return exact.numerator if exact.denominator == 1 else float(exact)


def grouped(n: int) -> str:
    """An exact integer with thousands separators: 34,944."""
    return f"{n:,}"


def compact(n: int | Fraction) -> str:
    """A count in three significant digits with a decimal suffix: 105M, 34.9K, 1.81G."""
    value = abs(Fraction(n))
    sign = "-" if n < 0 else ""
    for suffix, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= scale:
            return sign + _three_digits(value / scale) + suffix
    return sign + (str(int(value)) if value.denominator == 1 else _three_digits(value))


def size_bytes(n: int) -> str:
    """Bytes in decimal units, three significant digits: 60.9 MB."""
    for suffix, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            return f"{_three_digits(Fraction(n, scale), keep_zeros=True)} {suffix}"
    return f"{n} B"


def size_bibytes(n: int) -> str:
    """Bytes in binary units, three significant digits: 58.1 MiB."""
    for suffix, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{_three_digits(Fraction(n, scale), keep_zeros=True)} {suffix}"
    return f"{n} B"


def _three_digits(value: Fraction, keep_zeros: bool = False) -> str:
    """Three significant digits (rounded); trailing zeros dropped unless `keep_zeros`."""
    if value >= 100:
        return str(round(value))
    places = 1 if value >= 10 else 2
    text = f"{float(value):.{places}f}"
    return text if keep_zeros else text.rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class Written:
    """A number as written in an expect line: its value and the precision it claims."""

    value: Fraction
    precision: Fraction  # 0 means exact
    text: str

    def matches(self, got: int | Fraction) -> bool:
        """Equal at the precision written (rounding): 138M matches 138,357,544."""
        return abs(Fraction(got) - self.value) * 2 <= self.precision


def parse_number(text: str, unit: str = "count") -> Written:
    """Parse `61,706`, `35K`, `3.2M`, `58.1MiB`; raise ValueError with the reason.

    Without a suffix a number is exact. With one, it holds to the place of its last
    significant digit; trailing zeros of a whole mantissa are not significant (`800K`
    is good to 100K, so 802,816 matches it).
    """
    match = _NUMBER.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a number like 61,706, 35K or 1.8G")
    mantissa, suffix = match.group("mantissa"), match.group("suffix")
    if len(mantissa) > MAX_DIGITS:
        raise ValueError(f"{mantissa[:20]}… has {len(mantissa)} characters; numbers are "
                         f"limited to {MAX_DIGITS}")
    table = BYTE_SUFFIXES if unit == "bytes" else COUNT_SUFFIXES
    if unit == "bytes" and suffix == "":
        suffix = "B"
    if suffix not in table:
        valid = ", ".join(s for s in table if s)
        raise ValueError(f"unknown suffix {suffix!r} in {text!r}; use one of {valid}"
                         + ("" if unit == "bytes" else " (B never means billion: use G)"))
    scale = table[suffix]
    digits = mantissa.replace(",", "")
    value = Fraction(digits) * scale
    exact = scale == 1 or (unit == "bytes" and suffix == "B")
    return Written(value, Fraction(0) if exact else _place(digits) * scale, text)


def _place(digits: str) -> Fraction:
    """The place value of the last significant digit of a mantissa."""
    if "." in digits:
        return Fraction(1, 10 ** len(digits.split(".")[1]))
    stripped = digits.rstrip("0")
    return Fraction(10 ** (len(digits) - len(stripped))) if stripped else Fraction(1)
