"""The effective receptive field (Luo, Li, Urtasun and Zemel, NeurIPS 2016) reproduced on the
zoo's plain conv stack: specs/convnet_pattern.arch with M=1 and the POOL left out
(--no-optional) is CONV(32, f=3, p=same) - RELU repeated N times, then FC; its input is set to
48×48×3 so that the fields of the deepest stack tested (33 px) lie inside it.

The expectation, by hand (the paper's §2 argument, for random weights): ∂y/∂x at an offset d
from the centre is a sum over the paths from the input pixel to the unit of products of
independent zero-mean weights, so its variance is proportional to the number of paths — per
axis the trinomial count c_n(d) of ways n steps in {−1, 0, 1} reach d, the 2-D count being
the product. The mean of |g| for a zero-mean Gaussian g is √(2/π)·σ_g, so the ERF is ∝
√c_n(h)·√c_n(w) (ReLU gates half the paths on average, which scales it, not its shape). Its
standard deviation per axis is that of the distribution ∝ √c_n:
    n = 4: c = 1, 4, 10, 16, 19, 16, 10, 4, 1 → σ = 2.03 px;   n = 16: σ = 4.50 px,
against a theoretical field of 2n + 1 = 9 and 33 px. σ grows as √n (here 4.50/2.03 = 2.2 for
4× the depth; 2 asymptotically) while the field grows as n (33/9 = 3.7), and ±2σ covers 90 %
of the field's width at n = 4 but 55 % at n = 16: Gaussian-like, and a shrinking fraction of
the theoretical field (the paper's Figures 1 and 2).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import archcalc
from archcalc.executor.erf import ERF, effective_rf

DEPTHS = (4, 16)


def trinomial(n: int) -> list[int]:
    """c_n(d) for d = −n … n: the n-fold convolution of (1, 1, 1), in integers."""
    counts = [1]
    for _ in range(n):
        padded = [0, 0, *counts, 0, 0]
        counts = [padded[k] + padded[k + 1] + padded[k + 2] for k in range(len(counts) + 2)]
    return counts


def expected_sigma(n: int) -> float:
    weights = [math.sqrt(c) for c in trinomial(n)]
    total = sum(weights)
    mean = sum(d * w for d, w in enumerate(weights)) / total
    return math.sqrt(sum((d - mean) ** 2 * w for d, w in enumerate(weights)) / total)


def test_the_hand_arithmetic() -> None:
    assert trinomial(4) == [1, 4, 10, 16, 19, 16, 10, 4, 1]
    assert round(expected_sigma(4), 2) == 2.03 and round(expected_sigma(16), 2) == 4.50


def stack(n: int) -> archcalc.Analysis:
    return archcalc.analyze("convnet_pattern", params={"N": n, "M": 1, "K": 1},
                            optional=False, input_shape=(48, 48, 3))


@pytest.fixture(scope="module")
def erfs() -> dict[int, tuple[ERF, archcalc.Analysis]]:
    out = {}
    for n in DEPTHS:
        a = stack(n)
        out[n] = (effective_rf(a.graph, a.names().index(f"relu{n}"), samples=8, seed=0), a)
    return out


def kurtosis(marginal: np.ndarray) -> float:
    """Excess kurtosis of a distribution over pixels: 0 for a Gaussian, −1.2 for a box."""
    p = marginal / marginal.sum()
    k = np.arange(p.size)
    mean = (k * p).sum()
    var = ((k - mean) ** 2 * p).sum()
    return float(((k - mean) ** 4 * p).sum() / var**2 - 3)


def test_the_erf_is_gaussian_like_and_centred(erfs) -> None:
    erf, _ = erfs[16]
    (ch, cw), _ = erf.moments()
    assert erf.unit == (23, 23) and abs(ch - 23.5) < 0.5 and abs(cw - 23.5) < 0.5
    for marginal in (erf.grid.sum(axis=1), erf.grid.sum(axis=0)):
        assert abs(kurtosis(marginal)) < 0.4  # a box (the theoretical field's) is −1.2
    assert kurtosis(np.ones(33)) == pytest.approx(-1.2, abs=0.01)  # the control


@pytest.mark.parametrize("n", DEPTHS)
def test_sigma_is_the_path_count_arithmetic(erfs, n: int) -> None:
    _, (sh, sw) = erfs[n][0].moments()
    assert sh == pytest.approx(expected_sigma(n), rel=0.1)
    assert sw == pytest.approx(expected_sigma(n), rel=0.1)


def test_it_grows_as_sqrt_n_while_the_theoretical_field_grows_as_n(erfs) -> None:
    sigma = {n: erfs[n][0].moments()[1][0] for n in DEPTHS}
    field = {n: erfs[n][1][f"relu{n}"].rf.h.size for n in DEPTHS}
    assert field == {4: 9, 16: 33}  # 1 + 2n
    depth = math.log(16 / 4)
    erf_slope, field_slope = math.log(sigma[16] / sigma[4]) / depth, math.log(33 / 9) / depth
    assert 0.4 < erf_slope < 0.7  # √n: 0.5 (0.575 by the arithmetic at these depths)
    assert field_slope > 0.9 and erf_slope < field_slope - 0.25
    share = {n: 4 * sigma[n] / field[n] for n in DEPTHS}  # ±2σ over the field's width
    assert share[16] < 0.65 and share[16] < 0.7 * share[4]


def test_erf_command_draws_the_map_and_the_theoretical_box(run, tmp_path: Path) -> None:
    out = tmp_path / "erf.svg"
    run("erf", "convnet_pattern", "-D", "N=2", "-D", "M=1", "--no-optional", "--layer",
        "relu2", "--samples", "2", "-o", str(out))
    svg = out.read_text(encoding="utf-8")
    assert 'href="data:image/png;base64,' in svg
    # 32×32 input drawn 320 px wide (10 px per pixel); relu2's field is 5 px (3 + 2), around
    # unit (15, 15), whose centre is pixel 15.5: the box spans 13 … 18 → x = 130, width 50
    box = re.search(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" '
                    r'fill="none" stroke="#4cc9f0"', svg)
    assert box and [float(v) for v in box.groups()] == [130.0, 130.0, 50.0, 50.0]
    assert "theoretical receptive field, 5 px" in svg


def test_report_includes_the_erf_when_asked(run, tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    run("report", "lenet5", "--erf", "conv2", "--samples", "2", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Effective receptive field of conv2" in html and "data:image/png;base64," in html
    assert not re.search(r"\b(https?|ftp|file|wss?):", html)  # still nothing to fetch


def test_the_erf_of_a_report_for_a_huge_batch_runs_one_image(run, tmp_path: Path) -> None:
    """LeNet-5's figures for 10⁸ images (terabytes), its ERF from one image at a time: the
    memory guard judges the run that happens."""
    out = tmp_path / "net.html"
    run("report", "lenet5", "--batch", "100000000", "--erf", "conv1", "--samples", "1",
        "-o", str(out))
    assert "Effective receptive field of conv1" in out.read_text(encoding="utf-8")


def test_a_block_name_probes_its_last_layer(run, tmp_path: Path) -> None:
    spec = tmp_path / "net.arch"
    spec.write_text("input 12x12x1\nstage: (CONV(2, p=1) - RELU)*2 - FC(2)\n")
    out = tmp_path / "erf.svg"
    run("erf", str(spec), "--layer", "stage", "--samples", "1", "-o", str(out))
    last = archcalc.analyze(spec).group("stage").last - 1
    assert f"field of {archcalc.analyze(spec).layers[last].name}:" in out.read_text()


def test_erf_errors_exit_2(run, tmp_path: Path) -> None:
    unknown = run("erf", "lenet5", "--layer", "conv9", code=2)
    assert "--layer conv9: no layer of that name" in unknown.stderr
    assert "did you mean conv" in unknown.stderr
    vector = tmp_path / "mlp.arch"
    vector.write_text("input 100\nFC(10) - RELU\n")
    flat = run("erf", str(vector), "--layer", "fc1", code=2)
    assert "needs an image input" in flat.stderr
    assert run("erf", "lenet5", "--layer", "conv1", "--samples", "0", code=2).exit_code == 2
    missing = run("erf", "lenet5", "--layer", "conv1", "--samples", "1", "-o",
                  str(tmp_path / "no" / "x.svg"), code=2)
    assert "cannot write" in missing.stderr
