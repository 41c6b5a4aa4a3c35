"""What a successful command's output must be, beyond valid JSON (tests/fuzz/commands.py
runs the command; `check_output` is called on exit 0):

- analyze --format json: figures that add up — every total the sum of its layers (params,
  weights, buffers, MACs, FLOPs), forward memory the input plus every layer's bytes, backward
  twice forward, the parameter parts the counts times the bytes of --dtype (4 with --amp),
  training the sum of its parts (docs/language.md §8);
- sweep --format json of one configuration: the figures analyze gives for the same file;
- draw and erf: a well-formed SVG (or a PNG with --format png); report: one HTML page;
- export --to torch: Python that compiles; --to onnx: a model onnx accepts;
- import of an exported model: a description whose output shape is the original's.

Each broken promise raises `Broken` with a kind naming it (the campaign counts by kind).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fuzz.findings import Broken

BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}
STATES = {"sgd": 0, "momentum": 1, "adam": 2}
EXPECT_VALUE = re.compile(r"error: (bad expected value|unknown figure) ")
Invoke = Callable[[list[str]], Any]  # runs `archcalc ARGS`, returns click's Result


def check_output(command: str, args: list[str], result: Any, invoke: Invoke) -> None:
    """Raise Broken when the output of a command that exited 0 breaks its promise."""
    fmt = (option(args, "-f", "--format") or "").lower()
    if command == "analyze" and fmt == "json":
        figures_add_up(result.stdout)
    elif command == "sweep" and fmt == "json":
        sweep_agrees(args, result.stdout, invoke)
    elif command in ("draw", "erf", "report"):
        _picture(command, fmt, result.stdout_bytes)
    elif command == "export":
        _exported(args, result.stdout)


def figures_add_up(text: str) -> None:
    """analyze's JSON: totals are sums of the layers and memory is the sum of its parts."""
    import json

    doc = json.loads(text)
    layers, totals = doc["layers"], doc["totals"]
    for key in ("params", "weights", "buffers", "macs", "flops"):
        if totals[key] != sum(layer[key] for layer in layers):
            raise Broken(f"analyze: total {key} is not the sum of the layers",
                         f"{totals[key]} != {sum(layer[key] for layer in layers)}")
    settings, memory = doc["settings"], totals["memory_bytes"]
    item = BYTES[settings["dtype"]]
    weight = 4 if settings["amp"] else item
    want = {"input": settings["batch"] * math.prod(doc["input"]) * item,
            "forward": memory["input"] + sum(layer["memory_bytes"] for layer in layers),
            "backward": 2 * memory["forward"],
            "params": totals["params"] * weight,
            "gradients": totals["trainable"] * weight,
            "optimizer": totals["trainable"] * STATES[settings["optimizer"]] * weight,
            "buffers": totals["buffers"] * weight}
    want["training"] = sum(memory[k] for k in ("backward", "params", "gradients",
                                               "optimizer", "buffers"))
    for key, value in want.items():
        if memory[key] != value:
            raise Broken(f"analyze: memory {key} is not the sum of its parts",
                         f"{memory[key]} != {value} ({settings})")


def sweep_agrees(args: list[str], text: str, invoke: Invoke) -> None:
    """A sweep of one configuration without -D gives analyze's figures for the same file."""
    import json

    doc = json.loads(text)
    if doc["configurations"] != 1 or "-D" in args or "--where" in args or not doc["results"]:
        return
    row = doc["results"][0]
    if not row["valid"]:
        return
    same = [args[1]]
    for name in ("-i", "--dtype"):
        value = option(args, name)
        same += [name, value] if value is not None else []
    analyzed = invoke(["analyze", *same, "-f", "json"])
    if analyzed.exit_code != 0 and EXPECT_VALUE.search(analyzed.stderr):
        return  # analyze judges expect lines' values; sweep, like verify, does not read them
    if analyzed.exit_code != 0:
        raise Broken("sweep: valid where analyze refuses", analyzed.stderr[:300])
    totals = json.loads(analyzed.stdout)["totals"]
    pairs = {"params": totals["params"], "macs": totals["macs"], "flops": totals["flops"],
             "memory_bytes": totals["memory_bytes"]["forward"],
             "memory_training_bytes": totals["memory_bytes"]["training"]}
    for key, value in pairs.items():
        if row[key] != value:
            raise Broken(f"sweep: {key} differs from analyze", f"{row[key]} != {value}")


def _picture(command: str, fmt: str, data: bytes) -> None:
    if command == "report":
        if not data.lstrip().lower().startswith(b"<!doctype html>") or b"</html>" not in data:
            raise Broken("report: not an HTML page", repr(data[:200]))
        return
    if fmt == "png":
        if not data.startswith(b"\x89PNG\r\n\x1a\n"):
            raise Broken(f"{command}: not a PNG", repr(data[:40]))
        return
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise Broken(f"{command}: SVG not well-formed", f"{exc}: {data[:200]!r}") from None
    if not root.tag.endswith("svg"):
        raise Broken(f"{command}: not an SVG", root.tag)


def _exported(args: list[str], text: str) -> None:
    target = (option(args, "--to") or "").lower()
    if target == "torch" and "-o" not in args:
        try:
            compile(text, "exported.py", "exec")
        except SyntaxError as exc:
            raise Broken("export: not Python", f"{exc}\n{text[:500]}") from None
    elif target == "onnx":
        import onnx

        path = Path(option(args, "-o") or "")
        try:
            onnx.checker.check_model(onnx.load(str(path)))
        except Exception as exc:  # onnx's own checker: any refusal is the finding
            raise Broken("export: invalid ONNX", repr(exc)[:300]) from None


def imported_agrees(original: Any, imported: Any) -> None:
    """analyze's JSON of a file and of its ONNX round trip: the same output shape."""
    import json

    if original.exit_code != 0:
        return
    if imported.exit_code != 0:
        raise Broken("import: its description does not analyze", imported.stderr[:300])
    ours, theirs = json.loads(original.stdout), json.loads(imported.stdout)
    if ours["layers"][-1]["output"] != theirs["layers"][-1]["output"]:
        raise Broken("import: output shape differs",
                     f"{ours['layers'][-1]['output']} != {theirs['layers'][-1]['output']}")


def option(argv: list[str], *names: str) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a in names:
            return argv[i + 1]
    return None
