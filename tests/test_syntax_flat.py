"""The parser's fast path (archcalc/syntax_flat.py) gives exactly the Lark grammar's AST —
spans included — on every file it takes, takes the flat files of the zoo, and counts the
layer limit at the same call; everything else is left to Lark (the language's reference)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.errors import ArchError, Source
from archcalc.syntax import _lark_parse, parse
from archcalc.syntax_flat import parse_flat

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for folder in ("specs", "examples", "tests")
               for p in (ROOT / folder).rglob("*.arch"))


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def _same_as_lark(text: str) -> bool:
    """True when the fast path takes `text` (then Lark must give the same Program)."""
    fast = parse_flat(text, lambda span: None)
    if fast is not None:
        assert fast == _lark_parse(Source("<t>", text), None)
    return fast is not None


def test_every_flat_file_of_the_repository_parses_as_lark_parses_it() -> None:
    taken = {p.name for p in FILES if (text := _text(p)) is not None and _same_as_lark(text)}
    assert {"vgg16.arch", "alexnet.arch", "lenet5.arch", "alexnet_2gpu.arch"} <= taken


def test_other_files_are_left_to_lark() -> None:
    for text in ("param N = 2\ninput 8x8x1\nCONV(N)", "input 8x8x1\nCONV3-4*2",
                 "input 8x8x1\n(CONV3-4 - RELU)", "input 8x8x1\nCONV3-4\n  - RELU",
                 "input 8x8x1\nCONV(2 + 1)", "input 8x8x1\nCONV3–4", "input 8x8x1\nRELU?",
                 "input 8x8x1\nADD(RELU | RELU)", "input 8x8x1\r\nRELU", "", "# only\n",
                 "input 8x8x1\nCONV(4,)", "input 8x8x1\nCONV(f=)", "input 8 x 8 x 1\nRELU",
                 "input 8x8x1\nCONV(1234567890123456)", "use alexnet\nexpect conv1: rf=11"):
        assert parse_flat(text, lambda span: None) is None, text


def test_a_flat_file_is_refused_at_the_call_past_the_limit_as_lark_refuses_it() -> None:
    text = "input 8x8x1\nCONV3-4 - RELU\nc: CONV(4, f=1) - BN\n\nFC-10, SOFTMAX\n"
    for limit in range(1, 6):
        with pytest.raises(ArchError) as fast:
            parse(Source("<t>", text), max_layers=limit)
        with pytest.raises(ArchError) as lark:
            _lark_parse(Source("<t>", text), limit)
        assert (fast.value.message, fast.value.span) == (lark.value.message, lark.value.span)
    assert parse(Source("<t>", text), max_layers=6) == _lark_parse(Source("<t>", text), 6)


# ---- generated files: pieces of the subset, and the characters that leave it ----------------

NAMES = st.sampled_from(["CONV", "conv1_1", "RELU", "FC", "add", "ADD", "input", "Expect",
                         "use", "block", "_x", "network", "POOL2", "BN", "p", "same", "f"])
NUMBERS = st.sampled_from(["0", "3", "64", "0.5", "10.25", "3x3", "2x2x2", "007", "1.",
                           "3x", "1234567890123456"])
SPACE = st.sampled_from(["", " ", "  ", "\t"])
SEPS = st.sampled_from(["-", " - ", "->", ", ", " -> ", "–", "-", " "])


@st.composite
def calls(draw: st.DrawFn) -> str:
    name = draw(NAMES)
    form = draw(st.integers(0, 3))
    if form == 0:
        return name
    if form == 1:
        return f"{name}-{draw(st.sampled_from(['3', '64', '4096', '3x', '1.5', '']))}"
    args = draw(st.lists(st.tuples(st.one_of(st.none(), NAMES), st.one_of(NUMBERS, NAMES)),
                         max_size=3))
    inner = ",".join(f"{draw(SPACE)}{k + draw(SPACE) + '=' + draw(SPACE) if k else ''}{v}"
                     f"{draw(SPACE)}" for k, v in args)
    return f"{name}{draw(SPACE)}({inner}{draw(st.sampled_from(['', ',', ')']))})"


@st.composite
def elements(draw: st.DrawFn) -> str:
    label = draw(st.one_of(st.none(), NAMES))
    call = draw(calls())
    suffix = draw(st.sampled_from(["", "", "", "?", "*2", ":"]))
    return f"{label}{draw(SPACE)}:{draw(SPACE)}{call}{suffix}" if label else call + suffix


@st.composite
def lines(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return f"network {draw(st.sampled_from(['VGG-16', 'a.b+c', 'x y', '']))}"
    if kind == 1:
        return f"{draw(st.sampled_from(['input', 'Input']))} {draw(NUMBERS)}"
    if kind == 2:
        items = draw(st.lists(st.sampled_from(["224x224x3", "rf=3", "weights=1,728",
                                               "a = b", "3=4", "k=", "params=138M"]),
                              max_size=3))
        target = draw(st.sampled_from(["conv1", "layer2.0.conv1", "total", "a.", "1"]))
        return f"expect {target}{draw(SPACE)}: {' '.join(items)}"
    if kind == 3:
        return draw(st.sampled_from(["", "# a comment", "   ", "  # x - (", "\t"]))
    parts = draw(st.lists(elements(), min_size=1, max_size=4))
    text = parts[0]
    for part in parts[1:]:
        text += draw(SEPS) + part
    return draw(SPACE) + text + draw(st.sampled_from(["", " # c", "  ", " -", "#(("]))


@settings(max_examples=400, deadline=None)
@given(st.lists(lines(), min_size=1, max_size=6), st.sampled_from(["\n", "\n\n", "\n  "]))
def test_generated_files_parse_as_lark_parses_them(body: list[str], newline: str) -> None:
    """Whatever the fast path takes, Lark takes too, with the same AST; and on a text Lark
    refuses, the fast path gives None (so Lark's message is the one shown)."""
    text = "input 8x8x3\n" + newline.join(body)
    try:
        _same_as_lark(text)
    except ArchError:
        assert parse_flat(text, lambda span: None) is None


def test_a_long_generated_chain_parses_as_lark_parses_it() -> None:
    cycle = ["CONV3-16", "RELU", "BN", "CONV(16, f=1)", "LEAKYRELU(0.1)", "l: POOL(2, s=2)"]
    body = [" - ".join(cycle[(i + j) % len(cycle)] for j in range(10)) for i in range(300)]
    assert _same_as_lark("network long\ninput 64x64x16  # an input\n" + "\n".join(body))
