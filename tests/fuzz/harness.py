"""What the fuzzers share: inputs made from the grammar's terminals (token soup) and from
mutated specs of the zoo, and `exercise`, which runs one input through everything a file
reaches — decoding, parsing, expansion, analysis, expect checks, every renderer, a small
sweep — and lets anything but a clean, renderable ArchError escape as a finding."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

import archcalc
from archcalc.errors import ArchError, render_error
from archcalc.source import decode

ROOT = Path(__file__).resolve().parents[2]
SPECS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "specs").rglob("*.arch"))]
# Small enough that a valid input analyzes in well under a second: a slower one is a finding.
LIMITS = archcalc.Limits(max_layers=20_000, max_depth=100)
LOCATED = re.compile(r"<fuzz>:\d+:\d+: error: ")
LAST = {"analysis": 0.0, "layers": 0}  # of the last input: CPU seconds to analyze, layers


def exercise(data: bytes) -> bool:
    """True when `data` analyzes (and renders), False when it is refused with an ArchError
    that renders as a located message; any other exception is a finding."""
    start, LAST["layers"] = time.process_time(), 0
    try:
        source = decode("<fuzz>", data)
        flags = data[-1] if data else 0  # the settings vary with the input, reproducibly
        analysis = archcalc.analyze(source, limits=LIMITS, strict=bool(flags & 1),
                                    optional=not flags & 2, count_inplace=bool(flags & 4),
                                    batch=1 + (flags & 8), dtype=("float32", "float16")[
                                        flags >> 4 & 1], optimizer=("sgd", "adam")[flags >> 5 & 1])
    except ArchError as err:
        LAST["analysis"] = time.process_time() - start
        _error_renders(err)
        return False
    LAST["analysis"], LAST["layers"] = time.process_time() - start, len(analysis.layers)
    _analysis_renders(analysis, source)
    return True


def _error_renders(err: ArchError) -> None:
    from archcalc.render.text import error_json

    text = render_error(err)
    if err.span is not None:
        assert LOCATED.match(text) and "^" in text and "\n  hint: " in text, text
    assert "\x1b" not in text, "a control character reached the error output"
    json.loads(error_json(err))


def _analysis_renders(analysis: archcalc.Analysis, source: archcalc.errors.Source) -> None:
    from archcalc.check import run_checks
    from archcalc.render import checks, text
    from archcalc.render import sweep as sweep_render
    from archcalc.render.table import to_table
    from archcalc.sweep import Sweep, optional_labels

    try:
        results = run_checks(analysis)  # a mutated expect line may name no layer
    except ArchError as err:
        _error_renders(err)
        results = []
    json.loads(checks.checks_json([("<fuzz>", (analysis, results))]))
    json.loads(text.to_json(analysis, explain=True))
    text.to_csv(analysis)
    text.to_markdown(analysis, explain=True)
    _lines(to_table(analysis, explain=len(analysis.layers) <= 100, width=100), 100)
    _lines(checks.checks_table("<fuzz>", (analysis, results), width=80), 80)
    job = Sweep(source, {}, limits=LIMITS)
    if job.configurations <= 4:
        outcomes = list(job.run())
        labels = optional_labels(source, job.spans)
        json.loads(sweep_render.sweep_json(outcomes, labels, job.configurations))
        sweep_render.sweep_csv(outcomes, labels)
        _lines(sweep_render.sweep_table(outcomes, labels, width=80), 80)


def _lines(lines: list[tuple[str, str]], width: int) -> None:
    """A rendering as the terminal gets it: (text, style) lines, none wider than `width`
    terminal cells (a table narrows or drops columns; it never overflows)."""
    from rich.cells import cell_len

    for text, style in lines:
        assert isinstance(text, str) and isinstance(style, str), (text, style)
        assert cell_len(text) <= width, f"{cell_len(text)} cells > {width}: {text!r}"


# ---- token soup ------------------------------------------------------------------------

WORDS = ["CONV", "conv3", "CONV3-64", "FC", "FC-4096", "POOL2", "MAXPOOL", "AVGPOOL", "GAP",
         "RELU", "LEAKYRELU", "PRELU", "BN", "LRN", "DROPOUT", "MAXOUT", "LOCAL", "DECONV",
         "UPSAMPLE", "FLATTEN", "IDENTITY", "SOFTMAX", "ADD", "CONCAT", "RES", "network",
         "input", "param", "defaults", "block", "expect", "total", "N", "M", "c", "s", "f",
         "p", "k", "d", "groups", "bias", "same", "valid", "true", "false", "keep", "ceil",
         "out_p", "params", "macs", "memory", "rf", "fits", "conv1", "relu1", "stage",
         "0", "1", "2", "3", "-1", "7", "64", "224", "1000000000", "999999999999999",
         "3x3", "32x32x3", "0.5", "1.8G", "61,706", "35K", "58.1MiB", "×", "–", "−", "→",
         "\ufeff", "\r", "\t", "\x00", "\x1b[2J", "[red]", "\u202e", "é", "#"]
SEPARATORS = st.sampled_from(["", " ", " ", "\n", "  ", " - ", ", ", "\r\n"])


def _terminal(pattern: object) -> st.SearchStrategy[str]:
    """Examples of one terminal (lookarounds and word boundaries dropped)."""
    if getattr(pattern, "type", "") == "str":
        return st.just(pattern.value)  # type: ignore[attr-defined]
    regex = re.sub(r"\(\?[=!][^)]*\)|\\b", "", pattern.to_regexp())  # type: ignore[attr-defined]
    return st.from_regex(regex, fullmatch=True).filter(lambda s: len(s) < 40)


@cache
def terminals() -> st.SearchStrategy[str]:
    from archcalc.syntax import parser

    return st.one_of(*[_terminal(t.pattern) for t in parser().terminals],
                     st.sampled_from(WORDS))


@st.composite
def token_soup(draw: st.DrawFn) -> str:
    """Grammar terminals and language words in random order, joined by blanks, separators
    and new lines; usually after an input line so that more of it reaches the analyzer."""
    parts = draw(st.lists(st.tuples(terminals(), SEPARATORS), max_size=40))
    head = draw(st.sampled_from(["", "input 32x32x3\n", "input 8x8x1\nparam N = 2\n"]))
    return head + "".join(token + sep for token, sep in parts)


# ---- mutated specs -----------------------------------------------------------------------

TOKEN = re.compile(r"\s+|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?|->|//|.", re.S)
NUMBERS = ["0", "-1", "1", "2", "3", "1000000000", "1000000001", "999999999999999",
           "1" + "0" * 30, "0.5", "1.5", "N", "(N+1)", "10x10", "3x0"]


def mutate(text: str, choose: Callable[[int], int]) -> str:
    """`text` with one to four token mutations: delete, duplicate, swap, a number changed
    to 0, −1, huge or a fraction, or a language word inserted. `choose(n)` picks in
    range(n) (hypothesis draws it, atheris takes it from the fuzzer's bytes)."""
    tokens = TOKEN.findall(text) or [""]
    for _ in range(1 + choose(4)):
        i, op = choose(len(tokens)), choose(5)
        numbers = [k for k, t in enumerate(tokens) if t[:1].isdigit()]
        if op == 0:
            del tokens[i]
        elif op == 1:
            tokens.insert(i, tokens[i])
        elif op == 2:
            j = choose(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif op == 3 and numbers:
            tokens[numbers[choose(len(numbers))]] = NUMBERS[choose(len(NUMBERS))]
        else:
            tokens.insert(i, WORDS[choose(len(WORDS))])
        tokens = tokens or [""]
    return "".join(tokens)


@st.composite
def mutated_spec(draw: st.DrawFn) -> str:
    """A zoo spec with a few tokens mutated (see `mutate`)."""
    def choose(n: int) -> int:
        return draw(st.integers(0, n - 1))

    return mutate(SPECS[choose(len(SPECS))], choose)
