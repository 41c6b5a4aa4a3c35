"""The PyTorch exporter: every kind and merge maps to a module (a test generated from the
registry), the source is valid Python that builds and runs, names and classes follow the .arch
file, the conventions hold by hand (LRN's α, TF's `same`, average pooling's divisor), what
torch cannot express is a located error, and the `export` command."""

from __future__ import annotations

import ast
import math
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import typer  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import archcalc  # noqa: E402
from archcalc.bridge import torch_export_modules  # noqa: E402
from archcalc.bridge.torch_export import export_torch  # noqa: E402
from archcalc.cli.export import export  # noqa: E402
from archcalc.errors import ArchError  # noqa: E402
from archcalc.layers import graph_kinds  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kinds import network  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_every_kind_and_merge_has_a_torch_mapping() -> None:
    mapped = set(torch_export_modules.MODULES) | set(torch_export_modules.MERGES)
    assert set(graph_kinds()) <= mapped, set(graph_kinds()) - mapped


@pytest.mark.parametrize("kind", graph_kinds())
def test_every_kind_exports_python_that_builds_and_runs(kind: str, exported) -> None:  # type: ignore[no-untyped-def]
    text = network(kind) if kind != "groupnorm" else network(kind).replace("GAP - ", "")
    graph = archcalc.build_graph(text)
    ast.parse(export_torch(graph))
    cls, namespace = exported(graph)
    out = cls().eval()(torch.randn(2, *namespace["INPUT_SIZE"]))
    y = archcalc.analyze(text).layers[-1].output
    assert tuple(out.shape) == ((2, y[2], y[0], y[1]) if len(y) == 3 else (2, *y))


def located(text: str) -> ArchError:
    with pytest.raises(ArchError) as caught:
        export_torch(archcalc.build_graph(text))
    err = caught.value
    assert err.span is not None and err.source is not None
    return err


def test_what_torch_cannot_express_is_a_located_error() -> None:
    err = located("input 8x8x4\nGAP - GROUPNORM(4)")
    assert err.span.line == 2 and err.span.column == 7 and "single value" in err.message
    assert "<string>:2:7" in str(err)


def test_a_kind_without_a_mapping_is_a_located_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(torch_export_modules.MODULES, "relu")
    err = located("input 8x8x4\nCONV(4) - RELU")
    assert "no module for RELU" in err.message and err.span.column == 11


def test_every_layer_is_the_submodule_of_its_name(exported) -> None:  # type: ignore[no-untyped-def]
    text = ("input 32x32x3\nblock basic(c, s=1) { RES(CONV(c, s=s, p=1) - BN - RELU - CONV(c, p=1)"
            " | CONV(c, f=1, s=s)) - RELU }\nstem: (CONV(8, p=1) - BN)\nlayer1: basic(8)*2\n"
            "layer2: (basic(16, s=2) - basic(16))\ntrain: CONV(4, f=1) - forward: RELU - GAP - "
            "FC(10)")
    analysis = archcalc.analyze(text)
    cls, _ = exported(analysis.graph)
    model = cls()
    assert isinstance(model.get_submodule("layer1.1.conv1"), torch.nn.Conv2d)
    assert model.get_submodule("layer2.basic1.conv1").stride == (2, 2)
    assert isinstance(model.get_submodule("stem"), torch.nn.Sequential)
    assert isinstance(model.get_submodule("train_"), torch.nn.Conv2d)  # a Module attribute
    assert isinstance(model.get_submodule("forward_"), torch.nn.ReLU)
    names = dict(model.named_modules())
    kept = [r.name for r in analysis.layers if r.kind not in ("add", "identity")]
    renamed = {"train": "train_", "forward": "forward_"}
    assert all(renamed.get(n, n) in names for n in kept)


