"""Command lines for the command fuzzer (tests/fuzz/commands.py runs them): per command,
its files (a file, standard input, a bundled spec's name, an exported or corrupted ONNX
file), its options drawn from lists of valid values and, now and then, one invalid value,
`-D` naming the file's params and names naming its labels."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fuzz.networks import Choice, any_input, small_network, tiny_input

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
    "--to": (["torch", "onnx", "TORCH", "onnx"], ["tf"]),
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
# file arguments the system or the reader refuse: too long a name, a folder, a device, a text
# file named .onnx, a name with a NUL or a lone surrogate, nothing at all
ODD_FILES = ["a" * 5000, "x/" * 3000 + "y", "/tmp", "/dev/null", "{other}.onnx", "bad\x00name",
             "/nonexistent/x.arch", "", "bad\udcffname", "quizzes", "../specs/vgg16"]
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
COMMANDS = ("analyze", "check", "draw", "erf", "export", "import", "init-stats", "report",
            "sweep", "verify", "zoo")
DRAWN = ("verify", "init-stats", "erf")  # run NumPy: tiny inputs only
LABEL = re.compile(r"^\s*(?!expect\b)([A-Za-z_][A-Za-z0-9_]*)\s*:", re.M)


def command_line(r: Choice, command: str, data: bytes, tiny: bool = True) -> list[str]:
    """A command line on `{file}` holding `data` (or `-`, standard input holding it; or a
    bundled spec's name): options drawn per command, all valid three times in four, else one
    of them not (or a -D naming no param); -D names the file's params, names the file's
    labels. `tiny`: the file runs in milliseconds (report may then draw an ERF)."""
    argv = [command, *_files(r, command, tiny)]
    text = data.decode("utf-8", "replace")
    names = sorted(set(PARAM.findall(text)))
    labels = sorted(set(LABEL.findall(text)))
    defines = [n for n in names if r.int(0, 2) == 0 and command not in ("zoo", "import")]
    rare = max(2, len(OPTIONS[command]) // 2)  # about two options a line
    chosen = ["define"] * len(defines) + [o for o in OPTIONS[command] if r.int(0, rare) == 0]
    if command == "import":  # --input only with --torch, and always there
        chosen = ["-i"] if "--torch" in argv else []
    chosen += [o for o in _required(r, command, tiny) if o not in chosen]
    faulty = r.int(-3 * len(chosen) - 1, len(chosen))  # < 0: none; len: a -D naming no param
    for i, opt in enumerate(chosen):
        key = {("sweep", "define"): "range", ("draw", "-f"): "picture",
               ("sweep", "-f"): "sweep-f"}.get((command, opt), opt)
        good, bad = VALUES["name" if opt in ("-l", "--erf") else key]
        if opt in ("-l", "--erf") and labels and r.int(0, 2):
            good = labels
        value = r.pick(bad if i == faulty else good)
        if opt == "--to" and not tiny and value == "onnx":  # no 133M random weights written
            value = "torch"
        if opt == "-o" and command == "draw" and "-f" in argv:
            value = value.replace(".svg", "." + argv[argv.index("-f") + 1].lower())
        argv += ["-D", f"{defines.pop()}={value}"] if opt == "define" else [opt, value]
    if faulty == len(chosen) and command not in ("zoo", "import"):
        argv += ["-D", r.pick(["M=2", "N=1" if "N" in names else "N=2"])]
    if "-o" in argv and command in ("export", "import"):
        argv[argv.index("-o") + 1] = "{out}.onnx" if command == "export" else "{out}.arch"
    return argv + [flag for flag in FLAGS.get(command, []) if r.int(0, 3) == 0]


def _files(r: Choice, command: str, tiny: bool) -> list[str]:
    """The file arguments: {file} mostly, else standard input or a spec's name (static
    commands); check may take two sheets; zoo none; import an ONNX file (exported from the
    file, at times corrupted), the .arch itself, or a --torch factory."""
    if command == "zoo":
        return [] if r.int(0, 7) else [r.pick(["alexnet", "{file}"])]
    if command == "import" and not tiny:  # no ONNX of VGG's 133M random weights
        return r.pick([["{file}"], ["--torch", r.pick(VALUES["--torch"][r.int(0, 3) == 0])]])
    if command == "import":
        return r.pick([["{onnx}"], ["{onnx}"], ["{onnx}", "{corrupt}", str(r.int(0, 999))],
                       ["{file}"], ["--torch", r.pick(VALUES["--torch"][r.int(0, 3) == 0])]])
    where = r.int(0, 15)
    named = where == 1 and command not in (*DRAWN, "export")  # export may write ONNX
    first = "-" if where == 0 else r.pick(SPEC_NAMES) if named \
        else r.pick(ODD_FILES) if where == 2 else "{file}"
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


def case(r: Choice, commands: Sequence[str] = COMMANDS) -> tuple[list[str], bytes]:
    """A command and its file: the commands that run NumPy get tiny inputs, the static
    commands zoo specs too."""
    command = r.pick(commands)
    tiny = command in DRAWN or r.bool()
    # a third of the files valid (as far as channels go) and unmutated
    data = small_network(r).encode() if r.int(0, 2) == 0 else (
        tiny_input if tiny else any_input)(r)
    return command_line(r, command, data, tiny), data
