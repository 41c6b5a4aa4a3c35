"""Numbers as written in expect lines, and as printed."""

from __future__ import annotations

import pytest

from archcalc.units import compact, grouped, parse_number, size_bibytes, size_bytes


@pytest.mark.parametrize(("written", "got", "ok"), [
    ("61,706", 61_706, True), ("61706", 61_707, False),  # exact without a suffix
    ("35K", 34_944, True),  # CS182: (11·11·3)·96 = 34,848 ≈ 35K; with biases 34,944
    ("138M", 138_357_544, True), ("139M", 138_357_544, False),  # design.md §3
    ("800K", 802_816, True),  # 112·112·64: trailing zeros are not significant
    ("803K", 802_816, True), ("802K", 802_816, False),
    ("3.2M", 3_211_264, True), ("3.21M", 3_211_264, True), ("3.20M", 3_211_264, False),
    ("1.0M", 1_040_000, True), ("1.0M", 1_060_000, False),
    ("1.8G", 1_814_073_344, True), ("1.8G", 1_850_000_001, False),
    ("1Ki", 1024, True), ("2Mi", 2 * 2**20 + 10, True),
])
def test_counts_match_at_the_written_precision(written: str, got: int, ok: bool) -> None:
    assert parse_number(written).matches(got) is ok


@pytest.mark.parametrize(("written", "got", "ok"), [
    ("58.1MiB", round(58.1 * 2**20), True), ("61MB", 60_950_432, True),
    ("60.95MB", 60_950_432, True), ("60.9MB", 60_950_432, False),
    ("1024", 1024, True), ("1024B", 1025, False),
])
def test_memory_takes_byte_units(written: str, got: int, ok: bool) -> None:
    assert parse_number(written, "bytes").matches(got) is ok


@pytest.mark.parametrize("bad", ["3B", "12Q", "1,2", "abc", "1.2.3"])
def test_bad_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_number(bad)


def test_formatting() -> None:
    assert grouped(34_944) == "34,944"
    assert [compact(n) for n in (999, 1_176, 34_944, 105_415_200, 1_814_073_344)] == \
        ["999", "1.18K", "34.9K", "105M", "1.81G"]
    assert size_bytes(60_950_432) == "61.0 MB"  # 60.95 → three significant digits
    assert size_bibytes(2**20) == "1.00 MiB"
