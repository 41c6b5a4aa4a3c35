"""`archcalc draw`: a standalone SVG whose boxes follow the stated scale (4 + 8·log₂ n px,
at most 100), a merge's paths side by side, blocks collapsed unless --expand; PNG through
resvg-py. Expected sizes are the scale's arithmetic, by hand."""

from __future__ import annotations

import importlib.util
import math
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def positions(svg: str) -> dict[str, tuple[float, float, ET.Element]]:
    """Each layer group's absolute translation, by the name printed under it (the last
    label line), with the group itself."""
    root = ET.fromstring(svg)
    found: dict[str, tuple[float, float, ET.Element]] = {}

    def walk(node: ET.Element, x: float, y: float) -> None:
        move = re.fullmatch(r"translate\(([-\d.]+),([-\d.]+)\)", node.get("transform", ""))
        if move:
            x, y = x + float(move[1]), y + float(move[2])
        if node.tag == f"{SVG}g" and node.get("class") == "layer":
            texts = [t.text for t in node.iter(f"{SVG}text")]
            if texts:
                found[texts[-1] or ""] = (x, y, node)
        for child in node:
            walk(child, x, y)

    walk(root, 0.0, 0.0)
    return found


def face(group: ET.Element) -> tuple[float, float]:
    """Width and height of a layer's front face (its first rect)."""
    rect = next(group.iter(f"{SVG}rect"))
    return float(rect.get("width", "0")), float(rect.get("height", "0"))


def test_alexnet_boxes_follow_the_stated_log_scale(run, tmp_path: Path) -> None:
    out = tmp_path / "alexnet.svg"
    run("draw", "alexnet", "-o", str(out))
    layers = positions(out.read_text(encoding="utf-8"))
    # conv1 55×55×96: thickness 4 + 8·log₂ 96 = 56.68, height 4 + 8·log₂ 55 = 50.25
    assert face(layers["conv1"][2]) == pytest.approx((4 + 8 * math.log2(96),
                                                      4 + 8 * math.log2(55)), abs=0.06)
    # pool3 6×6×256: 4 + 8·8 = 68 thick, 4 + 8·log₂ 6 = 24.68 high
    assert face(layers["pool3"][2]) == pytest.approx((68.0, 4 + 8 * math.log2(6)), abs=0.06)
    # fc6's 4096 would be 4 + 8·12 = 100: at the 100 px cap; fc8's 1000: 83.73
    assert face(layers["fc6"][2])[1] == pytest.approx(100.0)
    assert face(layers["fc8"][2])[1] == pytest.approx(4 + 8 * math.log2(1000), abs=0.06)
    # left to right in order, on one flow line
    xs = [layers[n][0] for n in ("input", "conv1", "pool1", "conv2", "fc6", "fc8")]
    assert xs == sorted(xs) and len({layers[n][1] for n in ("conv1", "conv5", "fc7")}) == 1
    assert "4 + 8·log₂ n px" in out.read_text(encoding="utf-8")  # the scale is stated


def test_inception_paths_are_drawn_side_by_side(run, tmp_path: Path) -> None:
    out = tmp_path / "googlenet.svg"
    run("draw", "googlenet", "--expand", "inception3a", "-o", str(out))
    layers = positions(out.read_text(encoding="utf-8"))
    heads = [layers[n] for n in ("b1x1", "b3x3_reduce", "b5x5_reduce", "bpool")]
    assert len({round(x, 1) for x, _, _ in heads}) == 1  # the lanes start together
    ys = [y for _, y, _ in heads]
    assert ys == sorted(ys) and len(set(ys)) == 4  # one lane each, in the order written
    concat = layers["concat1"]
    assert concat[0] > max(layers[n][0] for n in ("b3x3", "b5x5", "bpool_proj"))
    assert concat[1] == heads[0][1]  # the merge is back on the flow line


def test_blocks_are_collapsed_unless_expanded(run, tmp_path: Path) -> None:
    closed, opened = tmp_path / "closed.svg", tmp_path / "open.svg"
    run("draw", "resnet18", "-o", str(closed))
    run("draw", "resnet18", "--expand", "all", "-o", str(opened))
    shut, full = positions(closed.read_text()), positions(opened.read_text())
    assert "conv1" in shut and "conv2_x.basic1" not in closed.read_text()
    assert "▸ conv2_x" in closed.read_text()
    # open: every layer of the description is drawn (relative names inside blocks)
    assert {"conv1", "conv2", "res1"} <= set(full) and "▸ conv2_x" not in opened.read_text()
    ET.fromstring(opened.read_text())


def test_draw_writes_standard_output_by_default(run) -> None:
    result = run("draw", "lenet5")
    assert result.stdout.startswith("<svg") and ET.fromstring(result.stdout) is not None


@pytest.mark.skipif(importlib.util.find_spec("resvg_py") is None,
                    reason="resvg-py is not installed (pip install '.[png]')")
def test_png_is_rasterized_at_twice_the_svg_size(run, tmp_path: Path) -> None:
    svg, png = tmp_path / "n.svg", tmp_path / "n.png"
    run("draw", "lenet5", "-o", str(svg))
    run("draw", "lenet5", "-o", str(png))
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    root = ET.fromstring(svg.read_text())
    want = (2 * float(root.get("width", "0")), 2 * float(root.get("height", "0")))
    assert abs(width - want[0]) <= 1 and abs(height - want[1]) <= 1  # whole pixels


def test_draw_errors_are_clear_and_exit_2(run, tmp_path: Path) -> None:
    bad = run("draw", "googlenet", "--expand", "inception9z", code=2)
    assert "no block of that name" in bad.stderr and "did you mean inception" in bad.stderr
    assert "use svg or png" in run("draw", "lenet5", "--format", "bmp", code=2).stderr
    missing = run("draw", "lenet5", "-o", str(tmp_path / "no" / "such" / "x.svg"), code=2)
    assert "cannot write" in missing.stderr and "create the folder first" in missing.stderr
    assert "cannot write" in run("draw", "lenet5", "-o", str(tmp_path), code=2).stderr
    assert "error" in run("draw", str(tmp_path / "absent.arch"), code=2).stderr
