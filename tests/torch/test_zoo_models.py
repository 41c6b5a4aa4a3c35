"""The torch reference models of tests/torch/zoo_models.py against torchvision's published figures.

Published (torchvision 0.28, each builder's weights ``meta``): ``num_params`` and ``_ops``, the
GFLOPS column of torchvision's model table, which counts multiply-adds of convs and linears
(GMACs). They are measured here as torchvision measures them: parameters summed over
``parameters()``, and ``torch.utils.flop_counter.FlopCounterMode`` on one 224×224 image, which
reports 2·MACs of the conv and matmul products (no bias, no element-wise work).

Besides the published figures, each model's exact MAC total, its stage output shapes and, per
stage, params and MACs are recorded. The shapes follow from the builders' hyperparameters by the
conv output formula (stride-2 3×3 with padding 1 on an even size halves it, a 4×4/4 stem
quarters it, ...). The per-stage params and MACs are derived by hand, layer by layer, in the
comments of the matching specs/*.arch file (resnet50_v1_5, mobilenet_v2, mobilenet_v3_large,
efficientnet_b0, convnext_tiny, shufflenet_v2); torch measures the same numbers here, and
their sums are the exact totals. Last, each spec's totals (params, MACs, BN running statistics)
are compared with its torch module's.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from pathlib import Path  # noqa: E402

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from zoo_models import FACTORIES, channel_shuffle, make_divisible  # noqa: E402

import archcalc  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"
SPEC_OF = {
    "resnet50": "resnet50_v1_5",
    "mobilenet_v2": "mobilenet_v2",
    "mobilenet_v3_large": "mobilenet_v3_large",
    "efficientnet_b0": "efficientnet_b0",
    "convnext_tiny": "convnext_tiny",
    "shufflenet_v2_x1_0": "shufflenet_v2",
}

# model: (num_params, GMACs as published, exact MACs)
PUBLISHED = {
    "resnet50": (25_557_032, "4.089", 4_089_184_256),
    "mobilenet_v2": (3_504_872, "0.301", 300_774_272),
    "mobilenet_v3_large": (5_483_032, "0.217", 216_589_760),
    "efficientnet_b0": (5_288_548, "0.386", 385_814_752),
    "convnext_tiny": (28_589_128, "4.456", 4_455_531_264),
    "shufflenet_v2_x1_0": (2_278_604, "0.145", 144_907_992),
}

# model: [(module name, output H×W×C or a vector's length, params, MACs)], covering the network:
# the params and MACs of the rows add up to the totals above.
STAGES: dict[str, list[tuple[str, tuple[int, ...], int, int]]] = {
    "resnet50": [
        ("conv1", (112, 112, 64), 9_408, 118_013_952),
        ("bn1", (112, 112, 64), 128, 0),
        ("maxpool", (56, 56, 64), 0, 0),
        ("layer1", (56, 56, 256), 215_808, 667_942_912),
        ("layer2", (28, 28, 512), 1_219_584, 1_027_604_480),
        ("layer3", (14, 14, 1024), 7_098_368, 1_464_336_384),
        ("layer4", (7, 7, 2048), 14_964_736, 809_238_528),
        ("avgpool", (1, 1, 2048), 0, 0),
        ("fc", (1000,), 2_049_000, 2_048_000),
    ],
    "mobilenet_v2": [
        ("features.0", (112, 112, 32), 928, 10_838_016),
        ("features.1", (112, 112, 16), 896, 10_035_200),
        ("features.3", (56, 56, 24), 5_136 + 8_832, 29_202_432 + 25_740_288),  # 2..3
        ("features.6", (28, 28, 32), 10_000 + 2 * 14_848, 15_466_752 + 2 * 10_988_544),
        ("features.10", (14, 14, 64), 21_056 + 3 * 54_272, 7_564_032 + 3 * 10_311_168),
        ("features.13", (14, 14, 96), 66_624 + 2 * 118_272, 12_719_616 + 2 * 22_692_096),
        ("features.16", (7, 7, 160), 155_264 + 2 * 320_000, 15_607_872 + 2 * 15_476_160),
        ("features.17", (7, 7, 320), 473_920, 23_002_560),
        ("features.18", (7, 7, 1280), 412_160, 20_070_400),
        ("classifier", (1000,), 1_281_000, 1_280_000),
    ],
    "mobilenet_v3_large": [
        ("features.0", (112, 112, 16), 464, 5_419_008),
        ("features.1", (112, 112, 16), 464, 5_017_600),
        ("features.3", (56, 56, 24), 3_440 + 4_440, 19_468_288 + 12_870_144),  # C1: 2..3
        ("features.6", (28, 28, 40), 10_328 + 2 * 20_992, 9_091_584 + 2 * 9_886_080),  # C2
        ("features.10", (14, 14, 80), 32_080 + 34_760 + 2 * 31_992,
         11_712_960 + 6_624_800 + 2 * 6_094_816),  # C3: 7..10
        ("features.12", (14, 14, 112), 214_424 + 386_120, 19_025_280 + 30_914_688),
        ("features.15", (7, 7, 160), 429_224 + 2 * 797_360,
         21_069_216 + 2 * 16_689_600),  # C4: 13..15
        ("features.16", (7, 7, 960), 155_520, 7_526_400),
        ("avgpool", (1, 1, 960), 0, 0),
        ("classifier", (1000,), 1_230_080 + 1_281_000, 1_228_800 + 1_280_000),
    ],
    "efficientnet_b0": [
        ("features.0", (112, 112, 32), 928, 10_838_016),
        ("features.1", (112, 112, 16), 1_448, 10_035_712),
        ("features.2", (56, 56, 24), 16_714, 54_945_216),
        ("features.3", (28, 28, 40), 46_640, 37_939_584),
        ("features.4", (14, 14, 80), 242_930, 43_555_200),
        ("features.5", (14, 14, 112), 543_148, 86_102_400),
        ("features.6", (7, 7, 192), 2_026_348, 91_528_224),
        ("features.7", (7, 7, 320), 717_232, 29_520_000),
        ("features.8", (7, 7, 1280), 412_160, 20_070_400),
        ("avgpool", (1, 1, 1280), 0, 0),
        ("classifier", (1000,), 1_281_000, 1_280_000),
    ],
    "convnext_tiny": [
        ("features.0", (56, 56, 96), 4_896, 14_450_688),
        ("features.1", (56, 56, 96), 237_888, 737_888_256),
        ("features.2", (28, 28, 192), 74_112, 57_802_752),
        ("features.3", (28, 28, 192), 918_144, 715_760_640),
        ("features.4", (14, 14, 384), 295_680, 57_802_752),
        ("features.5", (14, 14, 384), 10_817_280, 2_114_090_496),
        ("features.6", (7, 7, 768), 1_181_184, 57_802_752),
        ("features.7", (7, 7, 768), 14_289_408, 699_164_928),
        ("avgpool", (1, 1, 768), 0, 0),
        ("classifier", (1000,), 770_536, 768_000),
    ],
    "shufflenet_v2_x1_0": [
        ("conv1", (112, 112, 24), 696, 8_128_512),
        ("maxpool", (56, 56, 24), 0, 0),
        ("stage2", (28, 28, 116), 30_192, 25_724_608),
        ("stage3", (14, 14, 232), 244_180, 54_589_136),
        ("stage4", (7, 7, 464), 501_352, 32_160_072),
        ("conv5", (7, 7, 1024), 477_184, 23_281_664),
        ("fc", (1000,), 1_025_000, 1_024_000),
    ],
}

# Stages listed by their last module: the first module of each such span.
SPANS = {
    ("mobilenet_v2", "features.3"): "features.2",
    ("mobilenet_v2", "features.6"): "features.4",
    ("mobilenet_v2", "features.10"): "features.7",
    ("mobilenet_v2", "features.13"): "features.11",
    ("mobilenet_v2", "features.16"): "features.14",
    ("mobilenet_v3_large", "features.3"): "features.2",
    ("mobilenet_v3_large", "features.6"): "features.4",
    ("mobilenet_v3_large", "features.10"): "features.7",
    ("mobilenet_v3_large", "features.12"): "features.11",
    ("mobilenet_v3_large", "features.15"): "features.13",
}

# A few state_dict keys of torchvision's checkpoints: the module names match.
KEYS = {
    "resnet50": ["conv1.weight", "bn1.running_var", "layer1.0.downsample.0.weight",
                 "layer4.2.bn3.bias", "fc.bias"],
    "mobilenet_v2": ["features.0.0.weight", "features.1.conv.0.0.weight",
                     "features.1.conv.1.weight", "features.2.conv.0.0.weight",
                     "features.2.conv.2.weight", "features.18.1.bias", "classifier.1.weight"],
    "mobilenet_v3_large": ["features.0.0.weight", "features.4.block.2.fc1.weight",
                           "features.4.block.2.fc2.bias", "features.16.1.running_mean",
                           "classifier.0.weight", "classifier.3.bias"],
    "efficientnet_b0": ["features.0.0.weight", "features.1.0.block.1.fc1.weight",
                        "features.2.0.block.2.fc2.bias", "features.7.0.block.3.1.weight",
                        "features.8.0.weight", "classifier.1.weight"],
    "convnext_tiny": ["features.0.0.bias", "features.0.1.weight", "features.1.0.layer_scale",
                      "features.1.0.block.0.bias", "features.1.0.block.2.weight",
                      "features.1.0.block.3.weight", "features.1.0.block.5.bias",
                      "features.2.0.weight", "features.2.1.bias", "classifier.0.weight",
                      "classifier.2.weight"],
    "shufflenet_v2_x1_0": ["conv1.0.weight", "stage2.0.branch1.0.weight",
                           "stage2.0.branch1.2.weight", "stage2.1.branch2.6.running_var",
                           "conv5.1.bias", "fc.weight"],
}


def _measure(name: str):  # type: ignore[no-untyped-def]
    """The model in eval mode, per-module MAC counts and output shapes (H×W×C) of one image."""
    model = FACTORIES[name]().eval()
    shapes: dict[str, tuple[int, ...]] = {}
    hooks = [
        module.register_forward_hook(
            lambda _m, _i, out, key=key: shapes.__setitem__(key, tuple(out.shape[1:])))
        for key, module in model.named_modules() if key
    ]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = model(torch.zeros(1, 3, 224, 224))
    for hook in hooks:
        hook.remove()
    assert tuple(out.shape) == (1, 1000)
    root = type(model).__name__
    macs = {}
    for key, ops in counter.get_flop_counts().items():
        flops = sum(ops.values())
        assert flops % 2 == 0
        macs["" if key == root else key.removeprefix(root + ".")] = flops // 2
    macs["total"] = counter.get_total_flops() // 2
    return model, macs, shapes


@pytest.fixture(scope="module", params=list(FACTORIES))
def measured(request):  # type: ignore[no-untyped-def]
    return request.param, *_measure(request.param)


def test_published_params(measured) -> None:  # type: ignore[no-untyped-def]
    name, model, _, _ = measured
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[name][0]


def test_published_gmacs(measured) -> None:  # type: ignore[no-untyped-def]
    name, _, macs, _ = measured
    _, gmacs, exact = PUBLISHED[name]
    assert f"{macs['total'] / 1e9:.3f}" == gmacs
    assert macs["total"] == exact


def _hwc(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A C×H×W torch shape (no batch) as H×W×C; a vector stays a vector."""
    if len(shape) == 3:
        return (shape[1], shape[2], shape[0])
    return shape


