"""archcalc.torch.assert_matches: a real model pinned to its .arch file. The six zoo models
match their specs (at a small input: the same layers, fast); a drifted layer, a missing one
and the wrong stride all fail with a readable per-layer diff naming both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from archcalc.torch import assert_matches  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"
SPEC_OF = {"resnet50": "resnet50_v1_5", "mobilenet_v2": "mobilenet_v2",
           "mobilenet_v3_large": "mobilenet_v3_large", "efficientnet_b0": "efficientnet_b0",
           "convnext_tiny": "convnext_tiny", "shufflenet_v2_x1_0": "shufflenet_v2"}


@pytest.mark.parametrize("name", list(SPEC_OF))
def test_the_zoo_models_match_their_specs(zoo_models, name: str) -> None:  # type: ignore[no-untyped-def]
    with torch.device("meta"):  # shapes and counts only: nothing is computed
        model = zoo_models.FACTORIES[name]()
    assert_matches(model, SPECS / f"{SPEC_OF[name]}.arch", input_shape=(96, 96, 3))


def failure(model: nn.Module, arch: str | Path, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(AssertionError) as info:
        assert_matches(model, arch, **kwargs)
    return str(info.value)


def test_a_drifted_layer_is_named_with_both_figures(zoo_models) -> None:  # type: ignore[no-untyped-def]
    with torch.device("meta"):
        model = zoo_models.resnet50()
        model.layer2[1].conv2 = nn.Conv2d(128, 128, 3, padding=1, bias=True)  # a bias added
    message = failure(model, SPECS / "resnet50_v1_5.arch", input_shape=(96, 96, 3))
    assert "total params: .arch 25,557,032, torch 25,557,160" in message
    assert "1 layer differs" in message
    assert ".arch  layer2.bottleneck1.conv2 CONV 12×12×128 147,456 params" in message
    assert "torch  layer2.1.conv2 CONV 12×12×128 147,584 params" in message


def test_the_stride_in_the_wrong_conv_shows_as_shapes(zoo_models) -> None:  # type: ignore[no-untyped-def]
    """ResNet-50 v1 (the paper's: stride on the first 1×1) against torchvision's v1.5."""
    with torch.device("meta"):
        model = zoo_models.resnet50()
    message = failure(model, SPECS / "resnet50.arch", input_shape=(96, 96, 3))
    assert "conv3_x.bottleneck_down1.conv1 CONV 12×12×128 32,768 params" in message
    assert "torch  layer2.0.conv1 CONV 24×24×128 32,768 params" in message
    assert "(the first 5)" in message


NET = """input 16x16x3
conv1: CONV(8, f=3, p=1)
RELU
pool: MAXPOOL(2)
fc: FC(10)
"""


def small() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 8 * 8, 10))


def test_the_input_size_comes_from_the_arch_file(tmp_path: Path) -> None:
    path = tmp_path / "net.arch"
    path.write_text(NET, encoding="utf-8")
    assert_matches(small(), path)  # 16×16×3, as the file says; FLATTEN is not compared
    assert_matches(small(), NET)  # the text itself


def test_a_missing_layer_is_one_row(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 1),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 8 * 8, 10))
    message = failure(model, NET)
    assert "1 layer differs" in message
    assert ".arch  (no such layer)" in message and "torch  2 CONV 16×16×8 72 params" in message
