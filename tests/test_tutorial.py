"""docs/tutorial.md shows real runs: every ```console block's command, run from the root of
the repository, prints exactly the output pasted under it (--update-golden rewrites them).
README, docs and specs point at nothing outside the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"```console\n\$ (?P<command>[^\n]*)\n(?P<output>.*?)```", re.S)
BLOCKS = BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))


def test_the_tutorial_has_its_steps() -> None:
    commands = [command for command, _ in BLOCKS]
    assert len(commands) >= 8
    assert all("--width 80" in command for command in commands)
    assert any("--explain conv1" in c for c in commands) and any("check" in c for c in commands)


@pytest.mark.parametrize(("command", "output"), BLOCKS, ids=[c for c, _ in BLOCKS])
def test_a_command_prints_what_the_tutorial_shows(command: str, output: str,
                                                  request: pytest.FixtureRequest) -> None:
    """With --update-golden, a block that differs is rewritten with the real output (read
    the change before committing it: the prose around it may need it too)."""
    here = f"{sys.executable} -m archcalc "
    shell = re.sub(r"(^|\| )archcalc ", lambda m: m.group(1) + here, command)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    done = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True, text=True,
                          env={**env, "NO_COLOR": "1", "TERM": "dumb"}, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    if done.stdout != output and request.config.getoption("--update-golden"):
        text = TUTORIAL.read_text(encoding="utf-8")
        TUTORIAL.write_text(text.replace(f"$ {command}\n{output}```",
                                         f"$ {command}\n{done.stdout}```"), encoding="utf-8")
        return
    assert done.stdout == output, "the output changed: pytest tests/test_tutorial.py " \
        "--update-golden rewrites the block (then read the prose around it)"


def test_the_readme_links_the_tutorial() -> None:
    assert "(docs/tutorial.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


OUTSIDE = re.compile(r"design\.md|\.\./shared|seeds/|/work/")


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")),
                                  *sorted((ROOT / "specs").rglob("*.arch"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_points_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not [m.group() for m in OUTSIDE.finditer(text)]
