"""Limits instead of hangs: every resource a file (or a command line) can demand is
bounded, and going past a bound is a clear error naming the option that raises it,
given before the work grows with the number asked for. The numbers asked for are so large
(10¹² layers, 10⁹ nested) that doing the work first would take hours: the refusal itself
shows the check comes first. `refused_promptly` only keeps a regression from hanging the
suite; it measures no speed (bench/ does that)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

import archcalc
from archcalc.cli import app
from archcalc.errors import ArchError

runner = CliRunner()
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


HANG = 60.0  # seconds: far above any refusal, far below the hours the work would take


@contextmanager
def refused_promptly() -> Iterator[None]:
    start = time.process_time()
    yield
    assert time.process_time() - start < HANG, "the work was done before the refusal"


def refused(text: str, **kwargs: object) -> ArchError:
    with refused_promptly(), pytest.raises(ArchError) as info:
        archcalc.analyze(text, **kwargs)  # type: ignore[arg-type]
    return info.value


def cli(tmp_path: Path, text: str, *args: str) -> str:
    """stderr of a refused command (exit 2, nothing on stdout)."""
    (tmp_path / "net.arch").write_text(text, encoding="utf-8")
    with refused_promptly():
        result = runner.invoke(app, [args[0], str(tmp_path / "net.arch"), *args[1:]], env=ENV)
    assert result.exit_code == 2 and result.stdout == "", result.output
    return result.stderr


def test_expanded_layers_a_huge_repeat_is_refused_before_expanding(tmp_path: Path) -> None:
    err = cli(tmp_path, "input 8x8x1\n(CONV(1, f=1) - RELU)*1000000000000\n", "analyze")
    assert "more than 1,000,000 layers" in err and "--max-layers" in err


def test_expanded_layers_nested_repeats_are_counted_before_expanding(tmp_path: Path) -> None:
    blocks = "block a(n) { RELU*n }\nblock b { a(1000) - a(1000) }\n"
    for text in ("((RELU*1000)*1000)*1000", "(b*250)*3"):
        err = cli(tmp_path, f"input 8x8x1\n{blocks}{text}\n", "analyze")
        assert "gives more than 1,000,000 layers" in err and "--max-layers" in err


def test_layers_written_out_are_refused_while_parsing(tmp_path: Path) -> None:
    """The 2,001st RELU is on line 2,002: the parse stops there, not at the end."""
    err = cli(tmp_path, "input 8x8x1\n" + "RELU\n" * 3000, "analyze", "--max-layers", "2000")
    assert ":2002:1: error: the file writes more than 2,000 layers" in err
    assert "--max-layers" in err


def test_the_expanded_layers_are_limited_too(tmp_path: Path) -> None:
    """1,500 written layers, one of them repeated 600 times: 2,099 layers expanded."""
    text = "input 8x8x1\n" + "RELU\n" * 1499 + "RELU*600\n"
    err = cli(tmp_path, text, "analyze", "--max-layers", "2000")
    assert "repeating 1 layer 600 times gives more than 2,000 layers" in err


def test_block_calls_are_counted_before_they_are_expanded(tmp_path: Path) -> None:
    """Blocks that call the one before twice: b20 is 2^20 = 1,048,576 RELUs."""
    blocks = "block b0 { RELU }\n" + "".join(
        f"block b{i} {{ b{i - 1} - b{i - 1} }}\n" for i in range(1, 21))
    err = cli(tmp_path, f"input 8x8x1\n{blocks}b20\n", "analyze")
    assert "the call b20 expands to 1,048,576 layers, more than 1,000,000" in err


def test_expansion_steps_of_elements_that_expand_to_nothing(tmp_path: Path) -> None:
    body = " - ".join(["(BN)*0"] * 100)
    err = cli(tmp_path, f"input 8x8x1\n(RELU - {body})*1000000\n", "analyze")
    assert "10,000,000 steps" in err and "--max-layers" in err


def test_nesting_depth_of_brackets(tmp_path: Path) -> None:
    err = cli(tmp_path, "input 8x8x1\n" + "(" * 100_000 + "RELU" + ")" * 100_000 + "\n",
              "analyze")
    assert "nested more than 100 deep" in err and "--max-depth" in err


@pytest.mark.parametrize("suffixes", ["*1" * 10_000, "*2" * 10_000])
def test_nesting_depth_of_repeats_and_optionals(suffixes: str) -> None:
    err = refused("input 8x8x1\nRELU" + suffixes + "\n")
    assert "nesting deeper than 100 levels" in err.message and "--max-depth" in err.hint
    assert len(archcalc.analyze("input 8x8x1\nRELU" + "?" * 10_000 + "\n").layers) == 1


def test_block_call_depth(tmp_path: Path) -> None:
    blocks = "".join(f"block b{i} {{ b{i + 1} }}\n" for i in range(150)) + "block b150 { RELU }\n"
    err = cli(tmp_path, "input 8x8x1\n" + blocks + "b0\n", "analyze")
    assert "nesting deeper than 100 levels" in err and "--max-depth" in err
    lines = err.splitlines()
    # innermost first: b100 is called in b99's body, `block b99 { b100 }` on line 101; of the
    # 101 calls b0 … b100, five are shown
    assert lines[-6:] == [
        "  called from line 101, column 13: b100", "  called from line 100, column 13: b99",
        "  called from line 99, column 13: b98", "  … 96 calls more",
        "  called from line 2, column 12: b1",
        "  called from line 153, column 1: b0"]  # the line after the 151 blocks


@pytest.mark.parametrize("text, message", [
    ("CONV(" + "9" * 31 + ")", "has 31 digits"),                 # channels of 10**30
    ("CONV(10000000000)", "10,000,000,000 is too large"),         # beyond 10**9
    ("CONV(4)*" + "9" * 16, "has 16 digits"),
    ("param N = 1000000\nCONV(N*N*N*N)", "value too large"),     # arithmetic beyond 10**18
    ("CONV(8*(1" + "/7" * 30 + "))", "value too fine"),          # denominators beyond 10**18
    ("DROPOUT(0." + "1" * 5000 + ")", "has 5000 digits"),
    ("UPSAMPLE(1000000000)*500", "is too large"),                # outputs beyond 10**9
    ("UPSAMPLE(1000)*2", "phases per axis"),                     # upsampling beyond 4,096×
    ("FLATTEN", "the output 3000000000000 is too large"),
    ("(CONV(1, f=3, s=1000000000, p=same))*1000", "receptive field grows beyond 10^18"),
    ("CONV(8)\nexpect conv1: params=" + "9" * 10_000, "has 10000 characters"),
    ("CONV(8)\nexpect conv1: 30x30x" + "9" * 10_000, "is not a shape"),
])
def test_number_size(text: str, message: str) -> None:
    source = "input 1000000x1000000x3\n" if text == "FLATTEN" else "input 32x32x3\n"
    err = refused(source + text + "\n")
    assert message in err.message and err.span is not None and err.hint


def test_file_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.arch"
    with path.open("wb") as handle:  # sparse: nothing is written
        handle.truncate(51 * 2**20)
    err = refused(str(path))
    assert "more than the 52,428,800 allowed" in err.message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_device_is_read_only_up_to_the_file_size_limit() -> None:
    err = refused(Path("/dev/zero"))
    assert "more than the 52,428,800 bytes allowed" in err.message


def test_standard_input_is_read_only_up_to_the_file_size_limit() -> None:
    with refused_promptly():
        result = runner.invoke(app, ["analyze", "-"], input=b"#" * (51 * 2**20), env=ENV)
    assert result.exit_code == 2 and "52,428,800 bytes allowed" in result.stderr


def test_sweep_range_is_refused_before_it_is_listed(tmp_path: Path) -> None:
    err = cli(tmp_path, "input 8x8x1\nparam N = 1\nRELU*N\n", "sweep", "-D",
              "N=1..1000000000000")
    assert "1,000,000,000,000 values" in err and "--max-configs" in err


def test_sweep_combinations(tmp_path: Path) -> None:
    err = cli(tmp_path, "input 8x8x1\nparam N = 1, M = 1\n(RELU*N)*M\n", "sweep",
              "-D", "N=1..1000", "-D", "M=1..1000")
    assert "1,000,000 configurations" in err and "--max-configs" in err


def test_sweep_optionals(tmp_path: Path) -> None:
    err = cli(tmp_path, "input 8x8x1\n" + "RELU? - " * 200 + "RELU\n", "sweep")
    assert "more than 10^30 configurations" in err and "--max-configs" in err


def test_verify_memory_guard(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    err = cli(tmp_path, "input 100000x100000x3\nCONV(64, p=1) - RELU\n", "verify",
              "--max-memory", "1GB")
    assert "the run would need about" in err and "--max-memory" in err


def test_huge_inputs_are_exact_integers_not_a_hang() -> None:
    """Sizes at the limits give astronomically large but exact figures, at once."""
    with refused_promptly():
        a = archcalc.analyze("input 1000000000x1000000000x1000000000\nCONV(1000000000, f=1)"
                             "\nGAP - FC(1000000000)\n")
    assert a["conv1"].macs == 10**36 and a.totals.params == 10**18 * 2 + 10**9 * 2
