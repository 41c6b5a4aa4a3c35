"""The commands in a real terminal: tmux at 80×24 and 60×24. On a terminal the tables take
its width (no line is wrapped by the terminal, so none is split) and equal what `--width`
gives in a pipe. Skips visibly without tmux; CI installs it (ARCHCALC_REQUIRE_EXTRAS=1 turns
the skip into an error)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if shutil.which("tmux") is None:
    if os.environ.get("ARCHCALC_REQUIRE_EXTRAS"):
        raise RuntimeError("ARCHCALC_REQUIRE_EXTRAS is set but tmux is not installed")
    pytest.skip("tmux is not installed", allow_module_level=True)

COMMANDS = {
    "analyze": ["analyze", "resnet50_v1_5"],
    "analyze-explain": ["analyze", "googlenet", "--explain", "inception3a.*"],
    "check": ["check", "specs/alexnet.arch"],
    "verify": ["verify", "lenet5"],
    "init-stats": ["init-stats", str(ROOT / "examples" / "init_stats.arch")],
    "sweep": ["sweep", "convnet_pattern", "-D", "N=1..2", "-D", "M=5..6", "--sort", "-params"],
    "zoo": ["zoo"],
}


def in_tmux(args: list[str], width: int, height: int = 24) -> list[str]:
    """The lines `archcalc ARGS` leaves in a tmux pane of `width`×`height` (scrollback
    included), with the terminal's own line wraps joined back (capture-pane -J): a line
    longer than `width` would be one the terminal had to wrap."""
    socket, done = f"archcalc-{uuid.uuid4().hex[:8]}", f"__done_{uuid.uuid4().hex[:6]}__"
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "archcalc", *args])
    tmux = ["tmux", "-L", socket, "-f", os.devnull]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR",
                                                             "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", str(height),
                    "sh", "-c", f"{command}; echo {done}; sleep 60"], check=True, env=env,
                   cwd=ROOT)
    try:
        subprocess.run([*tmux, "set-option", "-g", "history-limit", "10000"], check=True)
        deadline = time.monotonic() + 120
        while True:
            shown = subprocess.run([*tmux, "capture-pane", "-p", "-J", "-S", "-10000"],
                                   check=True, capture_output=True, text=True).stdout
            if done in shown or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
    lines = shown.rstrip("\n").split("\n")
    assert done in shown, shown[-2000:]
    return [line.rstrip() for line in lines[:lines.index(done)]]


def piped(args: list[str], width: int) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "archcalc", *args, "--width", str(width)],
                            capture_output=True, text=True, cwd=ROOT, check=True,
                            env={**os.environ, "NO_COLOR": "1"})
    return [line.rstrip() for line in result.stdout.rstrip("\n").split("\n")]


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_terminal_never_wraps_a_line(name: str, width: int) -> None:
    args = COMMANDS[name]
    lines = in_tmux(args, width)
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, too_long
    if name == "zoo":
        return
    # on the terminal the table is laid out for its width: as --width gives it in a pipe
    # (verify's timings differ from run to run: compare its table and verdict)
    expected = piped(args, width)
    if name == "verify":  # its timings differ from run to run: compare the table
        lines, expected = _through_total(lines), _through_total(expected)
    assert lines[-len(expected):] == expected


def _through_total(lines: list[str]) -> list[str]:
    end = next(i for i, line in enumerate(lines) if " total " in f"{line} ")
    return lines[:end + 1]
