"""The sweep's shared analysis (layers analyzed once per distinct prefix) gives every figure,
note and error that analyzing each configuration whole gives: the same analyzer, reused."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from archcalc.analyze import analyze_graph
from archcalc.errors import ArchError, Source
from archcalc.expand import expand
from archcalc.settings import Dtype, Optimizer, Settings
from archcalc.source import read_file
from archcalc.sweep import Outcome, Sweep, parse_ranges

SPECS = Path(__file__).resolve().parents[1] / "specs"
BRANCHES = """input 16x16x3
param N = 1, C = 4
block unit(c) { RES(RELU? - CONV(c, f=3, p=1) | IDENTITY) - BN? }
CONV(C, f=3, p=1) - unit(C)*N - CONCAT(MAXPOOL(2) | AVGPOOL(2)?) - RELU - DROPOUT(0.5)?
  - FLATTEN - FC(10)
"""


def whole(job: Sweep, combo: tuple[object, ...]) -> dict[str, object]:
    """One configuration expanded and analyzed whole (what sweep did before)."""
    values = dict(zip(job.ranges, combo, strict=False))
    present = dict(zip(job.optionals, combo[len(job.ranges):], strict=True))
    try:
        analysis = analyze_graph(expand(job.program, job.source, values, present),
                                 job.settings, detail=False)
    except ArchError as err:
        return {"error": (err.message, err.hint, err.span)}
    t, last = analysis.totals, analysis.layers[-1].rf
    return {"figures": (t.params, t.weights, t.buffers, t.macs, t.flops, t.activations,
                        t.memory, t.memory_training),
            "rf": max(last.h.size, last.w.size), "layers": len(analysis.layers),
            "noted": next(((r.name, r.notes) for r in analysis.layers if r.notes), None)}


def shared(o: Outcome) -> dict[str, object]:
    if not o.valid:
        return {"error": (o.error, o.hint, o.error_at)}
    return {"figures": (o.params, o.weights, o.buffers, o.macs, o.flops, o.activations,
                        o.memory, o.memory_training), "rf": o.rf, "layers": o.layers,
            "noted": o.noted}


CASES = [
    ("convnet_pattern", None, ["N=1..3", "M=1..6", "K=0..2"], Settings()),
    ("branches", BRANCHES, ["N=0..3", "C=2,4"], Settings()),
    ("branches", BRANCHES, ["N=1..2", "C=4"], Settings(count_inplace=True)),
    ("branches", BRANCHES, ["N=2", "C=1..3"],
     Settings(batch=8, dtype=Dtype.float16, optimizer=Optimizer.adam, amp=True)),
    ("efficientnet_b0", None, ["SD=0,0.2"], Settings(floor=True)),
]


@pytest.mark.parametrize(("name", "text", "ranges", "settings"), CASES)
def test_the_shared_analysis_gives_what_the_whole_one_gives(
        name: str, text: str | None, ranges: list[str], settings: Settings) -> None:
    source = Source(name, text) if text else read_file(SPECS / f"{name}.arch")
    job = Sweep(source, parse_ranges(ranges), settings)
    choices = [(True, False)] * len(job.optionals)
    combos = list(itertools.product(*job.ranges.values(), *choices))
    outcomes = list(job.run())
    assert len(outcomes) == len(combos) > 1
    assert [shared(o) for o in outcomes] == [whole(job, c) for c in combos]
    assert job.steps.size < sum(o.layers for o in outcomes)  # prefixes were shared


def test_a_layer_written_twice_alike_is_told_apart_by_where() -> None:
    # CONV(4, f=9)? - CONV(4, f=9)?: either alone is conv1 with the same layer; its error
    # names the line and column of the one present
    text = "input 8x8x3\nCONV(4, f=9)? - CONV(4, f=9)?\n"
    outcomes = list(Sweep(Source("t", text), {}).run())
    columns = [o.error_at.column for o in outcomes[:3] if o.error_at]
    assert columns == [1, 1, 17]  # both (the first fails first), first alone, second alone
    assert "no layers" in outcomes[3].error  # neither
