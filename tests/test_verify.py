"""`archcalc verify` and `init-stats`: the zoo's small specs verify, the executor never calls the
analyzer's rules, exit codes, formats, the memory guard."""

from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from kinds import EXAMPLES as KIND_EXAMPLES
from kinds import network
from typer.testing import CliRunner

import archcalc
from archcalc.cli import app

SPECS = Path(__file__).resolve().parents[1] / "specs"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SMALL = 2 * 10**8  # MACs: specs above it run in tests/executor/test_zoo.py (-m slow)


def small_specs() -> list[Path]:
    found = []
    for path in sorted(SPECS.rglob("*.arch")):
        if archcalc.analyze(path).totals.macs <= SMALL:
            found.append(path)
    return found


@pytest.mark.parametrize("path", small_specs(), ids=lambda p: p.stem)
def test_small_specs_verify(path: Path) -> None:
    from archcalc.executor.network import Options
    from archcalc.executor.verify import verify

    report = verify(path, options=Options(batch=2))
    assert report.ok, [layer.name for layer in report.layers if not layer.ok]


def test_the_zoo_has_small_specs_to_verify() -> None:
    assert len(small_specs()) >= 15


# ---- independence: the run never calls a rule ----------------------------------------------

RULE_MODULES = (*(f"archcalc.layers.{m.name}" for m in pkgutil.iter_modules(
    importlib.import_module("archcalc.layers").__path__)), "archcalc.rf", "archcalc.analyze")
ALLOWED = {"rate"}  # Dropout.rate: 1 − keep, the field read as the drop probability


