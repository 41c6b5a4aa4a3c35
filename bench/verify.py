"""Benchmark `archcalc verify` at batch 1, whole process: DenseNet-169 and ResNet-152.

    python bench/verify.py [--runs 3]

Targets (issue 12, target 3): densenet169 ≤ 15 s, resnet152 ≤ 10 s on 2 cores. Prints the
median wall time of each with its target and ratio, and verify's own split (the run, the
receptive-field probe, the rest: start-up, analysis, comparison, output) and its CPU seconds
(user + system of all its threads: 2 × wall when both cores work). Each run waits for a
quiet machine first (`wait_quiet`, also used by bench/executor.py) and the report says how
busy the other processes kept the CPUs. Asserts nothing; never sets BLAS variables.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# DenseNet-169 (Huang et al. 2017, Table 1; torchvision's densenet169: growth 32, bottleneck
# 4·32, compression ½, blocks of 6, 12, 32, 32 layers; 14,149,480 params).
DENSENET169 = """network DenseNet-169
input 224x224x3
defaults CONV(bias=false)
block dense_layer {
  CONCAT( IDENTITY | BN - RELU - CONV(128, f=1) - BN - RELU - CONV(32, f=3, p=1) )
}
block transition(c) { BN - RELU - CONV(c, f=1) - AVGPOOL(2, s=2) }
stem: CONV(64, f=7, s=2, p=3) - BN - RELU - MAXPOOL(3, s=2, p=1)
block1: dense_layer*6
trans1: transition(128)
block2: dense_layer*12
trans2: transition(256)
block3: dense_layer*32
trans3: transition(640)
block4: dense_layer*32
final: BN - RELU - GAP - FC(1000)
"""
TARGETS = {"densenet169": 15.0, "resnet152": 10.0}


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def others_busy(seconds: float = 1.0) -> float:
    """The share of the CPUs other processes keep busy while this one sleeps (0 … 1)."""
    busy0, total0 = cpu_times()
    time.sleep(seconds)
    busy1, total1 = cpu_times()
    return (busy1 - busy0) / max(total1 - total0, 1)


def wait_quiet(limit: float = 0.15, patience: float = 30.0) -> float:
    """Wait (at most `patience` s) until other processes use ≤ `limit` of the CPUs; return
    the share they used in the last second (above `limit`: the numbers are noisy)."""
    start = time.monotonic()
    busy = others_busy()
    while busy > limit and time.monotonic() - start < patience:
        busy = others_busy()
    return busy


def machine_note(busy: list[float], limit: float = 0.15) -> str:
    worst = max(busy)
    verdict = "quiet" if worst <= limit else "BUSY (noisy numbers)"
    return f"machine {verdict}: other processes used ≤ {worst:.0%} of the CPUs before each run"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def verify_once(spec: Path) -> tuple[float, dict[str, float]]:
    """Wall seconds of one `archcalc verify --format json` process and verify's own split,
    with the process's CPU seconds (user + system, all its threads) as "cpu"."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "archcalc", "verify", str(spec), "-f", "json"],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"verify {spec.name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, {**json.loads(done.stdout)["seconds"], "cpu": _children_cpu() - cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--patience", type=float, default=30.0,
                        help="seconds to wait for a quiet machine before each run")
    args = parser.parse_args()
    busy: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        densenet = Path(tmp) / "densenet169.arch"
        densenet.write_text(DENSENET169)
        specs = {"densenet169": densenet, "resnet152": ROOT / "specs" / "resnet152.arch"}
        results: dict[str, list[tuple[float, dict[str, float]]]] = {k: [] for k in specs}
        for _ in range(args.runs):  # interleaved, so a busy spell touches both alike
            for name, spec in specs.items():
                busy.append(wait_quiet(patience=args.patience))
                results[name].append(verify_once(spec))
    print(f"archcalc verify, batch 1, whole process, median of {args.runs} runs")
    print(f"{'network':<12} {'wall s':>7} {'target s':>8} {'ratio':>6} {'run s':>6} "
          f"{'rf s':>6} {'rest s':>6} {'cpu s':>6}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        run = statistics.median(s.get("run", 0.0) for _, s in runs)
        rf = statistics.median(s.get("receptive field", 0.0) for _, s in runs)
        cpu = statistics.median(s["cpu"] for _, s in runs)
        ratio = wall / TARGETS[name]
        print(f"{name:<12} {wall:7.2f} {TARGETS[name]:8.1f} {ratio:6.2f} {run:6.2f} {rf:6.2f} "
              f"{wall - run - rf:6.2f} {cpu:6.2f}  {'met' if ratio <= 1 else 'MISSED'}")
    print(machine_note(busy))


if __name__ == "__main__":
    main()
