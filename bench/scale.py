"""Benchmark `archcalc analyze` on long chains: whole process, every format, time and memory.

    python bench/scale.py [--sizes 100000,1000000] [--runs 3]

Issue 12, target 2: a 100,000-layer chain in under 5 s in every format (the table included),
1,000,000 layers (the default --max-layers) in under 60 s and 2 GB; a file past the limit
refused within seconds. The chain is bench/analyze.py's (CONV3-16, RELU, BN, CONV(16, f=1),
LEAKYRELU(0.1), ten to a line). Each run is a whole process writing to /dev/null; the
median of `--runs` runs (wall, CPU = user + system, peak resident memory). The refusals: a
2,000,000-layer file at the default limit, and the same file with --max-layers 1000.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from analyze import chain  # bench/analyze.py's generator (bench/ is on sys.path)
from startup import archcalc_command, child_env, quiet

FORMATS = ("table", "json", "csv", "markdown")
TARGETS = {100_000: (5.0, None), 1_000_000: (60.0, 2.0)}  # seconds, GB


def measure(command: list[str], env: dict[str, str], code: int = 0
            ) -> tuple[float, float, float]:
    """(wall s, CPU s, peak GB) of one whole process, output discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != code:
        raise SystemExit(f"{' '.join(command)}: exit {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20


def median(samples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples),
            statistics.median(s[2] for s in samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=120.0,
                        help="seconds to wait for a quiet machine")
    args = parser.parse_args()
    note = quiet(args.wait)
    archcalc = archcalc_command()
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(str(Path(tmp) / "pycache"))
        print(f"whole process, output to /dev/null, median of {args.runs} runs{note}:")
        print(f"  {'layers':>9}  {'format':<9} {'wall s':>8} {'CPU s':>8} {'peak GB':>8}  target")
        for layers in (int(n) for n in args.sizes.split(",")):
            path = Path(tmp) / f"chain{layers}.arch"
            path.write_text(chain(layers), encoding="utf-8")
            seconds, gb = TARGETS.get(layers, (None, None))
            aim = (f"< {seconds:g} s" if seconds else "") + (f", < {gb:g} GB" if gb else "")
            for fmt in FORMATS:
                wall, cpu, peak = median([measure([*archcalc, "analyze", str(path), "-f", fmt],
                                                  env) for _ in range(args.runs)])
                print(f"  {layers:>9,}  {fmt:<9} {wall:8.2f} {cpu:8.2f} {peak:8.2f}  {aim}")
        over = Path(tmp) / "over.arch"
        over.write_text(chain(2_000_000), encoding="utf-8")
        print("refused past the limit (exit 2):")
        for extra, label in (([], "2,000,000 layers, default --max-layers 1,000,000"),
                             (["--max-layers", "1000"], "2,000,000 layers, --max-layers 1000")):
            wall, cpu, peak = measure([*archcalc, "analyze", str(over), *extra], env, code=2)
            print(f"  {label:<50} {wall:6.2f} s wall {cpu:6.2f} s CPU {peak:5.2f} GB")


if __name__ == "__main__":
    main()
