"""Fuzzing of every command and of the Python API, in the default run (derandomized
hypothesis): a random command line (tests/fuzz/lines.py) — analyze in every format, check,
sweep, verify, init-stats and erf at tiny sizes, zoo, export --to torch and --to onnx,
import, report, draw — on a generated, mutated or zoo file keeps every promise of
tests/fuzz/commands.py (exit 0, 1 or 2 and no traceback; a located or headed error; valid
JSON; outputs that add up and parse, tests/fuzz/outputs.py), and a random API call raises
nothing but ArchError, and an exported module matches its description (tests/fuzz/api.py).
The long campaign is `python tests/fuzz/campaign.py --target commands` (and `--target api`);
see its docstring."""

from __future__ import annotations

from fuzz.api import api_case, call
from fuzz.commands import run
from fuzz.findings import bounded
from fuzz.lines import case
from fuzz.networks import Choice, small_network, strategy
from hypothesis import HealthCheck, given, settings

import archcalc
from archcalc.layers import graph_kinds

HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
BOUND = 120.0  # seconds: a case past it hangs (each takes milliseconds)


@settings(max_examples=120, suppress_health_check=HEALTH)
@given(strategy(case))
def test_every_command_keeps_its_promises(line: tuple[list[str], bytes]) -> None:
    argv, data = line
    with bounded(BOUND):
        run(argv, data, data)


@settings(max_examples=200, suppress_health_check=HEALTH)
@given(strategy(api_case))
def test_the_api_raises_only_arch_errors(c: dict[str, object]) -> None:
    with bounded(BOUND):
        call(c)


def test_generated_networks_cover_every_kind_and_analyze() -> None:
    """The generator reaches every graph kind of the registry (merges too), and what it
    writes analyzes nearly always: the commands see real networks, not only refusals."""
    seen: set[str] = set()
    refused = 0
    for seed in range(400):
        try:
            analysis = archcalc.analyze(small_network(Choice.seeded(seed)))
        except archcalc.ArchError:
            refused += 1
            continue
        seen |= {layer.kind for layer in analysis.layers}
    assert set(graph_kinds()) <= seen
    assert refused < 400 // 20
