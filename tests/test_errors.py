"""One test per bad input: each gives a located ArchError with a hint, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import error

import archcalc
from archcalc.errors import ArchError, render_error


def located(err: ArchError, line: int, column: int) -> str:
    assert err.span is not None, err
    assert (err.span.line, err.span.column) == (line, column), render_error(err)
    text = render_error(err)
    assert "^" in text and err.hint, text
    return text


def test_unclosed_parenthesis() -> None:
    err = error("input 32x32x3\nCONV(64, f=3\n")
    text = located(err, 2, 5)
    assert "'(' is never closed" in text and "add ')'" in text


def test_unknown_kind_with_suggestion() -> None:
    err = error("CONVV(64)")
    located(err, 2, 1)
    assert "unknown layer kind 'CONVV'" in err.message and "did you mean CONV?" in err.hint


def test_unknown_argument_with_suggestion() -> None:
    err = error("CONV(64, strde=2)")
    located(err, 2, 10)
    assert "no argument 'strde'" in err.message and "CONV(k, f=3, s=1" in err.hint


def test_undefined_param() -> None:
    err = error("param N = 2\nCONV(M)")
    located(err, 3, 6)
    assert "undefined name 'M'" in err.message and "params in scope: N" in err.hint


def test_duplicate_param() -> None:
    err = error("param N = 2\nparam N = 3\nCONV(N)")
    located(err, 3, 7)
    assert "declared twice" in err.message


def test_zero_stride() -> None:
    err = error("CONV(8, s=0)")
    located(err, 2, 9)
    assert "argument s" in err.message and "positive integer" in err.message


def test_zero_filter_size() -> None:
    err = error("CONV(8, f=0)")
    located(err, 2, 9)
    assert "argument f" in err.message


def test_negative_units() -> None:
    err = error("FC(-10)")
    located(err, 2, 4)
    assert "got -10" in err.message


def test_filter_larger_than_input() -> None:
    err = error("input 5x5x3\nCONV(8, f=7)")
    located(err, 2, 1)
    # the formula for the output that would be ≤ 0
    assert "(5 − 7 + 2·0)/1 + 1 = -1" in err.hint


def test_add_mismatch_shows_both_shapes() -> None:
    err = error("input 8x8x3\nADD(CONV(4, f=3) | CONV(4, f=1))")
    located(err, 2, 1)
    assert "6×6×4" in err.hint and "8×8×4" in err.hint


def test_concat_mismatch_shows_both_shapes() -> None:
    err = error("input 8x8x3\nCONCAT(CONV(4, f=3) | CONV(2, f=1))")
    located(err, 2, 1)
    assert "6×6×4" in err.hint and "8×8×2" in err.hint


def test_recursive_block() -> None:
    err = error("block a { CONV(4) - b }\nblock b { a }\na")
    located(err, 3, 11)  # the call that closes the cycle
    assert "a → b → a" in err.message


def test_huge_repeat_is_refused_at_once() -> None:
    err = error("CONV(4, f=1)*1000000000000")  # expanding first would never finish
    assert "--max-layers" in err.hint


def test_negative_repeat() -> None:
    err = error("CONV(4)*(0-3)")
    located(err, 2, 10)  # the count expression
    assert "cannot be negative" in err.message


def test_deep_nesting_is_refused_before_parsing() -> None:
    text = "input 8x8x1\n" + "(" * 5000 + "RELU" + ")" * 5000
    with pytest.raises(ArchError) as info:
        archcalc.analyze(text)
    assert "nested more than 100" in info.value.message and "--max-depth" in info.value.hint


def test_division_by_zero_in_an_argument() -> None:
    err = error("param N = 2\nCONV(8 // (N - 2))")
    located(err, 3, 12)  # the divisor, inside its parentheses
    assert err.message == "division by zero"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.arch"
    path.write_text("  \n# only a comment? no: blank\n".replace("# only a comment? no: blank", ""))
    with pytest.raises(ArchError) as info:
        archcalc.analyze(path)
    assert "empty" in info.value.message


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "net.arch"
    path.write_bytes(b"input 8x8x1\nCONV\x00\x01\x02")
    with pytest.raises(ArchError) as info:
        archcalc.analyze(path)
    located(info.value, 2, 5)
    assert "binary" in info.value.message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "net.arch"
    path.write_bytes(b"input 8x8x1\nCONV(4) # caf\xe9\n")
    with pytest.raises(ArchError) as info:
        archcalc.analyze(path)
    located(info.value, 2, 14)
    assert "not valid UTF-8" in info.value.message


def test_missing_file() -> None:
    with pytest.raises(ArchError) as info:
        archcalc.analyze(Path("/no/such/net.arch"))
    assert "no such file" in info.value.message


def test_does_not_fit_is_an_error_only_under_strict() -> None:
    # Seed 000: (7 − 3)/3 + 1 = 2.33.
    err = error("input 7x7x3\nCONV(1, f=3, s=3)", strict=True)
    assert "(7 − 3 + 2·0)/3 + 1 = 2.33" in err.message


def test_groups_must_divide_channels() -> None:
    err = error("CONV(8, groups=2) - CONV(8, groups=3)")
    assert "groups=3 does not divide the 8 filters" in err.message


def test_missing_input_statement() -> None:
    with pytest.raises(ArchError) as info:
        archcalc.analyze("CONV(8)\nRELU")
    assert "no input statement" in info.value.message


def test_stray_separators() -> None:
    err = error("CONV(8) - - RELU")
    located(err, 2, 11)
    assert "two separators in a row" in err.hint


def test_trailing_comma_in_arguments() -> None:
    err = error("CONV(8, f=3,)")
    located(err, 2, 13)
    assert "trailing ','" in err.hint


def test_missing_separator_between_layers() -> None:
    err = error("CONV(8) RELU")
    located(err, 2, 9)
    assert "separated by" in err.hint


def test_misspelt_keyword() -> None:
    with pytest.raises(ArchError) as info:
        archcalc.analyze("inptu 32x32x3\nCONV(8)")
    assert "did you mean 'input'?" in info.value.hint


def test_decimal_without_leading_digit() -> None:
    err = error("DROPOUT(.5)")
    assert "write 0.5" in err.hint


def test_huge_literal_is_refused() -> None:
    err = error("CONV(" + "9" * 40 + ")")
    assert "40 digits" in err.message


def test_expect_with_unknown_figure() -> None:
    err = error("CONV(8)\nexpect conv1: parms=3")
    assert "did you mean params?" in err.hint


def test_expect_with_bad_value() -> None:
    err = error("CONV(8)\nexpect conv1: params=3Q")
    assert "unknown suffix 'Q'" in err.message


def test_define_of_an_undeclared_param() -> None:
    with pytest.raises(ArchError) as info:
        archcalc.analyze("input 8x8x1\nparam N = 1\nCONV(N)", NN=3)
    assert "did you mean N?" in info.value.hint


def test_a_clipped_message_keeps_its_words_and_numbers_whole() -> None:
    from archcalc.errors import clip

    words = [f"{i * 7919 % 100000}.{i % 10}" for i in range(200)]
    clipped = clip(" ".join(words))
    assert len(clipped) <= 240 + 3 and " … " in clipped
    head, tail = clipped.split(" … ")
    assert head.split() == words[:len(head.split())]
    assert tail.split() == words[-len(tail.split()):]


def test_a_clipped_word_without_spaces_is_still_clipped() -> None:
    from archcalc.errors import clip

    assert len(clip("x" * 10_000)) < 250


def test_the_caret_counts_terminal_cells() -> None:
    """A full-width character takes two cells: the caret under it is two wide, and a caret
    after it moves two cells per such character."""
    from archcalc.errors import Source, Span

    under = str(error("input 32x32x3\nCONV(８８) - RELU\n")).splitlines()
    assert under[2] == " " * len("   2 | CONV(") + "^^", under
    line = "名前: CONVV(8)"  # the span is CONVV, columns 5 to 9
    err = ArchError("unknown kind", Span(1, 5, 1, 10, 4, 9), "", Source("f", line))
    shown = str(err).splitlines()
    assert shown[2] == " " * (len("   1 | ") + 2 + 2 + 2) + "^" * 5, shown  # 名, 前, ": "


def test_an_error_inside_blocks_names_every_call_on_the_way() -> None:
    """The call chain, innermost first, in the message and in the JSON error object."""
    from archcalc.render.text import error_object

    text = ("input 8x8x3\nblock inner(c) { CONV(c, f=9) }\nblock outer(c) { inner(c) }\n"
            "CONV(4, f=1)\nouter(8)\n")
    err = error(text)
    assert [(c.line, c.column) for c in err.calls] == [(3, 18), (5, 1)]
    assert str(err).splitlines()[-2:] == ["  called from line 3, column 18: inner(c)",
                                          "  called from line 5, column 1: outer(8)"]
    calls = error_object(err)["calls"]
    assert isinstance(calls, list) and [c["line"] for c in calls] == [3, 5]


def test_an_error_outside_blocks_has_no_call_chain() -> None:
    err = error("input 8x8x3\nCONV(4, f=9)\n")
    assert err.calls == () and "called from" not in str(err)