def test_stages(measured) -> None:  # type: ignore[no-untyped-def]
    name, model, macs, shapes = measured
    modules = dict(model.named_modules())
    names = list(modules)
    params = macs_sum = 0
    for key, shape, stage_params, stage_macs in STAGES[name]:
        first = SPANS.get((name, key), key)
        span = names[names.index(first):names.index(key) + 1]
        tops = [k for k in span if k.count(".") == key.count(".")]
        assert _hwc(shapes[key]) == shape, key
        got_params = sum(p.numel() for k in tops for p in modules[k].parameters())
        got_macs = sum(macs.get(k, 0) for k in tops)
        assert (got_params, got_macs) == (stage_params, stage_macs), key
        params += stage_params
        macs_sum += stage_macs
    assert params == PUBLISHED[name][0]
    assert macs_sum == PUBLISHED[name][2]


def test_module_names(measured) -> None:  # type: ignore[no-untyped-def]
    name, model, _, _ = measured
    keys = model.state_dict().keys()
    missing = [k for k in KEYS[name] if k not in keys]
    assert not missing


def test_the_spec_describes_the_same_network(measured) -> None:  # type: ignore[no-untyped-def]
    """specs/<spec>.arch against the torch module: params, MACs, BN statistics, output size."""
    name, model, macs, _ = measured
    spec = archcalc.analyze(SPECS / f"{SPEC_OF[name]}.arch")
    bn = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    running = sum(m.running_mean.numel() + m.running_var.numel() for m in bn)
    assert spec.totals.params == sum(p.numel() for p in model.parameters())
    assert spec.totals.macs == macs["total"]
    assert spec.totals.buffers == running
    assert spec.layers[-1].output == (1000,)


def test_make_divisible() -> None:
    # MobileNetV3's squeeze sizes: exp/4 rounded to a multiple of 8 (72/4 = 18 → 24, 120/4 = 30
    # → 32, 480/4 = 120, 672/4 = 168, 960/4 = 240); the 10% rule: 10 → 8 is below 0.9·10 = 9,
    # so 16
    assert [make_divisible(c // 4) for c in (72, 120, 480, 672, 960)] == [24, 32, 120, 168, 240]
    assert make_divisible(10) == 16
    assert make_divisible(12) == 16
    assert make_divisible(3) == 8


def test_channel_shuffle() -> None:
    x = torch.arange(6.0).reshape(1, 6, 1, 1)
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]


def test_stochastic_depth_and_dropout_are_identities_at_inference() -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    for name in ("efficientnet_b0", "convnext_tiny"):
        model = FACTORIES[name]()
        model.eval()
        with torch.no_grad():
            assert torch.equal(model(x), model(x))
        model.train()
        with torch.no_grad():
            assert not torch.equal(model(x), model(x))
