"""`archcalc import`: a torch factory (--torch pkg.module:factory) or an ONNX file printed as
.arch, to standard output or -o FILE; the channels-first warning; input errors exit 2 with a
message, never a traceback — a missing extra names the one to install."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import typer  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import archcalc  # noqa: E402
from archcalc.cli.imports import channels_first_warning, import_  # noqa: E402

runner = CliRunner()
app = typer.Typer()
app.command("import")(import_)


@app.callback()
def main() -> None:
    """The command under its registered name (`archcalc import`)."""


MODELS = textwrap.dedent("""
    from torch import nn

    def small():
        return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))

    INSTANCE = small()

    def broken():
        raise ValueError("no weights here")
""")


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mymodels.py").write_text(MODELS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mymodels", raising=False)
    return tmp_path


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["import", *args])


def test_a_torch_factory_prints_its_arch(models: Path) -> None:
    result = run("--torch", "mymodels:small", "--input", "32x32x3")
    assert result.exit_code == 0, result.output
    assert "input 32x32x3" in result.stdout
    analysis = archcalc.analyze(result.stdout)
    assert analysis.totals.params == 8 * 27 + 8 + 16 + 8 * 10 + 10
    assert run("--torch", "mymodels:INSTANCE", "-i", "32x32x3").stdout == result.stdout


def test_output_to_a_file(models: Path) -> None:
    result = run("--torch", "mymodels:small", "-o", "net.arch")
    assert result.exit_code == 0 and result.stdout == ""
    assert "input 224x224x3" in (models / "net.arch").read_text(encoding="utf-8")


def test_a_channels_first_input_is_warned(models: Path) -> None:
    result = run("--torch", "mymodels:small", "--input", "3x32x32")
    assert result.exit_code == 2  # the model refuses 32 channels: H=3, W=32, C=32
    assert ("warning: --input 3x32x32 reads H=3, W=32, C=32: archcalc's sizes are height × "
            "width × channels; for a 32×32 image with 3 channels write --input 32x32x3"
            ) in result.output
    assert channels_first_warning((32, 32, 3)) is None


def test_an_onnx_file_prints_its_arch(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from archcalc.bridge.onnx_export import export_onnx

    path = tmp_path / "lenet.onnx"
    onnx.save(export_onnx(archcalc.analyze("lenet5").graph, weights="zero"), str(path))
    result = run(str(path))
    assert result.exit_code == 0, result.output
    assert archcalc.analyze(result.stdout).totals.params == 61_706
    assert run(str(path), "--input", "32x32x1").exit_code == 2


@pytest.mark.parametrize(("args", "message"), [
    ((), "give an ONNX file or --torch pkg.module:factory"),
    (("--torch", "mymodels"), "expected pkg.module:factory"),
    (("--torch", "nosuchmodule:f"), "No module named 'nosuchmodule'"),
    (("--torch", "mymodels:nothing"), "has no attribute 'nothing'"),
    (("--torch", "mymodels:broken"), "calling broken() failed: ValueError: no weights here"),
    (("--torch", "mymodels:small", "--input", "32x32"), "not a size"),
])
def test_input_errors_exit_2(models: Path, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_a_missing_extra_names_it(models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "torch.nn", None)
    result = run("--torch", "mymodels:small")
    assert result.exit_code == 2 and "pip install 'archcalc[torch]'" in result.output
