"""Benchmark `archcalc sweep`: configurations analyzed per second on one core.

    python bench/sweep.py [--runs 7]

Sweeps specs/convnet_pattern.arch over N=1..5, M=1..6, K=0..2 with its POOL? present and
absent (180 configurations), parsed once, two ways in the same run: each configuration
expanded and analyzed whole (what `sweep` did before it shared layers between
configurations) and the sweep itself (layers analyzed once per distinct prefix,
archcalc/sweep_steps.py). Both give the same figures (checked). Then a larger sweep with
--jobs 2. Target (issue 12, target 5): ≥ 10,000 configurations/s on one core. Each run waits
for a quiet machine first (bench/verify.py's guard, when present). Asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from archcalc import paused_gc
from archcalc.analyze import analyze_graph
from archcalc.errors import ArchError
from archcalc.expand import expand
from archcalc.source import read_file
from archcalc.sweep import Sweep, parse_ranges, run_jobs

try:  # the quiet-machine guard the other benches share
    from verify import machine_note, wait_quiet  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    machine_note = wait_quiet = None

SPEC = Path(__file__).resolve().parent.parent / "specs" / "convnet_pattern.arch"
RANGES = ["N=1..5", "M=1..6", "K=0..2"]
LARGE = ["N=1..5", "M=1..6", "K=0..29"]  # 1,800 configurations, for --jobs
TARGET = 10_000


def whole(job: Sweep) -> list[tuple[int, ...] | None]:
    """Every configuration expanded and analyzed whole: its totals (None: invalid)."""
    figures: list[tuple[int, ...] | None] = []
    choices = [(True, False)] * len(job.optionals)
    for combo in itertools.product(*job.ranges.values(), *choices):
        values = dict(zip(job.ranges, combo, strict=False))
        present = dict(zip(job.optionals, combo[len(job.ranges):], strict=True))
        with paused_gc():
            try:
                t = analyze_graph(expand(job.program, job.source, values, present),
                                  job.settings, detail=False).totals
            except ArchError:
                figures.append(None)
                continue
        figures.append((t.params, t.macs, t.flops, t.memory, t.memory_training))
    return figures


def shared(job: Sweep) -> list[tuple[int, ...] | None]:
    return [(o.params, o.macs, o.flops, o.memory, o.memory_training) if o.valid else None
            for o in job.run()]


def rate(way: Callable[[Sweep], list[tuple[int, ...] | None]], ranges: list[str]
         ) -> tuple[float, list[tuple[int, ...] | None]]:
    """Configurations per second of one run on a freshly parsed sweep (parse not timed)."""
    job = Sweep(read_file(SPEC), parse_ranges(ranges))
    start = time.perf_counter()
    figures = way(job)
    return len(figures) / (time.perf_counter() - start), figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core, as the target says
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    before, after, busy = [], [], []
    for _ in range(args.runs):
        if wait_quiet is not None:
            busy.append(wait_quiet())
        slow, reference = rate(whole, RANGES)
        fast, figures = rate(shared, RANGES)
        assert figures == reference, "the shared analysis changed a figure"
        before.append(slow)
        after.append(fast)
    if wait_quiet is not None:
        busy.append(wait_quiet())
    if hasattr(os, "sched_setaffinity"):  # the processes of --jobs 2 may use every core
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    job = Sweep(read_file(SPEC), parse_ranges(LARGE))
    start = time.perf_counter()
    jobs2 = sum(1 for _ in run_jobs(job, 2)) / (time.perf_counter() - start)
    median = statistics.median(after)
    print(f"{len(reference)} configurations of {SPEC.name} ({', '.join(RANGES)}, POOL? both "
          f"ways; {sum(f is not None for f in reference)} valid), median of {args.runs} runs, "
          "one core")
    print(f"each configuration analyzed whole: {statistics.median(before):9,.0f} "
          "configurations/s")
    print(f"sweep (layers shared by prefix):    {median:9,.0f} configurations/s "
          f"(min {min(after):,.0f}, max {max(after):,.0f}); "
          f"{median / statistics.median(before):.1f}× the whole analysis")
    print(f"target ≥ {TARGET:,}/s: ratio {median / TARGET:.2f} of the target")
    print(f"--jobs 2, {job.configurations:,} configurations: {jobs2:,.0f} configurations/s")
    if machine_note is not None:
        print(machine_note(busy))


if __name__ == "__main__":
    main()
