"""The broken-input corpus: every file in tests/bad/ (and a few generated size extremes)
fails with exit status 2, a located message (`file:line:col`), the line with a caret, a
hint, and nothing on standard output. Each message is compared with its golden file
`tests/bad/NAME.err`; `pytest --update-golden` rewrites them — review every one by eye.

A corpus file whose first line is `# cli: OPTIONS` is run with those options."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.cli import app

BAD = Path(__file__).parent / "bad"
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()


def _pasted_log() -> bytes:
    """A 10 MB training log given instead of a spec (the error is on line 3)."""
    lines = "".join(f"epoch {i} step {i * 100} loss 0.{i * 7919 % 10000:04d}\n"
                    for i in range(1000))
    return ("input 32x32x3\nCONV(8) - RELU\n" + lines * (10_000_000 // len(lines))).encode()


def _comments_then_error() -> bytes:
    """10 MB of comment lines, then a stray separator on line 128,002."""
    return b"input 32x32x3\n" + (b"# " + b"-" * 76 + b"\n") * 128_000 + b"CONV(8) - - RELU\n"


def _hundred_thousand_lines() -> bytes:
    """A generated 100,001-line network: a layer every 100 lines, comments between, and an
    unknown kind on the last line."""
    lines = [f"CONV(8, f=1, p=same) - RELU  # unit {i // 100}" if i % 100 == 0
             else f"# generated line {i}" for i in range(1, 100_000)]
    return ("input 32x32x3\n" + "\n".join(lines) + "\nCONVV(8)\n").encode()


GENERATED: dict[str, Callable[[], bytes]] = {
    "size_10mb_pasted_log": _pasted_log,
    "size_10mb_comments_then_error": _comments_then_error,
    "size_100k_lines": _hundred_thousand_lines,
    "size_1m_char_number": lambda: b"input 32x32x3\nCONV(" + b"9" * 1_000_000 + b")\n",
    "size_1m_char_label": lambda: b"input 32x32x3\n" + b"conv_" * 200_000 + b": CONVV(8)\n",
    "size_1m_char_blanks": lambda: b"input 32x32x3\nCONV(8)" + b" " * 1_000_000 + b"RELU\n",
    "size_1m_char_name": lambda: b"input 32x32x3\n" + b"C" * 1_000_000 + b"(8)\n",
}
FILES = sorted(path.stem for path in BAD.glob("*.arch"))
CALLED = re.compile(r"  called from line \d+, column \d+: \S.*|  … \d+ calls more")
LOCATED = re.compile(r"[^\s:]+\.arch:(\d+):(\d+): error: \S.*")


def test_the_corpus_is_large_and_named_apart() -> None:
    assert len(FILES) + len(GENERATED) >= 40
    assert not set(FILES) & set(GENERATED)
    assert all(path.with_suffix(".arch").exists() or path.stem in GENERATED
               for path in BAD.glob("*.err")), "a golden file without its input"


# Expect lines naming no layer are judged by `check` (analyze analyzes: the name may exist under
# other -D values); its summary line goes to standard output.
CHECKED = {"sem_expect_unknown_layer"}


def _options(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return first.removeprefix("# cli:").split() if first.startswith("# cli:") else []


@pytest.mark.parametrize("name", FILES + sorted(GENERATED))
def test_bad_input(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   request: pytest.FixtureRequest) -> None:
    folder = tmp_path if name in GENERATED else BAD
    if name in GENERATED:
        (tmp_path / f"{name}.arch").write_bytes(GENERATED[name]())
    data = (folder / f"{name}.arch").read_bytes()
    monkeypatch.chdir(folder)  # messages name the file as given: NAME.arch
    command = "check" if name in CHECKED else "analyze"
    result = runner.invoke(app, [command, f"{name}.arch", *_options(data)], env=ENV)
    assert result.exit_code == 2, result.output
    assert name in CHECKED or result.stdout == "", "an error must leave standard output empty"
    lines = result.stderr.rstrip("\n").split("\n")
    assert LOCATED.fullmatch(lines[0]) and lines[0].startswith(f"{name}.arch:"), lines[0]
    assert re.fullmatch(r" +\^+", lines[2]) and lines[1].startswith(
        f"{LOCATED.fullmatch(lines[0])[1]:>4} | "), result.stderr  # type: ignore[index]
    assert lines[3].startswith("  hint: "), result.stderr
    assert all(CALLED.fullmatch(line) for line in lines[4:]), result.stderr
    golden = BAD / f"{name}.err"
    if request.config.getoption("--update-golden") or not golden.exists():
        missing = not golden.exists()
        golden.write_text(result.stderr, encoding="utf-8")
        if missing and not request.config.getoption("--update-golden"):
            pytest.fail(f"{golden.name} was missing; written — review and commit it")
    assert result.stderr == golden.read_text(encoding="utf-8")


def test_errors_as_json_agree_with_the_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """With --format json, every corpus error is also one JSON object on standard output,
    at the location the message gives."""
    monkeypatch.chdir(BAD)
    for name in sorted(set(FILES) - CHECKED):
        options = _options((BAD / f"{name}.arch").read_bytes())
        result = runner.invoke(app, ["analyze", f"{name}.arch", "--format", "json", *options],
                               env=ENV)
        assert result.exit_code == 2, name
        error = json.loads(result.stdout)["error"]
        located = LOCATED.fullmatch(result.stderr.split("\n")[0])
        assert located is not None, result.stderr
        assert (error["span"]["line"], error["span"]["column"]) == tuple(map(int, located.groups()))
        assert error["file"] == f"{name}.arch" and error["message"] and error["hint"], name
