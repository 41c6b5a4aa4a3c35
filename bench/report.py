"""Benchmark `archcalc report`: the page's size and the time to build it and to open it in
headless Chromium, for the zoo and for generated 10,000-layer files.

    python bench/report.py [--runs 5] [--zoo]

For each network it prints the layers, the time to analyze and the time to write the page
(both sides of that ratio), the page's size and the share of it that is the gzip payload
(each block's rows and drawing, every --explain text), and the load time in Chromium: from
navigation to the page's script being ready (blocks clickable), median of --runs, beside the
same for a blank page (both sides of that ratio). Chromium is Debian's /usr/bin/chromium
driven by playwright (the [test] extra); without them the load columns are left out.
Prints numbers; asserts nothing (timing tests are flaky on shared machines).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import archcalc
from archcalc.pictures.report import report_html
from archcalc.source import zoo

FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
# set by an init script (run before the page's own, outside its policy) when the page's
# script marks the body ready
READY_CLOCK = """new MutationObserver(function (_, o) {
  if (document.body && document.body.dataset.ready) {
    window.__ready = performance.now(); o.disconnect();
  }
}).observe(document, {attributes: true, subtree: true});"""


def flat_chain(layers: int) -> str:
    """`layers` layers in one unlabeled repeat: no block of the description, so the page
    cuts it into segments."""
    return f"input 32x32x3\n(CONV(16, f=3, p=1) - RELU)*{layers // 2}\n"


def nested_blocks(layers: int) -> str:
    """Residual blocks of 7 layers (conv, bn, relu, conv, bn, res, relu) in labeled stages of
    10 blocks each: blocks inside blocks, a fork in every one."""
    stages = layers // 70
    body = "\n".join(f"stage{s + 1}: unit(16)*10" for s in range(stages))
    return ("input 16x16x16\nblock unit(c) { RES(CONV(c, p=1) - BN - RELU - CONV(c, p=1) - "
            f"BN) - RELU }}\n{body}\n")


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def load_times(browser: Any, path: Path, runs: int) -> float:
    """Median ms from navigation to the page's script ready, in a fresh offline context."""
    times = []
    for _ in range(runs):
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
        context.add_init_script(READY_CLOCK)
        page = context.new_page()
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.__ready !== undefined", timeout=120_000)
        times.append(page.evaluate("window.__ready"))
        context.close()
    return statistics.median(times)


def blank_time(browser: Any, folder: Path, runs: int) -> float:
    blank = folder / "blank.html"
    blank.write_text("<!doctype html><body><script>document.body.dataset.ready = 1</script>",
                     encoding="utf-8")
    return load_times(browser, blank, runs)


def measure(name: str, source: str | Path, folder: Path, browser: Any, runs: int,
            blank: float | None) -> None:
    limits = archcalc.Limits(max_layers=10**6)
    t_analyze, analysis = timed(lambda: archcalc.analyze(source, limits=limits))
    t_report, html = timed(lambda: report_html(analysis, name))
    data = html.encode("utf-8")
    start = html.index('id="payload"')
    payload = len(html[start:html.index("</script>", start)].encode("utf-8"))
    path = folder / f"{name.replace('/', '_')}.html"
    path.write_bytes(data)
    line = (f"{name:<40} {len(analysis.layers):>6} {t_analyze:>8.2f} {t_report:>8.2f} "
            f"{t_report / t_analyze:>6.1f} {len(data) / 1e3:>9.0f} {payload / len(data):>6.0%}")
    if browser is not None and blank is not None:
        ms = load_times(browser, path, runs)
        line += f" {ms:>8.0f} {blank:>6.0f} {ms / blank:>6.1f}"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--zoo", action="store_true", help="every zoo spec (else a few)")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    print(f"{'network':<40} {'layers':>6} {'analyze':>8} {'report':>8} {'ratio':>6} "
          f"{'size kB':>9} {'payld':>6} {'load ms':>8} {'blank':>6} {'ratio':>6}")
    print(f"{'':<40} {'':>6} {'s':>8} {'s':>8} {'':>6} {'':>9} {'':>6}"
          f" {'to ready':>8} {'ms':>6}")
    names = [n for n, _ in zoo()] if args.zoo else ["alexnet", "googlenet", "resnet152"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs = [(n, n) for n in names] + [
            ("chain_10000", flat_chain(10_000)), ("blocks_10010", nested_blocks(10_010))]
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            sync_playwright = None
        if chromium is None or sync_playwright is None:
            print("(no chromium or playwright: load times left out)")
            for name, source in jobs:
                measure(name, source, folder, None, args.runs, None)
            return
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            blank = blank_time(browser, folder, args.runs)
            for name, source in jobs:
                measure(name, source, folder, browser, args.runs, blank)
            browser.close()


if __name__ == "__main__":
    main()
