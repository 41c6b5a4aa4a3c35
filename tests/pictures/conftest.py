"""The picture commands' tests. The browser tests drive Debian's Chromium (/usr/bin/chromium)
through Playwright (`pip install playwright`; its bundled driver, never a downloaded browser).
They skip, visibly, where either is missing; CI installs both and sets
ARCHCALC_REQUIRE_EXTRAS=1, which turns that skip into an error, as for the PyTorch tests."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from archcalc.cli import pictures

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# as the machine's notes advise for a closed network: no background fetches, no first run
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-default-apps"]


def missing_browser() -> str | None:
    if CHROMIUM is None:
        return "chromium is not installed (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = missing_browser()
    needed = os.environ.get("ARCHCALC_REQUIRE_EXTRAS")
    if needed and reason:
        raise pytest.UsageError(f"ARCHCALC_REQUIRE_EXTRAS is set but {reason}")
    if needed and importlib.util.find_spec("resvg_py") is None:
        raise pytest.UsageError("ARCHCALC_REQUIRE_EXTRAS is set but resvg-py is not "
                                "installed (pip install '.[png]')")
    for item in items:
        if reason and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=reason))


def app() -> typer.Typer:
    """The three commands as the CLI registers them."""
    cli = typer.Typer(add_completion=False, rich_markup_mode=None)
    cli.command("report")(pictures.report)
    cli.command("draw")(pictures.draw)
    cli.command("erf")(pictures.erf)
    return cli


class Run:
    def __call__(self, *args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(app(), list(args))
        assert result.exit_code == code, (result.exit_code, result.output,
                                          result.exception)
        return result


@pytest.fixture(scope="session")
def run() -> Run:
    """`run("report", "alexnet", "-o", path)`: invoke a command, check its exit code."""
    return Run()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (Debian's binary, not Playwright's)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


class Page:
    """A report opened offline: what it logged, what it tried to fetch."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.context = browser.new_context(offline=True, viewport={"width": 1280,
                                                                   "height": 900})
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready]", state="attached", timeout=20_000)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def opener(path: Path) -> Page:
        pages.append(Page(browser, path))
        return pages[-1]

    yield opener
    for page in pages:
        page.close()
