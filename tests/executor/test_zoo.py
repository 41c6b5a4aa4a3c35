"""The large specs of the zoo verify at batch 1 (-m slow: about two minutes in all)."""

from __future__ import annotations

from pathlib import Path

import pytest

import archcalc
from archcalc.executor.network import Options
from archcalc.executor.verify import verify

SPECS = Path(__file__).resolve().parents[2] / "specs"
SMALL = 2 * 10**8  # MACs: smaller specs verify in tests/test_verify.py


def large_specs() -> list[Path]:
    return [p for p in sorted(SPECS.rglob("*.arch")) if archcalc.analyze(p).totals.macs > SMALL]


@pytest.mark.slow
@pytest.mark.parametrize("path", large_specs(), ids=lambda p: p.stem)
def test_large_specs_verify(path: Path) -> None:
    report = verify(path, options=Options(batch=1))
    assert report.ok, [layer.name for layer in report.layers if not layer.ok]
