"""`archcalc report` without a browser: one self-contained file (no URL, no resource to
fetch, a Content-Security-Policy that forbids fetching, the inline script and stylesheet
allowed by their hashes), user text escaped everywhere, bounded for 10,000 layers."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import archcalc
from archcalc.pictures.report import report_html
from archcalc.pictures.tree import MAX_ITEMS

EVIL = "<img src=x onerror=alert(1)>"


class Tags(HTMLParser):
    """Every start tag with its attributes, the text, and each script's content."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def payload(html: str) -> dict[str, Any]:
    """The page's on-demand data, decoded as the browser's script decodes it."""
    match = re.search(r'<script type="application/octet-stream" id="payload"[^>]*>([^<]*)<',
                      html)
    assert match
    return json.loads(gzip.decompress(base64.b64decode(match[1])))


def sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_page_is_self_contained(run, tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    run("report", "googlenet", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"\b(https?|ftp|file|wss?):", html)  # no URL of any scheme
    assert re.findall(r"url\(([^)]*)\)", html) == ["#erf-map"] * html.count("url(#erf-map)")
    tags = parse(html)
    names = [t for t, _ in tags.tags]
    assert not {"link", "img", "iframe", "object", "embed", "base", "form"} & set(names)
    for tag, attrs in tags.tags:
        assert "src" not in attrs, tag
        assert all(str(v).startswith(("data:", "#")) for k, v in attrs.items()
                   if k in ("href", "xlink:href")), tag
    policy = next(a["content"] for t, a in tags.tags if t == "meta"
                  and a.get("http-equiv") == "Content-Security-Policy")
    assert policy is not None and policy.startswith("default-src 'none';")
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    code = [s for (t, a), s in zip([x for x in tags.tags if x[0] == "script"], tags.scripts,
                                   strict=True) if "type" not in a]
    assert style and len(code) == 1
    assert f"style-src '{sha(style[1])}'" in policy and f"script-src '{sha(code[0])}'" in policy


def test_user_text_is_escaped_everywhere(run, tmp_path: Path) -> None:
    """A file name, a network name and a layer name that are HTML: shown as text, never as
    markup, in the page and in the payload the script inserts."""
    spec = tmp_path / f"{EVIL}.arch"
    shutil.copy(Path(archcalc.__file__).parent.parent / "specs" / "lenet5.arch", spec)
    out = tmp_path / "net.html"
    run("report", str(spec), "-o", str(out))
    page = out.read_text(encoding="utf-8")
    tags = parse(page)
    assert "img" not in [t for t, _ in tags.tags]
    assert any(EVIL in text for text in tags.text)  # shown literally

    a = archcalc.analyze("input 16x16x3\nstage: (CONV(4, p=1) - RELU)*2 - FC(2)")
    layers = (dataclasses.replace(a.layers[0], name=f"stage.1.{EVIL}"), *a.layers[1:])
    evil = dataclasses.replace(a, network=f"</script><script>alert(1)</script>{EVIL}",
                               layers=layers)
    html = report_html(evil, EVIL)
    tags = parse(html)
    assert [t for t, _ in tags.tags].count("script") == 2  # the payload, the code: no more
    assert "img" not in [t for t, _ in tags.tags]
    data = payload(html)
    assert data["layers"][0][0] == f"stage.1.{EVIL}"  # kept as data, exactly
    for block in data["blocks"].values():  # rows and drawings the script inserts
        inserted = parse(block["rows"] + block["svg"])
        assert "img" not in [t for t, _ in inserted.tags] and "script" not in [
            t for t, _ in inserted.tags]
    assert any(EVIL in t for block in data["blocks"].values() for t in parse(
        block["rows"]).text)


def test_ten_thousand_layers_stay_bounded() -> None:
    """A flat chain of 10,000 layers: the page holds at most MAX_ITEMS top-level rows and
    drawn items (segments collapse the rest), and stays under 2 MB (docs/pictures.md gives
    the measured size and load time; bench/report.py measures them)."""
    a = archcalc.analyze("input 32x32x3\n(CONV(16, f=3, p=1) - RELU)*5000")
    html = report_html(a, "chain.arch")
    top = html[:html.index('id="payload"')]
    assert len(html.encode()) < 2_000_000
    assert top.count("<tr data-") <= MAX_ITEMS
    assert top.count('class="layer"') + top.count('class="block"') <= MAX_ITEMS + 1
    assert len(payload(html)["layers"]) == 10_000


def test_report_and_draw_import_no_numpy() -> None:
    code = ("import sys\nfrom typer.testing import CliRunner\nimport typer\n"
            "from archcalc.cli import pictures\napp = typer.Typer()\n"
            "app.command('report')(pictures.report)\napp.command('draw')(pictures.draw)\n"
            "for args in (['report', 'googlenet'], ['draw', 'resnet18']):\n"
            "    assert CliRunner().invoke(app, args).exit_code == 0\n"
            "assert 'numpy' not in sys.modules, 'numpy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_report_errors_exit_2(run, tmp_path: Path) -> None:
    missing = run("report", "lenet5", "-o", str(tmp_path / "none" / "x.html"), code=2)
    assert "cannot write" in missing.stderr
    unknown = run("report", "lenet5", "--erf", "conv9", code=2)
    assert "--erf conv9: no layer of that name" in unknown.stderr
    assert "did you mean" in unknown.stderr
    assert "error" in run("report", str(tmp_path / "absent.arch"), code=2).stderr
