"""The command fuzzer: a random command line — every command: analyze (each format), check,
sweep, verify, init-stats, zoo, export --to torch and --to onnx, import (of an exported or a
corrupted ONNX file, or --torch), report, draw and erf, with random options, `-D` values and
--input — run in-process on a file (or on standard input, or a bundled spec's name), and
the promises every command makes, checked (`run`):

- it exits 0, 1 or 2 and never with a traceback; 1 only where the command says it means
  something (a wrong answer for check; for verify a mismatch, which on a network the
  analyzer accepted is a finding too: analyzer and executor disagree);
- exit 2 prints a located error (`file:line:col: error:`), a file-level or command-line
  error headed by the file or `<command line>`, or click's usage error for a bad option;
  nothing else reaches standard output, unless it is --format json's error object;
- --format json prints valid JSON (NaN and Infinity refused) whatever the exit status;
- what it writes on exit 0 is what it says (tests/fuzz/outputs.py: figures that add up,
  sweep equal to analyze, well-formed SVG, PNG and HTML, Python that compiles, ONNX that
  onnx accepts, an import whose output shape is the original's);
- standard error carries no warning and no path of the package's source.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fuzz.findings import Broken
from fuzz.outputs import check_output, imported_agrees, option
from typer.testing import CliRunner

from archcalc.cli import app

ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
RUNNER = CliRunner()
FOLDER = Path(tempfile.mkdtemp(prefix="archcalc-fuzz-"))
FILE = FOLDER / "fuzz.arch"
OTHER = FOLDER / "other.arch"  # check's second sheet
ONNX = FOLDER / "fuzz.onnx"  # export --to onnx writes it, import reads it
OUT = FOLDER / "out"  # -o of report, draw and erf (a suffix chosen by the case)
LOCATED = re.compile(r"(\S[^\n]*?):(\d+):(\d+): error: \S")
HEADED = re.compile(r"[^\n]*?: error: \S")  # by the file as given, <command line>, an option
WARNING = re.compile(r"\S[^\n]*?: warning: \S")
USAGE = re.compile(r"Usage: \S+ [\s\S]*\nError: \S")
LEAKS = ("Traceback", "Warning:", "/archcalc/", "site-packages")
# exit 1 means a wrong answer (check); verify's 1, a mismatch, is a finding but for
# inconclusive gradients (see _inconclusive); every other command: 0 or an input error, 2
EXITS = {"check": {0, 1, 2}}


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} in JSON output")


def loads(text: str) -> object:
    """JSON as the standard says it: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=_refuse_constant)


def _invoke(args: list[str], stdin: bytes | None = None) -> Any:
    return RUNNER.invoke(app, args, env=ENV, input=stdin)


def _argument(a: str) -> str:
    if a == "{other}.onnx":  # a text file named like a model
        OTHER.with_suffix(".onnx").write_bytes(OTHER.read_bytes())
    return {"{file}": str(FILE), "{other}": str(OTHER), "{onnx}": str(ONNX)}.get(
        a, a.replace("{out}", str(OUT)).replace("{other}", str(OTHER.with_suffix(""))))


