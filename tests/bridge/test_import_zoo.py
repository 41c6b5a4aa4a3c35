"""The six torch reference models of tests/torch/zoo_models.py imported: each .arch analyzes to
torchvision's published parameter count, torch's measured MACs (FlopCounterMode), its BN
buffers and output; the hooks' recorded run gives the same text as fx's trace; and the text
reads as a person would write it (blocks with their channel counts, repeats). The models are
built on torch's meta device: torch gives every shape and count without computing (the slow
run builds them for real, on the CPU)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import archcalc  # noqa: E402
from archcalc.bridge.arch_writer import write_arch  # noqa: E402
from archcalc.bridge.ir import Net  # noqa: E402
from archcalc.bridge.torch_import import eval_mode, import_torch  # noqa: E402
from archcalc.bridge.torch_import_ops import Converter  # noqa: E402
from archcalc.bridge.torch_import_record import record  # noqa: E402
from archcalc.bridge.torch_import_values import input_val  # noqa: E402

# torchvision 0.28's weights meta, `num_params` of each builder's default weights
PUBLISHED = {"resnet50": 25_557_032, "mobilenet_v2": 3_504_872,
             "mobilenet_v3_large": 5_483_032, "efficientnet_b0": 5_288_548,
             "convnext_tiny": 28_589_128, "shufflenet_v2_x1_0": 2_278_604}


SIZE = (224, 224, 3)
TEXTS: dict[str, str] = {}


def imported(zoo_models, name: str, device: str = "meta"):  # type: ignore[no-untyped-def]
    """(model, .arch text) of a zoo model, imported once per device."""
    with torch.device(device):
        model = zoo_models.FACTORIES[name]()
    key = f"{name}@{device}"
    if key not in TEXTS:
        TEXTS[key] = import_torch(model, SIZE)
    return model, TEXTS[key]


def check(zoo_models, torch_figures, name: str, device: str) -> None:  # type: ignore[no-untyped-def]
    model, text = imported(zoo_models, name, device)
    measured = torch_figures(model, SIZE)
    analysis = archcalc.analyze(text)
    assert analysis.totals.params == PUBLISHED[name] == measured["params"]
    assert analysis.totals.macs == measured["macs"]
    assert analysis.totals.buffers == measured["buffers"]
    assert analysis.layers[-1].output == (1000,)


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_the_import_has_torchs_figures(zoo_models, torch_figures, name: str) -> None:  # type: ignore[no-untyped-def]
    check(zoo_models, torch_figures, name, "meta")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PUBLISHED))
def test_a_real_model_imports_with_torchs_figures(zoo_models, torch_figures, name: str) -> None:  # type: ignore[no-untyped-def]
    check(zoo_models, torch_figures, name, "cpu")
    assert imported(zoo_models, name, "cpu")[1] == imported(zoo_models, name)[1]


AGREEMENT = [pytest.param(n, marks=() if n in ("mobilenet_v3_large", "shufflenet_v2_x1_0")
                          else pytest.mark.slow) for n in PUBLISHED]


@pytest.mark.parametrize("name", AGREEMENT)
def test_the_recorded_run_agrees_with_the_trace(zoo_models, name: str) -> None:  # type: ignore[no-untyped-def]
    model, text = imported(zoo_models, name)
    start = input_val(SIZE)
    conv = Converter()
    with eval_mode(model), torch.no_grad():
        out = record(model, torch.zeros(start.shape, device="meta"), start, conv)
    net = Net(type(model).__name__, SIZE, tuple(conv.builder.ops), out.ir, "PyTorch")
    assert write_arch(net).text == text


def test_resnet50_reads_as_written_by_hand(zoo_models) -> None:  # type: ignore[no-untyped-def]
    _, text = imported(zoo_models, "resnet50")
    assert "defaults CONV(bias=false)" in text
    assert "block bottleneck(c) {" in text and "conv3: CONV(4*c, f=1)" in text
    assert "| downsample: (CONV(4*c, f=1, s=s) - BN)) - RELU" in text
    assert "layer1: (bottleneck_downsample(64, 1) - bottleneck(64)*2)" in text
    assert "layer3: (bottleneck_downsample(256, 2) - bottleneck(256)*5)" in text
    assert "avgpool: ADAPTIVEAVGPOOL(1)\nFLATTEN\nfc: FC(1000)" in text


def test_convnext_blocks_carry_their_stochastic_depth(zoo_models) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(imported(zoo_models, "convnext_tiny")[1].split())
    assert "block cnblock(c, drop) {" in text
    # torchvision: p = 0.1 · b / 17 for the b-th of 18 blocks
    assert "cnblock(96, 0) - cnblock(96, 1/170) - cnblock(96, 1/85)" in text
    assert "cnblock(768, 0.1)" in text
