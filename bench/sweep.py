"""Benchmark `archcalc sweep`: configurations analyzed per second on one core.

    python bench/sweep.py

Sweeps specs/convnet_pattern.arch over N=1..5, M=1..6, K=0..2 with its POOL? present and
absent (180 configurations) a few times, parsing once. Target (issue 3): ≥ 1,000/s.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from archcalc.source import read_file
from archcalc.sweep import Sweep, parse_ranges

SPEC = Path(__file__).resolve().parent.parent / "specs" / "convnet_pattern.arch"


def main() -> None:
    job = Sweep(read_file(SPEC), parse_ranges(["N=1..5", "M=1..6", "K=0..2"]))
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        outcomes = list(job.run())
        rates.append(len(outcomes) / (time.perf_counter() - start))
    layers = sum(o.layers for o in outcomes) / len(outcomes)
    print(f"{len(outcomes)} configurations (mean {layers:.0f} layers each, "
          f"{sum(o.valid for o in outcomes)} valid)")
    print(f"configurations per second: median {statistics.median(rates):,.0f} "
          f"(min {min(rates):,.0f}, max {max(rates):,.0f}) on one core; target ≥ 1,000")


if __name__ == "__main__":
    main()
