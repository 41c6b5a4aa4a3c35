"""Benchmark `archcalc analyze`: process start-up against a bare typer+rich app, and
analysis time of generated chains of 1k, 10k and 100k layers.

    python bench/analyze.py [--runs 11]

Targets (issue 2): whole-process ratio ≤ 1.3; 100k layers in under 5 s, growing linearly.
Prints numbers; asserts nothing (timing tests are flaky on shared machines).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import HELLO  # the same bare typer+rich app as bench/startup.py

ROOT = Path(__file__).resolve().parent.parent


def wall(command: list[str], runs: int) -> float:
    """Median wall time of a whole process, in seconds (one warm-up run first)."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def chain(layers: int) -> str:
    """A VGG-like chain of `layers` layers: CONV3-16, RELU, BN, ... on an 8x8x16 input."""
    cycle = ["CONV3-16", "RELU", "BN", "CONV(16, f=1)", "LEAKYRELU(0.1)"]
    body = [cycle[i % len(cycle)] for i in range(layers)]
    lines = [" - ".join(body[i:i + 10]) for i in range(0, layers, 10)]
    return "input 8x8x16\n" + "\n".join(lines) + "\n"


def analysis_time(layers: int) -> tuple[float, float]:
    """(parse, whole analysis) seconds for a generated chain, in this process."""
    import archcalc
    from archcalc.errors import Source
    from archcalc.syntax import parse

    source = Source(f"chain{layers}", chain(layers))
    start = time.perf_counter()
    parse(source)
    parsed = time.perf_counter() - start
    start = time.perf_counter()
    analysis = archcalc.analyze(source, limits=archcalc.Limits(max_layers=10**6))
    total = time.perf_counter() - start
    assert len(analysis.layers) == layers
    return parsed, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        ours = wall([sys.executable, "-m", "archcalc", "analyze",
                     str(ROOT / "specs" / "vgg16.arch")], args.runs)
        bare = wall([sys.executable, str(hello), "hello"], args.runs)
    print(f"whole process, median of {args.runs} runs:")
    print(f"  archcalc analyze specs/vgg16.arch   {ours * 1000:7.1f} ms")
    print(f"  bare typer+rich hello table         {bare * 1000:7.1f} ms")
    print(f"  ratio                               {ours / bare:7.2f}   (target ≤ 1.3)")
    print("analysis of generated chains (parse + expand + figures), in process:")
    previous = None
    for layers in (1_000, 10_000, 100_000):
        parsed, total = analysis_time(layers)
        growth = "" if previous is None else f"   ×{total / previous:.1f} for ×10 layers"
        print(f"  {layers:>7,} layers  {total:7.2f} s  (parse {parsed:.2f} s){growth}")
        previous = total
    print("  target: 100,000 layers under 5 s, growing linearly")


if __name__ == "__main__":
    main()