def _raiser(name: str):  # type: ignore[no-untyped-def]
    def raise_(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the executor called the analyzer's {name}")

    return raise_


def patch_rules(monkeypatch: pytest.MonkeyPatch) -> int:
    """Make every rule method of every kind and every function of the rule modules raise."""
    from archcalc.layers import REGISTRY

    patched = 0
    for cls in REGISTRY.values():
        for klass in cls.__mro__:
            if not klass.__module__.startswith("archcalc.layers"):
                continue
            for name, value in vars(klass).items():
                if name.startswith("__") or name in ALLOWED or not callable(value):
                    continue
                if isinstance(value, (classmethod, staticmethod)):
                    continue  # preset(): the expander's, used before analysis
                monkeypatch.setattr(cls, name, _raiser(f"{klass.__name__}.{name}"))
                patched += 1
    for module_name in RULE_MODULES:
        module = sys.modules[module_name]
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module_name:
                monkeypatch.setattr(module, name, _raiser(f"{module_name}.{name}"))
                patched += 1
    from archcalc.executor import verify as verify_module

    monkeypatch.setattr(verify_module, "analyze_graph", _raiser("analyze_graph"))
    return patched


@pytest.mark.parametrize("kind", sorted(KIND_EXAMPLES))
def test_verify_never_calls_a_rule(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from archcalc.executor.network import Options
    from archcalc.executor.verify import compare

    text = network(kind)
    graph = archcalc.build_graph(text)
    analysis = archcalc.analyze(text, batch=2)
    assert kind in {r.kind for r in analysis.layers}
    assert patch_rules(monkeypatch) > 50
    with pytest.raises(AssertionError, match="called the analyzer"):
        archcalc.analyze(text)  # the patches bite
    report = compare(graph, analysis, Options(batch=2), gradcheck_samples=1)
    assert report.ok, [layer.name for layer in report.layers if not layer.ok]


# ---- the command line ------------------------------------------------------------------------

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_verify_table_and_exit_0() -> None:
    result = invoke("verify", str(SPECS / "lenet5.arch"))
    assert result.exit_code == 0, result.output
    assert "verified" in result.output and "✓" in result.output


def test_verify_json() -> None:
    result = invoke("verify", str(SPECS / "lenet5.arch"), "--format", "json", "--batch", "2")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["ok"] and doc["settings"]["batch"] == 2
    conv1 = doc["layers"][0]
    assert conv1["output"] == {"expected": [28, 28, 6], "got": [28, 28, 6], "ok": True}
    assert conv1["macs"]["got"] == 28 * 28 * 6 * 25  # per image
    assert conv1["rf"]["got"] == {"h": {"size": 5, "jump": 1, "start": 2},
                                  "w": {"size": 5, "jump": 1, "start": 2}}
    assert doc["totals"]["params"]["got"] == 61706


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_verify_other_formats(fmt: str) -> None:
    result = invoke("verify", str(SPECS / "lenet5.arch"), "--format", fmt, "--no-rf")
    assert result.exit_code == 0 and "conv1" in result.stdout


def test_verify_gradcheck() -> None:
    result = invoke("verify", str(SPECS / "lenet5.arch"), "--gradcheck", "--samples", "2",
                    "--format", "json")
    assert result.exit_code == 0
    checks = json.loads(result.stdout)["gradcheck"]
    assert {(c["node"], c["key"]) for c in checks} >= {("conv1", "w"), ("fc5", "b"),
                                                       ("input", "x")}
    assert all(c["ok"] for c in checks)


def test_a_mismatch_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """An analyzer that miscounts CONV's parameters (bias forgotten) is caught by the run."""
    from archcalc.layers.base import Counted
    from archcalc.layers.conv import Conv

    def without_bias(self: Conv, x: tuple[int, ...], y: tuple[int, ...]) -> Counted:
        return Counted(self.f.h * self.f.w * x[2] * self.k)

    monkeypatch.setattr(Conv, "params", without_bias)
    text = "input 4x4x1\nCONV(2, f=3) - TANH - DROPOUT\n"
    result = runner.invoke(app, ["verify", "-", "--no-rf"], input=text)
    assert result.exit_code == 1
    assert "conv1" in result.output and "18 ≠ 20" in result.output


def test_in_place_exceptions_agree() -> None:
    """TANH keeps its output for its backward pass, so DROPOUT after it stores a new tensor;
    the analyzer says so and the run does so."""
    text = "input 4x4x1\nCONV(2, f=3) - TANH - DROPOUT\nRES(RELU - CONV(2, f=1) | IDENTITY)\n"
    result = runner.invoke(app, ["verify", "-", "--no-rf"], input=text)
    assert result.exit_code == 0, result.output


def test_input_errors_exit_2() -> None:
    result = runner.invoke(app, ["verify", "-"], input="input 4x4x1\nCONV(2, f=7)\n")
    assert result.exit_code == 2 and "larger than the padded input" in result.stderr


def test_memory_guard_refuses_with_the_estimate_and_a_batch_that_fits() -> None:
    result = invoke("verify", str(SPECS / "lenet5.arch"), "--batch", "64",
                    "--max-memory", "3MB")
    assert result.exit_code == 2
    assert "more than the limit of 3.00 MB" in result.stderr
    assert "--batch" in result.stderr and "would fit" in result.stderr


def test_memory_guard_batch_hint_is_right() -> None:
    from archcalc.executor.guard import estimate

    analysis = archcalc.analyze(SPECS / "lenet5.arch")
    limit = 3 * 10**6
    result = invoke("verify", str(SPECS / "lenet5.arch"), "--batch", "64", "--max-memory",
                    "3MB")
    fits = int(result.stderr.split("--batch ")[1].split()[0])
    assert estimate(analysis, fits, 4).total <= limit < estimate(analysis, fits + 1, 4).total


def test_bad_max_memory_exits_2() -> None:
    result = invoke("verify", str(SPECS / "lenet5.arch"), "--max-memory", "lots")
    assert result.exit_code == 2 and "--max-memory lots" in result.stderr


def test_importing_the_cli_leaves_numpy_out() -> None:
    code = "import sys, archcalc.cli; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# ---- init-stats ----------------------------------------------------------------------------


def stds(*args: str) -> list[float]:
    result = invoke("init-stats", str(EXAMPLES / "init_stats.arch"), "--format", "json",
                    "--batch", "200", *args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["layers"]
    return [row["std"] for row in rows if row["kind"] == "relu"]


def test_small_normal_init_collapses_layer_by_layer() -> None:
    relu = stds("--init", "normal", "--std", "0.01")
    assert len(relu) == 10
    assert all(b < a for a, b in itertools.pairwise(relu))
    # each layer multiplies the std by about 0.01·√(500/2) ≈ 0.16: ten layers ≈ 1e-8
    assert relu[-1] < 1e-6


def test_he_init_holds_the_std_on_relu() -> None:
    relu = stds("--init", "he")
    assert all(0.3 < s < 3 for s in relu)


def test_xavier_halves_the_variance_through_relu() -> None:
    relu = stds("--init", "xavier")
    assert relu[-1] < relu[0] / 5  # the slide: 0.58 → 0.026 over ten layers


def test_init_stats_table() -> None:
    result = invoke("init-stats", str(EXAMPLES / "init_stats.arch"), "--init", "normal")
    assert result.exit_code == 0 and "relu10" in result.output and "█" in result.output


@pytest.mark.parametrize("text", [
    # a corner unit reads only padding: with a zero bias it would sit on RELU's kink
    "input 4x4x1\nCONV(2, f=3, p=3) - RELU - FC(2)",
    # at batch 1, GAP of a BN output is β exactly: zero at initialization, LEAKYRELU's kink
    "input 6x6x2\nCONV(2, f=3, p=1) - BN - GAP - LEAKYRELU - FC(2)",
])
def test_gradcheck_keeps_away_from_kinks(text: str) -> None:
    from archcalc.executor.network import Options
    from archcalc.executor.verify import compare

    report = compare(archcalc.build_graph(text), archcalc.analyze(text), Options(),
                     receptive_field=False, gradcheck_samples=6)
    assert report.gradcheck and all(g.ok for g in report.gradcheck), report.gradcheck


def test_a_sibling_in_place_layer_beside_prelu_agrees() -> None:
    # PRELU's backward needs its input: it keeps a private copy, so RELU may still run in
    # place on the shared input (the analyzer's convention); verify measured more before
    text = "input 8x8x4\nCONV(4, f=1) - ADD(PRELU | RELU) - FC(3)"
    from archcalc.executor.verify import compare

    analysis = archcalc.analyze(text)
    assert not analysis["relu1"].stored
    assert compare(archcalc.build_graph(text), analysis).ok


@pytest.mark.parametrize("key", ["w", "b"])
def test_gradcheck_catches_a_gradient_off_by_a_tenth_of_a_percent(
        key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: CONV's dW (or db) scaled by 1.001 — an error 100× its relative
    tolerance — is caught at every sample, however the steps are tried."""
    from dataclasses import replace

    from archcalc.executor import registry
    from archcalc.executor.network import Options
    from archcalc.executor.verify import compare

    kernel = registry.KERNELS["conv"]

    @functools.wraps(kernel.backward)
    def off(*args: object, **kwargs: object) -> object:
        dx, grads = kernel.backward(*args, **kwargs)
        return dx, {**grads, key: grads[key] * 1.001} if key in grads else grads

    monkeypatch.setitem(registry.KERNELS, "conv", replace(kernel, backward=off))
    text = "input 6x6x2\nCONV(3, f=3, p=1) - RELU - CONV(2, f=3) - TANH - FC(3)"
    report = compare(archcalc.build_graph(text), archcalc.analyze(text), Options(),
                     receptive_field=False, gradcheck_samples=3)
    bad = {(g.node, g.key) for g in report.gradcheck if not g.ok}
    assert bad == {("conv1", key), ("conv2", key)}, report.gradcheck


OVERFLOWING = "input 8x8x3\nCONV(4, f=3) - RELU - CONV(4, f=3) - BN - SIGMOID - FC(3)\n"


def _strict_json(text: str) -> object:
    """json.loads refusing NaN and Infinity, which JSON does not have."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")
    return json.loads(text, parse_constant=refuse)


def test_an_overflowing_run_is_reported_not_crashed() -> None:
    """std 1e30 in float32: conv1's outputs reach ~1e31, conv2's square overflows to inf, and
    BN turns inf into NaN. The figures that do not depend on values still compare; the values
    are null in JSON, and the table says why."""
    args = ["verify", "-", "--init", "normal", "--std", "1e30", "--no-rf"]
    table = runner.invoke(app, args, input=OVERFLOWING)
    assert table.exit_code == 0, table.output
    assert "overflow" in table.output and "smaller --std" in " ".join(table.output.split())
    doc = _strict_json(runner.invoke(app, [*args, "--format", "json"], input=OVERFLOWING).stdout)
    assert isinstance(doc, dict) and doc["ok"] is True


def test_an_overflowing_gradient_check_is_inconclusive_not_passed() -> None:
    result = runner.invoke(app, ["verify", "-", "--init", "normal", "--std", "1e30", "--no-rf",
                                 "--gradcheck", "--format", "json"], input=OVERFLOWING)
    assert result.exit_code == 1
    doc = _strict_json(result.stdout)
    assert isinstance(doc, dict)
    swamped = [g for g in doc["gradcheck"] if not g["conclusive"]]
    assert swamped and all(not g["ok"] for g in swamped)


def test_init_stats_marks_where_the_activations_overflow() -> None:
    args = ["init-stats", "-", "--init", "normal", "--std", "1e30"]
    table = runner.invoke(app, args, input=OVERFLOWING)
    assert table.exit_code == 0 and "overflow (inf or NaN) from conv2" in table.output
    doc = _strict_json(runner.invoke(app, [*args, "--format", "json"], input=OVERFLOWING).stdout)
    assert isinstance(doc, dict)
    layers = {layer["name"]: layer for layer in doc["layers"]}
    assert layers["conv1"]["std"] is not None and layers["conv2"]["std"] is None


@pytest.mark.parametrize("std", ["nan", "inf", "-1"])
def test_a_std_that_is_not_a_standard_deviation_exits_2(std: str) -> None:
    result = runner.invoke(app, ["init-stats", "-", "--init", "normal", "--std", std],
                           input=OVERFLOWING)
    assert result.exit_code == 2 and "--std" in result.output
