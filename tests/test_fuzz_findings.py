"""Cases the command and API fuzzers found (tests/fuzz/), one test each; the expected
behaviour comes from the documented promises (docs/language.md, docs/executor.md), not
from archcalc's output."""

from __future__ import annotations

import json
import warnings

import pytest
from fuzz.commands import loads, run
from typer.testing import CliRunner

import archcalc
from archcalc.cli import app

ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def test_init_stats_of_an_empty_batch_is_refused_without_a_warning() -> None:
    """The API's init_stats with batch=0 took the mean of an empty array (NumPy's "Mean of
    empty slice" RuntimeWarning, NaN statistics): a batch of no images is now refused."""
    from archcalc.executor.network import Options
    from archcalc.executor.stats import init_stats

    graph = archcalc.build_graph("input 4x4x2\nRELU - GAP\n")
    for batch in (0, -1, True):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(archcalc.ArchError, match="at least one image"):
                init_stats(graph, Options(batch=batch))


def test_check_may_warn_before_its_error() -> None:
    """Found by the fuzzer's own oracle (a false alarm, kept as a test of it): check's
    refusal may follow a headed warning about the input's layout; it is still exit 2 with a
    headed error."""
    data = b"input 2x8x6\nl0: FC(6) -> FC(6, bias=false)\n"
    assert run(["check", "{file}", "{file}"], data, data) == 2


def test_a_sweep_of_one_configuration_gives_analyzes_figures() -> None:
    """The oracle of tests/fuzz/outputs.py: one configuration, the totals analyze reports
    (hand: CONV(8) on 8x8x3, f=3: 8·(27+1) = 224 params, 6·6·8·27 = 7,776 MACs)."""
    data = b"input 8x8x3\nCONV(8, f=3)\n"
    assert run(["sweep", "{file}", "-f", "json"], data) == 0
    doc = loads(CliRunner().invoke(app, ["sweep", "-", "-f", "json"], env=ENV,
                                   input=data).stdout)
    assert isinstance(doc, dict)
    assert (doc["results"][0]["params"], doc["results"][0]["macs"]) == (224, 7776)


def test_flatten_after_local_is_a_view_in_the_executor() -> None:
    """FLATTEN is a view (docs/language.md §8: views take no memory): after LOCAL, as after
    CONV, the executor must keep 0 new bytes for it and verify must agree (exit 0). Found by
    the command fuzzer (campaign seed 17614, reduced by hand)."""
    text = "input 6x3x7\nLOCAL(8, f=1) - FLATTEN - DROPOUT(0.2)\n"
    result = CliRunner().invoke(app, ["verify", "-", "--no-rf", "-b", "2", "-f", "json"],
                                env=ENV, input=text)
    doc = json.loads(result.stdout)
    assert result.exit_code == 0, [n for n in doc["layers"] if n["name"] == "flatten1"]


@pytest.mark.parametrize("name", ["a" * 5000, "x/" * 3000 + "y", "bad\x00name"])
@pytest.mark.parametrize("command", ["analyze", "check", "sweep", "verify", "init-stats",
                                     "report", "draw"])
def test_a_file_name_the_system_refuses_is_an_input_error(command: str, name: str) -> None:
    """A name too long for the system (ENAMETOOLONG) raised OSError from the bundled-spec
    lookup, and a NUL in a name ValueError from os.stat: tracebacks. Each is now exit 2
    headed by the name, as a missing file is."""
    result = CliRunner().invoke(app, [command, name], env=ENV)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert ": error: " in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["a" * 5000, "bad\x00name"])
def test_the_api_refuses_a_path_the_system_refuses(name: str) -> None:
    from pathlib import Path

    with pytest.raises(archcalc.ArchError):
        archcalc.analyze(Path(name))


EXECUTOR_ARGUMENTS = [  # found by the API fuzzer's first campaign (tests/fuzz/api.py)
    ({"options": {"dtype": "bfloat16"}}, "TypeError in executor/network.py Net.input"),
    ({"options": {"dtype": 4}}, "ValueError in executor/verify.py (Dtype(4))"),
    ({"options": {"seed": -1}}, "ValueError from NumPy's SeedSequence"),
    ({"options": {"batch": 0}}, "ExecutionError (not an ArchError) in executor/network.py"),
    ({"max_memory": "64MB"}, "TypeError in executor/guard.py check_memory"),
    ({"gradcheck_samples": 1.5}, "TypeError in executor/gradcheck_net.py"),
]


@pytest.mark.parametrize(("arguments", "found"), EXECUTOR_ARGUMENTS,
                         ids=[found.split()[0] + "-" + str(i)
                              for i, (_, found) in enumerate(EXECUTOR_ARGUMENTS)])
def test_verify_refuses_bad_arguments_with_an_arch_error(arguments: dict[str, object],
                                                         found: str) -> None:
    """docs: errors raise archcalc.ArchError. verify's own arguments out of their domain
    (an unknown dtype, a negative seed, no images, a size written as text, a fraction of a
    sample) must be refused as the API's analyze refuses them, by an ArchError naming the
    argument, not a TypeError or ValueError from inside NumPy (`found` says which)."""
    from archcalc.executor.network import Options
    from archcalc.executor.verify import verify

    given = dict(arguments)
    options = Options(**given.pop("options", {}))  # type: ignore[arg-type]
    with pytest.raises(archcalc.ArchError):
        verify("input 4x4x2\nCONV(2, f=1) - RELU\n", options=options, **given)  # type: ignore[arg-type]


@pytest.mark.parametrize("layer", ["DROPOUT()", "DROPOUT"])
def test_a_dropout_without_a_rate_exports_torchs_default(layer: str) -> None:
    """`DROPOUT()` (neither p nor keep) was exported as `nn.Dropout(None)`, which torch
    refuses (TypeError): found by the API fuzzer's round trip (campaign seed 6886). The rate
    is PyTorch's default, torch.nn.Dropout().p, and the module matches its description."""
    torch = pytest.importorskip("torch")
    from archcalc.bridge.torch_export import export_torch
    from archcalc.torch import assert_matches

    text = f"input 1x32x3\n{layer}\n"
    namespace: dict[str, object] = {"__name__": "exported"}
    exec(compile(export_torch(archcalc.build_graph(text)), "exported.py", "exec"), namespace)
    module = next(v for v in namespace.values()
                  if isinstance(v, type) and v.__module__ == "exported")()  # type: ignore[operator]
    assert module.dropout1.p == torch.nn.Dropout().p
    assert_matches(module, text)


def test_lrn_on_a_vector_runs_in_init_stats_and_verify() -> None:
    """LRN on a vector is a supported form (tests/bridge/test_crosscheck_torch.py "vectors":
    torch agrees with the executor on it), but init-stats and verify failed with an
    IndexError traceback in the memory guard: found by the command fuzzer (campaign seed
    27967). Each command must run it (exit 0) like analyze does."""
    text = "input 1\nLRN(n=1), DROPPATH(0.2)\n"
    assert archcalc.analyze(text).layers[0].output == (1,)
    for command in (["analyze", "-"], ["init-stats", "-"], ["verify", "-"]):
        result = CliRunner().invoke(app, command, env=ENV, input=text)
        assert result.exit_code == 0, (command, result.exception)
