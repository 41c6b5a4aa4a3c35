"""The memory guard: its estimate bounds the peak the run really reaches (tracemalloc sees
NumPy's buffers), and it refuses with the estimate, the limit and a batch that fits."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import archcalc
from archcalc.errors import ArchError
from archcalc.executor.guard import check_memory, estimate
from archcalc.executor.network import Options, run

SPECS = Path(__file__).resolve().parents[2] / "specs"
NETS = {
    "lenet5": ((SPECS / "lenet5.arch").read_text(), 32),
    "residual": ("input 32x32x3\nCONV(16, f=3, p=1) - BN - RELU\n"
                 "RES(CONV(16, p=1) - BN - RELU - CONV(16, p=1) - BN) - RELU\n"
                 "RES(CONV(32, s=2, p=1) - BN - RELU - CONV(32, p=1) - BN | "
                 "CONV(32, f=1, s=2) - BN) - RELU - GAP - FC(10) - SOFTMAX", 8),
    "inception": ("input 16x16x8\nCONCAT(CONV(4, f=1) - RELU | CONV(4, f=3, p=1) - RELU | "
                  "MAXPOOL(3, s=1, p=1) - CONV(2, f=1)) - LRN - MAXPOOL(2) - DROPOUT - FC(5)",
                  16),
    # the padded copies dominate: 128 + 8 rows of padding, an LRN window of 301 channels
    "padded": ("input 8x8x2\nCONV(2, f=3, d=64, p=same) - MAXPOOL(3, s=1, p=1) - LRN(n=301)"
               " - FC(3)", 4),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_the_estimate_bounds_the_measured_peak(name: str) -> None:
    text, batch = NETS[name]
    analysis = archcalc.analyze(text, batch=batch)
    tracemalloc.start()
    try:
        run(analysis.graph, Options(batch=batch))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    total = estimate(analysis, batch, 4).total
    assert peak <= total <= 3 * peak, (peak, total)


def test_refusal_names_the_estimate_the_limit_and_a_batch() -> None:
    analysis = archcalc.analyze(NETS["lenet5"][0], batch=64)
    limit = estimate(analysis, 10, 4).total
    with pytest.raises(ArchError) as info:
        check_memory(analysis, Options(batch=64), limit)
    err = info.value
    assert "at batch 64" in err.message and "more than the limit" in err.message
    assert err.hint == "--batch 10 would fit"


def test_gradcheck_doubles_the_estimate() -> None:
    analysis = archcalc.analyze(NETS["lenet5"][0])
    assert estimate(analysis, 1, 4, gradcheck=True).total == 2 * estimate(analysis, 1, 4).total


def test_even_batch_1_too_big() -> None:
    analysis = archcalc.analyze(NETS["lenet5"][0])
    with pytest.raises(ArchError) as info:
        check_memory(analysis, Options(batch=1), 1000)
    assert "even --batch 1" in info.value.hint


@pytest.mark.parametrize(("text", "needs"), [
    # p=same pads 2·20000 − 64 + 1 … rows: (64 + 39936)² pixels × 3 channels × 4 B ≈ 19 GB
    ("input 64x64x3\nCONV(8, f=3, d=20000, p=same)\n", 2 * 40000**2 * 3 * 4),
    # the window sum pads C = 3 channels to 3 + 2·10^6: 64·64·(2·10^6 + 2) × 4 B = 32.8 GB
    ("input 64x64x3\nLRN(n=2000001)\n", 64 * 64 * 2_000_002 * 4),
])
def test_padded_copies_are_counted(text: str, needs: int) -> None:
    analysis = archcalc.analyze(text)
    assert estimate(analysis, 1, 4).parts["transient"] >= needs * 0.95
    with pytest.raises(ArchError) as caught:
        check_memory(analysis, Options(), 2**30)
    assert caught.value.source is not None and caught.value.source.name == "<string>"


def test_a_refusal_names_the_file_and_keeps_its_numbers_whole(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from archcalc.cli import app

    spec = tmp_path / "huge.arch"
    spec.write_text("input 64x64x3\nLRN(n=2000001)\n")
    result = CliRunner().invoke(app, ["verify", str(spec), "--max-memory", "1GiB"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{spec}: error: the run would need about ")
    assert "transient 32.8 GB" in first and "limit of 1.07 GB (--max-memory)" in first
