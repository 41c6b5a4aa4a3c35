"""The report in a real browser (headless Chromium, offline): it renders something, logs no
error, fetches nothing, shows the numbers `archcalc analyze --format json` prints and the
formulas `--explain` prints, and its blocks open and close. A control page that does try to
fetch shows that the detectors would see it."""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archcalc.cli import app as main_app

SPECS = ("alexnet", "googlenet", "resnet152")


@functools.cache
def analyze_json(spec: str, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(main_app, ["analyze", spec, "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def number(text: str) -> int:
    return int(text.replace(",", "").rstrip(" *!"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, run) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    for spec in SPECS:
        run("report", spec, "-o", str(folder / f"{spec}.html"))
    return {spec: folder / f"{spec}.html" for spec in SPECS}


def screenshot_pixels(browser: Any, png: bytes) -> dict[str, int]:
    """Count white and distinct pixels of a PNG, decoded by the browser itself (a canvas)."""
    page = browser.new_page()
    try:
        return page.evaluate("""async (b64) => {
          const img = new Image(); img.src = "data:image/png;base64," + b64; await img.decode();
          const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
          const g = c.getContext("2d"); g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, c.width, c.height).data;
          let white = 0, conv = 0; const colours = new Set();
          for (let i = 0; i < d.length; i += 4) {
            if (d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245) { white++; }
            if (d[i] === 0x8e && d[i + 1] === 0xca && d[i + 2] === 0xe6) { conv++; }
            colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
          }
          return {pixels: d.length / 4, white: white, colours: colours.size, conv: conv};
        }""", base64.b64encode(png).decode())
    finally:
        page.close()


@pytest.mark.parametrize("spec", SPECS)
def test_renders_offline_without_errors_or_fetches(spec: str, reports: dict[str, Path],
                                                   open_page, browser) -> None:
    page = open_page(reports[spec])
    shot = screenshot_pixels(browser, page.page.screenshot())
    assert page.console == [] and page.requests == [page.url] and page.dialogs == []
    assert shot["white"] < 0.95 * shot["pixels"] and shot["colours"] > 50
    assert shot["conv"] > 200  # the convolutions' volumes are drawn (their fill colour)


@pytest.mark.parametrize("spec", SPECS)
def test_the_names_over_the_bars_do_not_overlap(spec: str, reports: dict[str, Path],
                                                open_page) -> None:
    """As the browser lays them out (ResNet-152 has dozens of equal largest bars)."""
    boxes = open_page(reports[spec]).page.evaluate("""() => Array.from(
        document.querySelectorAll("svg.chart"), (chart) => Array.from(
            chart.querySelectorAll("text.name"), (t) => {
                const b = t.getBoundingClientRect(); return [b.left, b.right, b.top, b.bottom];
            }))""")
    assert sum(map(len, boxes)) >= 6  # params, MACs, memory: names over their largest bars
    for chart in boxes:
        for k, a in enumerate(chart):
            for b in chart[k + 1:]:
                assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2], (a, b)


@pytest.mark.parametrize("spec", SPECS)
def test_numbers_on_the_page_equal_the_json(spec: str, reports: dict[str, Path],
                                            open_page) -> None:
    doc = analyze_json(spec)
    page = open_page(reports[spec]).page
    page.click("#expand-all")
    rows = page.evaluate("""() => Array.from(document.querySelectorAll("#layers tr[data-i]"))
        .filter((tr) => tr.offsetParent !== null)
        .map((tr) => [Number(tr.dataset.i), ...Array.from(tr.cells, (td) => td.innerText)])""")
    assert [r[0] for r in rows] == list(range(len(doc["layers"])))
    for (_, name, _, output, params, macs, flops, acts, memory, rf), want in zip(
            rows, doc["layers"], strict=True):
        assert want["name"].endswith(name)
        assert output.rstrip(" !") == "×".join(map(str, want["output"]))
        assert [number(v) for v in (params, macs, flops, acts, memory)] == [
            want[k] for k in ("params", "macs", "flops", "activations", "memory_bytes")]
        size = want["rf"]["size"]
        assert rf == (str(size[0]) if size[0] == size[1] else f"{size[0]}×{size[1]}")
    totals = doc["totals"]
    text = {k: page.inner_text(f"#total-{k}") for k in ("params", "MACs", "FLOPs")}
    assert number(text["params"]) == totals["params"]
    small = page.evaluate("""() => Array.from(document.querySelectorAll(".card .small"),
                                             (e) => e.innerText)""")
    assert [number(s.split()[0]) for s in small[1:4]] == [
        totals["macs"], totals["flops"], totals["activations"]]
    assert number(small[4].split(" B")[0]) == totals["memory_bytes"]["forward"]
    assert number(small[5].split(" B")[0]) == totals["memory_bytes"]["training"]


def test_hover_and_click_show_the_explain_arithmetic(reports: dict[str, Path],
                                                     open_page) -> None:
    formulas = analyze_json("alexnet", "--explain")["layers"][0]["formulas"]
    page = open_page(reports["alexnet"]).page
    page.hover('tr[data-i="0"] td.p')
    assert page.inner_text("#tip") == formulas["params"]  # (11·11·3)·96 + 96 = 34,944
    page.hover('tr[data-i="0"] td.r')
    assert page.inner_text("#tip") == formulas["RF"]
    page.click('svg .layer[data-i="0"]')  # the volume in the drawing
    shown = page.inner_text("#explain pre")
    assert all(f in shown for f in formulas.values()) and shown.startswith("conv1")


@pytest.mark.parametrize("spec", ["googlenet", "resnet152"])
def test_clicking_a_block_shows_its_rows_and_again_hides_them(
        spec: str, reports: dict[str, Path], open_page) -> None:
    doc = analyze_json(spec)
    page = open_page(reports[spec]).page
    head = page.locator("#layers tr[data-key]").first
    key = head.get_attribute("data-key")
    members = page.locator(f'#layers tr[data-in="{key}"]')
    assert members.count() == 0  # collapsed: its rows are not even in the page yet
    head.click()
    assert members.count() > 0 and all(members.nth(k).is_visible()
                                       for k in range(members.count()))
    first = members.first
    index = first.get_attribute("data-i")
    if index is not None:  # a layer row: the JSON's layer of that index
        assert doc["layers"][int(index)]["name"].endswith(first.locator("td.n").inner_text())
    head.click()
    assert not any(members.nth(k).is_visible() for k in range(members.count()))


def test_clicking_a_block_in_the_drawing_opens_its_drawing(reports: dict[str, Path],
                                                           open_page) -> None:
    doc = analyze_json("resnet152")
    page = open_page(reports["resnet152"]).page
    page.locator("svg .block").first.click()  # conv2_x: its three bottlenecks
    panel = page.locator("#panels .panel")
    assert panel.count() == 1 and panel.locator("svg .block").count() == 3
    panel.locator("svg .block").first.click()  # conv2_x.bottleneck_down1: its layers
    layers = page.locator("#panels .panel").nth(1).locator("svg .layer")
    names = {doc["layers"][int(layers.nth(k).get_attribute("data-i") or -1)]["name"]
             for k in range(layers.count())}
    assert "conv2_x.bottleneck_down1.conv1" in names and len(names) == 12


def test_a_page_that_fetches_is_caught(tmp_path: Path, reports: dict[str, Path],
                                       open_page) -> None:
    """The control: the same page with an image from the network added is refused by its
    policy and seen by the detectors the tests above rely on."""
    html = reports["alexnet"].read_text(encoding="utf-8")
    spoiled = tmp_path / "spoiled.html"
    spoiled.write_text(html.replace("<body>", '<body><img src="http://127.0.0.1:9/x.png">'),
                       encoding="utf-8")
    page = open_page(spoiled)
    assert page.console != [] or page.requests != [page.url]


def test_escaped_names_show_as_text_and_run_nothing(tmp_path: Path, open_page, run) -> None:
    evil = "<img src=x onerror=alert(1)>"
    spec = tmp_path / f"{evil}.arch"
    spec.write_text("input 16x16x3\nstage: (CONV(4, p=1) - RELU)*2 - FC(2)\n")
    out = tmp_path / "evil.html"
    run("report", str(spec), "-o", str(out))
    page = open_page(out)
    page.page.locator("#layers tr[data-key]").first.click()
    assert page.dialogs == [] and page.console == [] and page.requests == [page.url]
    assert evil in page.page.inner_text("header")
    assert page.page.locator("img").count() == 0


def test_ten_thousand_layers_open_segment_by_segment(tmp_path: Path, open_page, run) -> None:
    """A chain of 10,000 layers (one unlabeled repeat) shows 10 segments of 1,024 layers
    (32 segments of 32 each: 32 · 32 = 1,024; the tenth holds the last 784); opening one
    segment and then its first shows layers 1–32."""
    spec = tmp_path / "chain.arch"
    spec.write_text("input 32x32x3\n(CONV(16, f=3, p=1) - RELU)*5000\n")
    out = tmp_path / "chain.html"
    run("report", str(spec), "-o", str(out))
    page = open_page(out)
    tbody = page.page.locator("#layers tbody > tr")
    assert tbody.count() == 10 and page.console == [] and page.requests == [page.url]
    first = page.page.locator("#layers tr[data-key]").first
    first.click()
    inner = page.page.locator(f'#layers tr[data-in="{first.get_attribute("data-key")}"]')
    assert inner.count() == 32
    inner.first.click()
    layers = page.page.locator(f'#layers tr[data-in="{inner.first.get_attribute("data-key")}"]')
    assert [layers.nth(k).get_attribute("data-i") for k in range(layers.count())] == [
        str(i) for i in range(32)]
    assert page.console == []
