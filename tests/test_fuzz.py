"""Fuzzing in CI (derandomized hypothesis profile): any input — token soup made from the
grammar's terminals, or a zoo spec with a few tokens mutated — is analyzed (and checked,
and rendered every way) or refused with a located ArchError; nothing else escapes. The
long campaign is `python tests/fuzz/campaign.py --runs 100000` (see its docstring)."""

from __future__ import annotations

from fuzz.harness import exercise, mutated_spec, token_soup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow,
                                                         HealthCheck.filter_too_much])


@FUZZ
@given(token_soup())
def test_token_soup_is_analyzed_or_refused(text: str) -> None:
    exercise(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(mutated_spec())
def test_mutated_specs_are_analyzed_or_refused(text: str) -> None:
    exercise(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_analyzed_or_refused(data: bytes) -> None:
    exercise(b"input 8x8x1\n" + data)