def run(argv: list[str], data: bytes, other: bytes = b"") -> int:
    """Run `archcalc ARGV` with `{file}` (and `{other}`) standing for files holding `data`
    (and `other`), `-` for standard input holding `data`, `{onnx}` for the ONNX export of
    `data` (corrupted when ARGV asks, see `_onnx`); raise the command's exception, or a
    Broken promise; return the status."""
    FILE.write_bytes(data)
    OTHER.write_bytes(other)
    if "{onnx}" in argv:
        _onnx(argv)
    skip = argv.index("{corrupt}") if "{corrupt}" in argv else -9
    args = [_argument(a) for i, a in enumerate(argv) if i not in (skip, skip + 1)]
    stdin = data if "-" in args[1:2] else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _invoke(args, stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if caught:
        raise Broken("warning", f"{caught[0].category.__name__}: {caught[0].message}")
    command, status = argv[0], result.exit_code
    if command == "verify" and status == 1 and _inconclusive(args, stdin):
        return status
    if status not in EXITS.get(command, {0, 2}):
        raise Broken(f"{command} exit {status}", (result.stderr or result.stdout)[-2000:])
    leak = next((word for word in LEAKS if word in result.stderr), None)
    if leak:
        raise Broken(f"{leak!r} on stderr", result.stderr[-2000:])
    json_out = (option(argv, "-f", "--format") or "").lower() == "json"
    if json_out and (status != 2 or result.stdout):
        try:
            loads(result.stdout)
        except ValueError as exc:
            raise Broken(f"{command}: invalid JSON", f"{exc}: {result.stdout[:300]}") from None
    if status == 2:
        _refusal(command, result.stdout, result.stderr, json_out)
    elif status == 0:
        check_output(command, args, _written(args, result), lambda a: _invoke(a, stdin))
        if command == "import" and "{onnx}" in argv and not {"-i", "-o"} & set(argv):
            imported_agrees(_invoke(["analyze", str(FILE), "-f", "json"]),
                            _invoke(["analyze", "-", "-f", "json"], result.stdout_bytes))
    return status


def _written(args: list[str], result: Any) -> Any:
    """The result, with what a command wrote to -o FILE as its standard output."""
    path = option(args, "-o", "--output")
    if path in (None, "-") or args[0] in ("export", "import"):
        return result
    written = Path(path).read_bytes()  # type: ignore[arg-type]
    return SimpleNamespace(stdout_bytes=written, stdout=written.decode("utf-8", "replace"))


def _onnx(argv: list[str]) -> None:
    """Write {onnx}: `export --to onnx` of the file, bytes of it corrupted with {corrupt}; a
    file that does not export leaves a text file there (import must refuse it)."""
    ONNX.unlink(missing_ok=True)
    _invoke(["export", str(FILE), "--to", "onnx", "-o", str(ONNX)])
    if not ONNX.exists():
        ONNX.write_bytes(FILE.read_bytes())
    if "{corrupt}" in argv:
        blob = bytearray(ONNX.read_bytes())
        at = int(argv[argv.index("{corrupt}") + 1]) % max(1, len(blob))
        blob[at:at + 4] = b"\xff\x00\x7f\x80"
        ONNX.write_bytes(bytes(blob[: max(1, len(blob) - at // 3)]))


def _inconclusive(args: list[str], stdin: bytes | None) -> bool:
    """Whether a failed verify failed only for inconclusive gradients (values that overflow,
    as --init normal --std 1e308 makes them): every layer's figures and the totals agree."""
    i = next((k for k, a in enumerate(args) if a in ("-f", "--format")), None)
    rest = args if i is None else args[:i] + args[i + 2:]
    result = _invoke([*rest, "-f", "json"], stdin)
    if result.exit_code != 1 or (result.exception and not isinstance(result.exception,
                                                                      SystemExit)):
        raise Broken("verify: exit 1, but not again with -f json", f"exit {result.exit_code}, "
                     f"{result.exception!r}: {result.stderr[-1000:]}")
    doc = loads(result.stdout)
    assert isinstance(doc, dict)
    figures = ("output", "params", "buffers", "macs", "memory", "rf")
    return (all(layer[k] is None or layer[k]["ok"] for layer in doc["layers"] for k in figures)
            and all(layer["gradients_ok"] for layer in doc["layers"])
            and all(c is None or c["ok"] for c in doc["totals"].values())
            and all(g["ok"] or not g["conclusive"] for g in doc["gradcheck"]))


def _refusal(command: str, stdout: str, stderr: str, json_out: bool) -> None:
    """Exit 2: a located or clearly headed message (after any warnings, each headed by its
    file), and nothing else on standard output."""
    lines = stderr.lstrip("\n").splitlines()
    first = next((i for i, line in enumerate(lines) if not WARNING.match(line)
                  and not line.startswith(" ")), 0)
    said = "\n".join(lines[first:])
    if not (LOCATED.match(said) or HEADED.match(said) or USAGE.match(said)):
        raise Broken(f"{command}: unheaded error", stderr[:600])
    if stdout and not json_out and command != "check":  # check prints the other sheets
        raise Broken(f"{command}: stdout on exit 2", stdout[:300])
