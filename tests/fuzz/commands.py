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
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fuzz.findings import Broken
from fuzz.networks import Choice, any_input, small_network, tiny_input
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
HEADED = re.compile(r"(<command line>|<arguments>|<stdin>|[^\n:]*\.(arch|onnx)|[a-z0-9_]+|"
                    r"--[a-z-]+ [^\n]*?): error: \S")
WARNING = re.compile(r"\S[^\n]*?: warning: \S")
USAGE = re.compile(r"Usage: \S+ [\s\S]*\nError: \S")
LEAKS = ("Traceback", "Warning:", "/archcalc/", "site-packages")
STATIC = {"analyze": {0, 2}, "check": {0, 1, 2}, "sweep": {0, 2}, "export": {0, 2},
          "zoo": {0, 2}, "import": {0, 2}, "report": {0, 2}, "draw": {0, 2}}
EXITS = {**STATIC, "verify": {0, 2}, "init-stats": {0, 2}, "erf": {0, 2}}


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} in JSON output")


def loads(text: str) -> object:
    """JSON as the standard says it: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=_refuse_constant)


def _invoke(args: list[str], stdin: bytes | None = None) -> Any:
    return RUNNER.invoke(app, args, env=ENV, input=stdin)


def _argument(a: str) -> str:
    return {"{file}": str(FILE), "{other}": str(OTHER), "{onnx}": str(ONNX)}.get(
        a, a.replace("{out}", str(OUT)))


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
    if status not in EXITS[command]:
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


# ---- command lines ------------------------------------------------------------------------
# Each option's values: the first list valid, the second not (drawn one time in eight).
VALUES: dict[str, tuple[list[str], list[str]]] = {
    "define": (["0", "1", "2", "3", "2.0"],
               ["-1", "1.5", "1000000000", "same", "3x3", "true", "", "٣", "1..3", "1,2"]),
    "range": (["0..2", "1,2", "3", "1..3", "2.0,3"],
              ["2..1", "1..100001", "same,valid", "1.5,2", "a..b", "١..٣", "1..2x3", ""]),
    "-i": (["8x8x3", "4x4x1", "1x1x1", "16", "1", "3x5x2", "12x7x4", "2x2x2", "8×8×3"],
           ["0x8x3", "8x8", "x", "", "1000000000x1x1", " 8x8x3 ", "-8x8x3", "8x8x3x1"]),
    "-f": (["table", "json", "json", "csv", "markdown", "JSON"], ["xml"]),
    "-b": (["1", "2"], ["0", "-1", "x", "1000000000"]),
    "--dtype": (["float16", "bfloat16", "float64", "float32"], ["int8"]),
    "--optimizer": (["adam", "momentum", "sgd"], ["lion"]),
    "--max-layers": (["60", "1000", "1000000"], ["0", "1", "3"]),
    "--max-depth": (["5", "400"], ["401", "0", "1"]),
    "--max-nesting": (["3", "100"], ["401"]),
    "--explain": (["*", "total", "conv1", "l0", "l*", "b*.conv2", "s1.1", "input"],
                  ["nope", "[", "conv99"]),
    "--freeze": (["conv*", "l0", "b*", "*", "fc1", "s1"], ["nope", "[", ""]),
    "-c": (["name,layer,input,output,kernel,params,weights,buffers,params%,macs,macs%,flops,"
            "act,memory,rf", "+kernel,flops", "output", "rf,name", "+memory", "params%,macs%"],
           ["", "nope", "+", "output,output", ",", "+nope"]),
    "-d": (["0", "1", "2"], ["-1", "x"]),
    "-w": (["20", "40", "80", "200", "10000"], ["19", "10001", "0"]),
    "--where": (["params < 1M", "rf >= 3 and layers > 1", "N == 2", "N < 2", "memory < 1KB",
                 "macs != 0", "params < 1.5K or rf < 2", "N >= 1", "params == 35K"],
                ["params >", "fits", "p == same", "p < same", "layers >= 1e3", "valid", ""]),
    "--sort": (["params", "rf", "layers", "memory_training", "macs"], ["N", "nope"]),
    "--limit": (["1", "2"], ["0"]),
    "--max-configs": (["1", "4", "100"], ["0"]),
    "--max-memory": (["64MB", "256MB", "256MB", "5MiB"], ["1B", "0", "1e9", "-1MB", "lots"]),
    "--seed": (["0", "1", "7"], ["-1"]),
    "--init": (["he", "xavier", "normal", "normal"], ["lecun"]),
    "--std": (["0.01", "1", "0", "10", "1e-300", "1e308"], ["nan", "inf", "-1"]),
    "--samples": (["1", "2"], ["0", "10001"]),
    "--to": (["torch", "torch", "TORCH"], ["tf"]),
    "--weights": (["random", "zero"], ["ones"]),
    "sweep-f": (["table", "json", "json", "csv"], ["markdown"]),
    "picture": (["svg", "png", "SVG"], ["pdf", "json"]),
    "name": (["conv1", "l0", "l1", "relu1", "s3", "b01", "input"], ["nope", "[", "", "total"]),
    "--expand": (["all", "b0", "b1", "s1"], ["nope", ""]),
    "-o": (["{out}.svg", "-"], ["{out}.gif", "/nonexistent/dir/x.svg"]),
    "--torch": (["torch.nn:ReLU", "torch.nn:Identity", "torch.nn:Flatten"],
                ["torch.nn:Conv2d", "nope.module:f", "math:pi", "collections:OrderedDict",
                 "torch.nn:", ":x", "torch.nn:Nope", "json"]),
}
SPEC_NAMES = ["lenet5", "alexnet", "convnet_pattern", "vgg16", "nope"]
PARAM = re.compile(r"\bparam\s+([A-Za-z_][A-Za-z0-9_]*)")
FLAGS = {"analyze": ["--strict", "--no-optional", "--explain", "--count-inplace", "--amp",
                     "--floor"],
         "verify": ["--no-rf", "--no-rf", "--gradcheck", "--no-optional"],
         "export": ["--no-optional"], "report": ["--strict", "--no-optional", "--count-inplace"],
         "draw": ["--no-optional"], "erf": ["--no-optional"]}
OPTIONS = {"analyze": ["-i", "-f", "-b", "--dtype", "--optimizer", "--max-layers",
                       "--max-depth", "--max-nesting", "--explain", "--freeze", "-c", "-d",
                       "-w"],
           "check": ["-i", "-f", "-b", "--dtype", "--optimizer"],
           "sweep": ["-i", "-f", "--dtype", "--where", "--sort", "--limit", "--max-configs"],
           "verify": ["-i", "-f", "-b", "--seed", "--init", "--std", "--samples"],
           "init-stats": ["-i", "-f", "-b", "--seed", "--init", "--std"],
           "export": ["-i", "--seed"], "zoo": ["-w"], "import": ["-i"],
           "report": ["-i", "-b", "--dtype", "--optimizer", "--max-layers", "--max-nesting",
                      "--seed", "--samples"],
           "draw": ["-i", "-f", "--expand", "--max-layers", "--max-nesting"],
           "erf": ["-i", "--seed", "--samples"]}
DRAWN = ("verify", "init-stats", "erf")  # run NumPy: tiny inputs only
LABEL = re.compile(r"^\s*(?!expect\b)([A-Za-z_][A-Za-z0-9_]*)\s*:", re.M)


def command_line(r: Choice, command: str, data: bytes, tiny: bool = True) -> list[str]:
    """A command line on `{file}` holding `data` (or `-`, standard input holding it; or a
    bundled spec's name): options drawn per command, all valid three times in four, else one
    of them not (or a -D naming no param); -D names the file's params, names the file's
    labels. `tiny`: the file runs in milliseconds (report may then draw an ERF)."""
    argv = [command, *_files(r, command)]
    text = data.decode("utf-8", "replace")
    names = sorted(set(PARAM.findall(text)))
    labels = sorted(set(LABEL.findall(text)))
    defines = [n for n in names if r.int(0, 2) == 0]
    rare = max(2, len(OPTIONS[command]) // 2)  # about two options a line
    chosen = ["define"] * len(defines) + [o for o in OPTIONS[command] if r.int(0, rare) == 0]
    chosen += [o for o in _required(r, command, tiny) if o not in chosen]
    faulty = r.int(-3 * len(chosen) - 1, len(chosen))  # < 0: none; len: a -D naming no param
    for i, opt in enumerate(chosen):
        key = {("sweep", "define"): "range", ("draw", "-f"): "picture",
               ("sweep", "-f"): "sweep-f"}.get((command, opt), opt)
        good, bad = VALUES["name" if opt in ("-l", "--erf") else key]
        if opt in ("-l", "--erf") and labels and r.int(0, 2):
            good = labels
        value = r.pick(bad if i == faulty else good)
        if opt == "-o" and command == "draw" and "-f" in argv:
            value = value.replace(".svg", "." + argv[argv.index("-f") + 1].lower())
        argv += ["-D", f"{defines.pop()}={value}"] if opt == "define" else [opt, value]
    if faulty == len(chosen) and command not in ("zoo", "import"):
        argv += ["-D", r.pick(["M=2", "N=1" if "N" in names else "N=2"])]
    if "-o" in argv and command in ("export", "import"):
        argv[argv.index("-o") + 1] = "{out}.onnx" if command == "export" else "{out}.arch"
    return argv + [flag for flag in FLAGS.get(command, []) if r.int(0, 3) == 0]


def _files(r: Choice, command: str) -> list[str]:
    """The file arguments: {file} mostly, else standard input or a spec's name (static
    commands); check may take two sheets; zoo none; import an ONNX file (exported from the
    file, at times corrupted), the .arch itself, or a --torch factory."""
    if command == "zoo":
        return [] if r.int(0, 7) else [r.pick(["alexnet", "{file}"])]
    if command == "import":
        return r.pick([["{onnx}"], ["{onnx}"], ["{onnx}", "{corrupt}", str(r.int(0, 999))],
                       ["{file}"], ["--torch", r.pick(VALUES["--torch"][r.int(0, 3) == 0])]])
    where = r.int(0, 11)
    first = "-" if where == 0 else r.pick(SPEC_NAMES) if where == 1 and command not in DRAWN \
        else "{file}"
    if command == "check" and r.bool():
        return [first, r.pick(["{file}", "{other}"])]
    return [first]


def _required(r: Choice, command: str, tiny: bool) -> list[str]:
    """The options a command always gets here: a tiny run's batch and memory bound, the
    export target, the ERF's layer and samples, an -o now and then."""
    chosen = {"verify": ["-b", "--max-memory"], "init-stats": ["-b", "--max-memory"],
              "export": ["--to"], "erf": ["-l", "--samples"]}.get(command, [])
    if command == "export" and r.int(0, 2) == 0:
        chosen += ["-o", "--weights"]
    if command == "report" and tiny and r.int(0, 3) == 0:
        chosen += ["--erf", "--samples"]
    if command in ("report", "draw", "erf", "import") and r.int(0, 3) == 0:
        chosen.append("-o")
    return chosen


def case(r: Choice, commands: Sequence[str] = tuple(sorted(EXITS))) -> tuple[list[str], bytes]:
    """A command and its file: the commands that run NumPy get tiny inputs, the static
    commands zoo specs too."""
    command = r.pick(commands)
    tiny = command in DRAWN or r.bool()
    # a third of the files valid (as far as channels go) and unmutated
    data = small_network(r).encode() if r.int(0, 2) == 0 else (
        tiny_input if tiny else any_input)(r)
    return command_line(r, command, data, tiny), data
