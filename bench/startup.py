"""Benchmark archcalc's start-up against a bare typer + rich app, in the same run.

    python bench/startup.py [--runs 21]

Issue 12, target 1: `archcalc analyze specs/vgg16.arch` ≤ 1.3× a typer app that prints a
rich hello table, and `archcalc --help` ≤ 1.2× that app's `--help`. The four commands run
interleaved (one of each per round), so a busy machine slows both sides of a ratio alike;
each is the median over the rounds, of wall time and of CPU time (user + system of the
child). Byte-code is cached for both sides as an installed package has it (in a temporary
PYTHONPYCACHEPREFIX, warmed first). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELLO = '''
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str = "world") -> None:
    """Print a greeting as a table."""
    table = Table("greeting", "name")
    table.add_row("hello", name)
    Console().print(table)


@app.command()
def other() -> None:
    """Do nothing."""


app()
'''


def quiet(wait: float = 120.0) -> str:
    """Wait (up to `wait` s) for the 1-minute load to fall below half the cores; the note to
    print with the numbers when it did not."""
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + wait
    while os.getloadavg()[0] > cores / 2 and time.monotonic() < deadline:
        time.sleep(5)
    load = os.getloadavg()[0]
    return "" if load <= cores / 2 else (f"  (machine busy: load {load:.1f} on {cores} cores — "
                                         "ratios hold better than the times)")


def child_env(cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=cache, NO_COLOR="1", COLUMNS="80")
    return env


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole process; its output is discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def archcalc_command() -> list[str]:
    """The `archcalc` console script next to this Python, as a user runs it."""
    script = Path(sys.executable).parent / "archcalc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "archcalc"]


def timed(commands: dict[str, list[str]], runs: int, env: dict[str, str]
          ) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) of each command over `runs` interleaved rounds (after a warm-up)."""
    for command in commands.values():
        run(command, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(run(command, env))
    return {name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got))
            for name, got in samples.items()}


def report(times: dict[str, tuple[float, float]], ours: str, bare: str, target: float) -> None:
    (w1, c1), (w2, c2) = times[ours], times[bare]
    print(f"  {ours:<36} {w1 * 1000:7.1f} ms wall {c1 * 1000:7.1f} ms CPU")
    print(f"  {bare:<36} {w2 * 1000:7.1f} ms wall {c2 * 1000:7.1f} ms CPU")
    print(f"  {'ratio':<36} {w1 / w2:7.2f}  wall  {c1 / c2:7.2f}  CPU   (target ≤ {target})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--wait", type=float, default=120.0,
                        help="seconds to wait for a quiet machine")
    args = parser.parse_args()
    note = quiet(args.wait)
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO, encoding="utf-8")
        archcalc = archcalc_command()
        commands = {
            "archcalc analyze specs/vgg16.arch": [*archcalc, "analyze",
                                                  str(ROOT / "specs" / "vgg16.arch")],
            "bare typer+rich hello table": [sys.executable, str(hello), "hello"],
            "archcalc --help": [*archcalc, "--help"],
            "bare typer+rich app --help": [sys.executable, str(hello), "--help"],
        }
        times = timed(commands, args.runs, child_env(str(Path(tmp) / "pycache")))
    print(f"whole process, median of {args.runs} interleaved runs{note}:")
    report(times, "archcalc analyze specs/vgg16.arch", "bare typer+rich hello table", 1.3)
    report(times, "archcalc --help", "bare typer+rich app --help", 1.2)


if __name__ == "__main__":
    main()