def test_a_block_is_a_class_whose_constructor_takes_its_arguments(exported) -> None:  # type: ignore[no-untyped-def]
    graph = archcalc.build_graph(SPECS / "resnet18.arch")
    source = export_torch(graph)
    assert "class Basic(nn.Module):" in source and "class BasicDown(nn.Module):" in source
    assert "def __init__(self, in_channels, c):" in source
    assert "self.conv1 = nn.Conv2d(in_channels, c, 3, padding=1, bias=False)" in source
    assert "x = branch1 + x" in source  # RES, written plainly
    _, namespace = exported(graph)
    block = namespace["Basic"](32, 32)  # usable on its own, at any width
    assert sum(p.numel() for p in block.parameters()) == 2 * (9 * 32 * 32 + 2 * 32)


def test_a_block_whose_structure_follows_its_arguments_gets_one_class_per_shape(exported) -> None:  # type: ignore[no-untyped-def]
    text = ("input 8x8x4\nblock stack(n, c) { (CONV(c, f=1) - RELU)*n }\n"
            "stack(1, 4) - stack(2, 8) - stack(2, 6)")
    source = export_torch(archcalc.build_graph(text))
    assert "class Stack(nn.Module):" in source and "class Stack2(nn.Module):" in source
    assert "class Stack3" not in source  # stack(2, 8) and stack(2, 6) share one
    cls, _ = exported(archcalc.build_graph(text))
    expected = archcalc.analyze(text).totals.params
    assert sum(p.numel() for p in cls().parameters()) == expected


def test_split_shuffle_concat_and_gates_are_plain_torch() -> None:
    source = export_torch(archcalc.build_graph(SPECS / "shufflenet_v2.arch"))
    assert "branch1, branch2 = x.chunk(2, dim=1)" in source
    assert "x = torch.cat([branch1, self.branch2(branch2)], 1)" in source
    assert "nn.ChannelShuffle(2)" in source
    source = export_torch(archcalc.build_graph(SPECS / "efficientnet_b0.arch"))
    assert "x = x * branch1" in source and "StochasticDepth(SD * b / BLOCKS)" in source
    assert "SD = 0.2" in source  # the file's params, as constants


def test_same_padding_follows_the_input_size_as_tensorflow(exported) -> None:  # type: ignore[no-untyped-def]
    text = "input 8x8x2\nCONV(3, f=3, s=2, p=same) - MAXPOOL(2, p=same) - CONV(2, f=2, p=same)"
    cls, _ = exported(archcalc.build_graph(text))
    model = cls()
    for size in (7, 8, 9, 10):
        out = model(torch.randn(1, 2, size, size))
        y = archcalc.analyze(text, input_shape=(size, size, 2)).layers[-1].output
        assert tuple(out.shape[2:]) == y[:2] == (math.ceil(math.ceil(size / 2) / 2),) * 2


def test_lrn_alpha_is_multiplied_by_n(exported) -> None:  # type: ignore[no-untyped-def]
    """.arch's b = a / (k + α·Σ a²)^β over channels c − n//2 … c + (n − 1)//2, by hand."""
    text = "input 1x1x6\nLRN(n=4, k=1, alpha=0.5, beta=1)"
    assert "nn.LocalResponseNorm(4, alpha=2.0, beta=1.0, k=1.0)" in export_torch(
        archcalc.build_graph(text))
    cls, _ = exported(archcalc.build_graph(text))
    a = torch.arange(1.0, 7.0).view(1, 6, 1, 1)
    got = cls()(a).flatten().tolist()
    values = a.flatten().tolist()
    for c, v in enumerate(values):
        window = values[max(c - 2, 0):c + 2]
        assert got[c] == pytest.approx(v / (1 + 0.5 * sum(u * u for u in window)))


def test_average_pooling_counts_padding_but_not_the_ceil_overhang(exported) -> None:  # type: ignore[no-untyped-def]
    cls, _ = exported(archcalc.build_graph("input 6x6x1\nAVGPOOL(3, s=2, p=1, ceil=true)"))
    out = cls()(torch.ones(1, 1, 6, 6))[0, 0]
    # rows: window 0 is pad + 2 input rows, 1 and 2 are 3 input rows, 3 is 1 input row + pad +
    # overhang; the divisor counts input and padding: 3, 3, 3, 2 per axis
    expected = [[(r * c) / (dr * dc) for c, dc in ((2, 3), (3, 3), (3, 3), (1, 2))]
                for r, dr in ((2, 3), (3, 3), (3, 3), (1, 2))]
    assert [v for row in out.tolist() for v in row] == pytest.approx(
        [v for row in expected for v in row])


