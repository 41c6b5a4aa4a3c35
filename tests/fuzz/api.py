"""The Python API fuzzer: `archcalc.analyze`, `build_graph`, the checks (`run_checks`),
`archcalc.executor.verify.verify`, `init_stats` and `export_torch`, called with a random
description (text, path, Source, bytes, or something else) and random argument values, now
and then wrong ones. The promise (`call`): an ArchError for bad input and nothing else, and
whatever comes back renders as valid JSON (NaN refused)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from fuzz.commands import FOLDER, loads
from fuzz.lines import PARAM
from fuzz.networks import Choice, any_input, tiny_input

import archcalc
from archcalc.errors import ArchError, Source

PATH = FOLDER / "api.arch"
# (valid values, invalid ones) of each argument
GOOD_VALUES: list[object] = [0, 1, 2, 3, 2.0, Fraction(4, 2), True, "2", "same", (3, 3), "3x3"]
BAD_VALUES: list[object] = [-1, 1.5, math.nan, math.inf, 10**30, Fraction(1, 3), (), (0,),
                            (True, 2), [3], "", "٣", None, b"2", 1j, "1..3", object()]
ARGUMENTS: dict[str, tuple[list[object], list[object]]] = {
    "batch": ([1, 2], [0, -1, True, 1.5, 2.0, "2", None, 10**10]),
    "dtype": (["float32", "float16", "bfloat16", "float64", archcalc.Dtype.float16],
              ["int8", None, 4, "FLOAT16"]),
    "optimizer": (["sgd", "momentum", "adam", archcalc.Optimizer.adam], ["lion", None, 0]),
    "strict": ([True, False], ["no", None]),
    "count_inplace": ([True, False], ["yes"]),
    "optional": ([True, False, {0: False}, {}], ["no", {"x": 1}, {0: "maybe"}]),
    "input_shape": ([None, (8, 8, 3), (16,), (4, 4, 1), (5, 3, 2)],
                    [(0, 8, 3), (8, 8), (-1,), (10**10, 1, 1), [8, 8, 3], "8x8x3", (True, 8, 3),
                     (8.0, 8, 3), (8, 8, 3, 1), ()]),
    "limits": ([("limits", 1000, 50), ("limits", 10**6, 100)],
               [("limits", 0, 10), ("limits", 10, 401), ("limits", True, 5), "x", None]),
    "seed": ([0, 1, 7], [-1, 2**70, 1.5, "0"]),
    "init": (["he", "xavier", "normal"], ["lecun", None]),
    "std": ([0.01, 1.0, 0.0, 10.0], [math.nan, math.inf, -1.0, "0.1"]),
    "samples": ([0, 1, 2], [-1, 1.5, True]),
    "max_memory": ([64 * 10**6, 256 * 10**6], [-1, 0, 1, "64MB", 1.5]),
    "receptive_field": ([True, False], ["no"]),
}
# The executor's own arguments (Options, gradcheck_samples, max_memory) are internal: the
# command line validates them before it calls (tests/fuzz/commands.py draws bad ones there).
INTERNAL = {"batch", "seed", "init", "std", "samples", "max_memory", "dtype"}
FUNCTIONS = ("analyze", "build_graph", "checks", "verify", "init_stats", "export_torch",
             "assert_matches")
EXECUTES = {"verify", "init_stats"}  # tiny inputs only


def api_case(r: Choice) -> dict[str, Any]:
    """A call: the function, the description, and its arguments (as plain data: `call`
    builds Limits and Options from them, so a case prints and replays)."""
    function = r.pick(FUNCTIONS)
    data = (tiny_input if function in EXECUTES else any_input)(r)
    names = sorted(set(PARAM.findall(data.decode("utf-8", "replace"))))
    wanted = {"analyze": ["batch", "dtype", "optimizer", "strict", "count_inplace", "optional",
                          "input_shape", "limits"],
              "build_graph": ["optional", "input_shape", "limits"],
              "checks": ["batch", "dtype", "input_shape"],
              "verify": ["batch", "seed", "init", "std", "samples", "receptive_field",
                         "optional", "input_shape"],
              "init_stats": ["batch", "seed", "init", "std", "input_shape"],
              "export_torch": ["optional", "input_shape"],
              "assert_matches": ["input_shape"]}[function]
    chosen = [a for a in wanted if r.int(0, 2) == 0]
    faulty = r.int(-3 * len(chosen) - 3, len(chosen) + 1)  # len: a bad param; len+1: source
    args: dict[str, Any] = {a: r.pick(ARGUMENTS[a][i == faulty and not _internal(function, a)])
                            for i, a in enumerate(chosen)}
    if function in EXECUTES:
        args.setdefault("batch", 1)
        args["max_memory"] = r.pick(ARGUMENTS["max_memory"][0])
        if function == "init_stats" and faulty == -1:
            args["batch"] = 0  # an empty batch: refused, not NaN statistics
    params = {n: r.pick(GOOD_VALUES) for n in names if r.int(0, 2) == 0}
    if faulty == len(chosen):
        params[r.pick([*names, "M", ""])] = r.pick(BAD_VALUES)
    return {"function": function, "data": data, "form": r.pick(
        ["text", "text", "path", "source"] if faulty != len(chosen) + 1 else
        ["bytes", "none", "int", "surrogate", "directory", "missing"]),
        "params": params, "keywords": r.bool(), "args": args}


def _internal(function: str, argument: str) -> bool:
    return function in EXECUTES and argument in INTERNAL


def _source(case: dict[str, Any]) -> object:
    data: bytes = case["data"]
    text = data.decode("utf-8", "replace")
    PATH.write_bytes(data)
    return {"text": text, "path": PATH, "source": Source("<api>", text), "bytes": data,
            "none": None, "int": 3, "surrogate": text + "\ud800", "directory": FOLDER,
            "missing": str(FOLDER / "missing.arch")}[case["form"]]


def _limits(value: object) -> object:
    if isinstance(value, tuple) and value[:1] == ("limits",):
        return archcalc.Limits(max_layers=value[1], max_depth=value[2])  # type: ignore[misc]
    return value


def call(case: dict[str, Any]) -> str:
    """Make the call; return "ok" or "refused" (an ArchError); anything else escapes."""
    try:
        _call(case)
    except ArchError as err:
        str(err)  # renders
        return "refused"
    return "ok"


def _call(case: dict[str, Any]) -> None:
    source, args, params = _source(case), dict(case["args"]), case["params"]
    function = case["function"]
    if "limits" in args:
        args["limits"] = _limits(args["limits"])
    if function in ("analyze", "checks"):
        from archcalc.check import run_checks
        from archcalc.render.checks import checks_json
        from archcalc.render.text import to_csv, to_json, to_markdown

        extra = params if case["keywords"] and all(str(n).isidentifier() for n in params) else {}
        analysis = archcalc.analyze(source, params=None if extra else params, **args, **extra)
        loads(to_json(analysis, explain=True))
        to_csv(analysis), to_markdown(analysis, explain=True)
        if function == "checks":
            loads(checks_json([("<api>", (analysis, run_checks(analysis)))]))
        return
    executor = {k: args.pop(k) for k in ("batch", "seed", "init", "std", "dtype") if k in args}
    if function in ("build_graph", "export_torch", "assert_matches"):
        graph = archcalc.build_graph(source, params, **args)
        if function != "build_graph":
            from archcalc.bridge.torch_export import export_torch

            code = compile(export_torch(graph), "exported.py", "exec")
            if function == "assert_matches" and all(str(n).isidentifier() for n in params):
                _round_trip(code, source, params, args.get("input_shape"))
        return
    _execute(function, source, params, args, executor)


def _round_trip(code: Any, source: object, params: dict[str, Any], shape: Any) -> None:
    """The exported module, instantiated, matches its description (archcalc.torch): an
    AssertionError is a finding — the analyzer and torch disagree on a layer."""
    from archcalc.torch import assert_matches

    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(code, namespace)  # the source archcalc itself wrote
    classes = [v for v in namespace.values() if isinstance(v, type) and
               v.__module__ == "exported"]
    assert_matches(classes[-1](), source, input_shape=shape, **params)  # type: ignore[arg-type]


def _execute(function: str, source: object, params: dict[str, object], args: dict[str, Any],
             executor: dict[str, Any]) -> None:
    from archcalc.executor.init import Init
    from archcalc.executor.network import Options

    init = executor.pop("init", "he")
    options = Options(**executor, init=Init(init) if init in set(Init) else init)
    if function == "verify":
        from archcalc.executor import report
        from archcalc.executor.verify import verify

        samples = args.pop("samples", 0)
        result = verify(source, params, options=options, gradcheck_samples=samples, **args)
        loads(report.to_json(result))
        return
    from archcalc.analyze import analyze_graph
    from archcalc.executor import stats_report
    from archcalc.executor.guard import check_memory
    from archcalc.executor.stats import init_stats
    from archcalc.settings import Settings

    limit = args.pop("max_memory")
    graph = archcalc.build_graph(source, params, **args)
    check_memory(analyze_graph(graph, Settings(batch=options.batch)), options, limit)
    loads(stats_report.stats_json(init_stats(graph, options)))


def describe(case: dict[str, Any]) -> str:
    """The case as a line to replay by hand."""
    return (f"{case['function']}({case['form']} of {case['data'][:200]!r}, params="
            f"{case['params']!r}, {case['args']!r})")