# ---- the command ------------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(export)
    app.callback()(lambda: None)  # keep `export` a subcommand, as in archcalc's app
    return app


def test_export_resnet50_writes_a_file_whose_torch_counts_equal_archcalcs(
        cli: typer.Typer, tmp_path: Path) -> None:
    target = tmp_path / "r50.py"
    result = CliRunner().invoke(cli, ["export", str(SPECS / "resnet50.arch"), "--to", "torch",
                                      "-o", str(target)])
    assert result.exit_code == 0, result.output
    namespace: dict[str, object] = {"__name__": "r50"}
    exec(compile(target.read_text(), str(target), "exec"), namespace)
    with torch.no_grad():  # it builds and runs (at 64×64, to be quick)
        out = namespace["ResNet50"]().eval()(torch.randn(2, 3, 64, 64))  # type: ignore[operator]
    assert tuple(out.shape) == (2, 1000)
    with torch.device("meta"):  # the counts at 224×224: shapes suffice
        model = namespace["ResNet50"]().eval()  # type: ignore[operator]
        with FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, *namespace["INPUT_SIZE"]))  # type: ignore[misc]
    analysis = archcalc.analyze(SPECS / "resnet50.arch")
    assert sum(p.numel() for p in model.parameters()) == analysis.totals.params == 25_557_032
    assert sum(b.numel() for n, b in model.named_buffers()
               if not n.endswith("num_batches_tracked")) == analysis.totals.buffers
    assert counter.get_total_flops() == 2 * analysis.totals.macs


def test_export_to_torch_prints_the_source_with_the_options(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["export", str(SPECS / "convnet_pattern.arch"), "--to",
                                      "torch", "-D", "N=1", "--input", "64x64x3"])
    assert result.exit_code == 0, result.output
    ast.parse(result.stdout)
    assert "INPUT_SIZE = (3, 64, 64)" in result.stdout


def test_export_errors_exit_2_without_a_traceback(cli: typer.Typer, tmp_path: Path,
                                                  hide_onnx: Callable[[], None]) -> None:
    bad = tmp_path / "bad.arch"
    bad.write_text("input 8x8x4\nCONV(4)\nGAP - GROUPNORM(4)\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(bad), "--to", "torch"])
    assert result.exit_code == 2 and "bad.arch:3:7" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(cli, ["export", str(SPECS / "lenet5.arch"), "--to", "onnx"])
    assert result.exit_code == 2 and "-o" in result.output
    result = runner.invoke(cli, ["export", str(SPECS / "lenet5.arch"), "--to", "torch", "-o",
                                 str(tmp_path / "missing" / "net.py")])
    assert result.exit_code == 2 and "cannot write" in result.output
    hide_onnx()
    result = runner.invoke(cli, ["export", str(SPECS / "lenet5.arch"), "--to", "onnx", "-o",
                                 str(tmp_path / "net.onnx")])
    assert result.exit_code == 2 and "archcalc[onnx]" in result.output
    assert "Traceback" not in result.output


def test_the_source_is_lint_clean(tmp_path: Path) -> None:
    """pycodestyle, pyflakes and isort's rules (ruff E, W, F, I): code a person would keep."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    texts = {name: archcalc.build_graph(SPECS / f"{name}.arch") for name in
             ("resnet50", "efficientnet_b0", "shufflenet_v2", "googlenet", "convnext_tiny",
              "alexnet")}
    texts |= {kind: archcalc.build_graph(network(kind).replace("GAP - GROUPNORM", "GROUPNORM"))
              for kind in graph_kinds()}
    for name, graph in texts.items():
        (tmp_path / f"{name}.py").write_text(export_torch(graph))
    result = subprocess.run([ruff, "check", "--no-cache", "--isolated", "--select", "E,W,F,I",
                             "--line-length", "100", str(tmp_path)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout
