"""Importing torch modules: a model defined here (ResNet-like, with squeeze-and-excitation, an
inception-like concatenation and a ShuffleNet unit) and one of nearly every mapped layer are
imported, and the analysis of the .arch text is compared with torch's own figures — params
(numel), BN buffers, MACs (FlopCounterMode) and every module's output shape (hooks). Also:
the structure written (blocks, repeats, merges, labels), both tracers agreeing, and the
refusals, each naming the op and the node."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

import archcalc  # noqa: E402
from archcalc.bridge.arch_writer import write_arch  # noqa: E402
from archcalc.bridge.torch_import import eval_mode, import_torch, torch_net  # noqa: E402
from archcalc.bridge.torch_import_ops import Converter  # noqa: E402
from archcalc.bridge.torch_import_record import record  # noqa: E402
from archcalc.bridge.torch_import_values import input_val  # noqa: E402
from archcalc.errors import ArchError  # noqa: E402


class SE(nn.Module):
    def __init__(self, c: int, s: int) -> None:
        super().__init__()
        self.pool, self.fc1, self.relu = nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, s, 1), nn.ReLU()
        self.fc2, self.gate = nn.Conv2d(s, c, 1), nn.Sigmoid()

    def forward(self, x):  # type: ignore[no-untyped-def]
        return x * self.gate(self.fc2(self.relu(self.fc1(self.pool(x)))))


class Block(nn.Module):
    def __init__(self, cin: int, c: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(c), nn.ReLU(inplace=True)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c)
        self.se = SE(c, c // 4)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != c:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False),
                                          nn.BatchNorm2d(c))

    def forward(self, x):  # type: ignore[no-untyped-def]
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.se(self.bn2(self.conv2(out))) + self.shortcut(x))


class Mixed(nn.Module):
    """Inception-like: three paths concatenated."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.b1 = nn.Conv2d(c, c // 2, 1)
        self.b2 = nn.Sequential(nn.Conv2d(c, c // 4, 1), nn.ReLU(),
                                nn.Conv2d(c // 4, c // 2, 3, padding=1))
        self.pool = nn.MaxPool2d(3, 1, 1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return torch.cat([self.b1(x), self.b2(x), self.pool(x)], dim=1)


class Shuffle(nn.Module):
    """A ShuffleNetV2 unit: channel split, a branch, concatenation, channel shuffle."""

    def __init__(self, c: int) -> None:
        super().__init__()
        h = c // 2
        self.branch = nn.Sequential(nn.Conv2d(h, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU(),
                                    nn.Conv2d(h, h, 3, padding=1, groups=h, bias=False),
                                    nn.BatchNorm2d(h))

    def forward(self, x):  # type: ignore[no-untyped-def]
        a, b = x.chunk(2, dim=1)
        out = torch.cat((a, self.branch(b)), dim=1)
        n, c, h, w = out.shape
        return out.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


class TinyNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.layer1 = nn.Sequential(Block(16, 16, 1), Block(16, 16, 1))
        self.layer2 = Block(16, 32, 2)
        self.mixed, self.shuffle, self.mix = Mixed(32), Shuffle(64), nn.ChannelShuffle(4)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.mix(self.shuffle(self.mixed(self.layer2(self.layer1(self.stem(x))))))
        return self.fc(x.mean((2, 3)))


def check_figures(model: nn.Module, shape: tuple[int, ...], torch_figures) -> str:  # type: ignore[no-untyped-def]
    """Import the model and compare the analysis with torch's own figures; the text."""
    measured = torch_figures(model, shape)
    net = torch_net(model, shape)
    written = write_arch(net)
    analysis = archcalc.analyze(written.text)
    assert analysis.totals.params == measured["params"]
    assert analysis.totals.buffers == measured["buffers"]
    assert analysis.totals.macs == measured["macs"]
    assert analysis.layers[-1].output == measured["output"]
    for report, index in zip(analysis.layers, written.order, strict=True):
        op = net.ops[index] if index is not None else None
        if op is not None and op.label is not None:  # a module's output, as its hook saw it
            seen = measured["shapes"][op.name]
            assert report.output in seen or report.output in measured["last"][op.name], (
                report.name, op.name)
    return written.text


def test_resnet_like_with_se_concat_and_shuffle(torch_figures) -> None:  # type: ignore[no-untyped-def]
    text = check_figures(TinyNet(), (32, 32, 3), torch_figures)
    assert "layer1: (block_*2)" in text  # the two identical blocks: one block, twice
    assert "MUL(IDENTITY" in text  # the SE gate, 1×1×C against H×W×C
    assert "RES(" in text and "| shortcut: (CONV(32, f=1, s=2) - BN)" in text
    assert "CONCAT(b1: CONV(16, f=1, bias=true)" in text
    assert "SPLIT(IDENTITY" in text and "CHANNELSHUFFLE(2)" in text
    assert "mix: CHANNELSHUFFLE(4)" in text and "GAP - FLATTEN" in text


class Many(nn.Module):
    """Nearly every mapped module and a few functions, in one chain."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding="same", dilation=2)
        self.gn, self.act = nn.GroupNorm(4, 16), nn.GELU(approximate="tanh")
        self.lrn = nn.LocalResponseNorm(3, alpha=1e-4, beta=0.75, k=2.0)
        self.pool = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, 2, 1, ceil_mode=True)
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))
        self.conv2 = nn.Conv2d(16, 16, 3, stride=2, groups=4, bias=False)
        self.inorm, self.leaky = nn.InstanceNorm2d(16, affine=True), nn.LeakyReLU(0.1)
        self.prelu, self.up = nn.PReLU(16), nn.Upsample(scale_factor=2, mode="nearest")
        self.deconv = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
        self.elu, self.silu, self.hs = nn.ELU(0.5), nn.SiLU(), nn.Hardswish()
        self.amax = nn.AdaptiveMaxPool2d((2, 3))
        self.fc, self.bn1d = nn.Linear(8 * 6, 10), nn.BatchNorm1d(10)
        self.drop, self.sm = nn.Dropout(0.3), nn.Softmax(dim=1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.avg(self.pool(self.lrn(self.act(self.gn(self.conv(x))))))
        x = self.prelu(self.leaky(self.inorm(self.conv2(self.pad(x)))))
        x = self.hs(self.silu(self.elu(self.deconv(self.up(x)))))
        x = torch.flatten(self.amax(nn.functional.relu6(x)), 1)
        return self.sm(self.drop(self.bn1d(self.fc(x))))


def test_every_mapped_layer(torch_figures) -> None:  # type: ignore[no-untyped-def]
    text = check_figures(Many(), (32, 32, 3), torch_figures)
    for written in ("CONV(16, p=same, d=2)", "GROUPNORM(4)", "GELU(tanh=true)",
                    "MAXPOOL(3, s=2, p=1, ceil=true)", "AVGPOOL(3, s=2, p=1, ceil=true)",
                    "ZEROPAD(top=0, bottom=1, left=0, right=1)", "inorm: GROUPNORM(16)",
                    "LEAKYRELU(0.1)", "PRELU", "UPSAMPLE", "DECONV(8, 3, s=2, p=1, out_p=1)",
                    "ELU(0.5)", "SILU", "HARDSWISH", "RELU6", "ADAPTIVEMAXPOOL(2x3)",
                    "bn1d: BN", "DROPOUT(0.3)", "SOFTMAX"):
        assert written in text, written
    # PyTorch's LRN divides α by n, archcalc's does not: 1e-4 / 3
    assert "LRN(n=3, alpha=1/30000)" in text


class ConvNeXtish(nn.Module):
    """Channels-last LayerNorm and Linears between permutes, layer scale, stochastic depth."""

    def __init__(self, d: int = 8) -> None:
        super().__init__()
        self.dw = nn.Conv2d(d, d, 7, padding=3, groups=d)
        self.norm, self.pw1 = nn.LayerNorm(d, eps=1e-6), nn.Linear(d, 4 * d)
        self.gelu, self.pw2 = nn.GELU(), nn.Linear(4 * d, d)
        self.gamma = nn.Parameter(torch.ones(d, 1, 1))

        class StochasticDepth(nn.Module):  # torchvision.ops', by its class name
            def __init__(self, p: float) -> None:
                super().__init__()
                self.p = p

            def forward(self, x):  # type: ignore[no-untyped-def]
                return x

        self.drop = StochasticDepth(0.25)

    def forward(self, x):  # type: ignore[no-untyped-def]
        y = self.norm(self.dw(x).permute(0, 2, 3, 1))
        y = self.pw2(self.gelu(self.pw1(y))).permute(0, 3, 1, 2)
        return self.drop(self.gamma * y) + x


def test_channels_last_layers_and_layer_scale(torch_figures) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(check_figures(ConvNeXtish(), (16, 16, 8), torch_figures).split())
    assert ("RES(dw: CONV(8, f=7, p=3, groups=8) - norm: LAYERNORM - pw1: CONV(32, f=1) - "
            "gelu: GELU - pw2: CONV(8, f=1) - SCALE - drop: DROPPATH(0.25))") in text


def test_zoo_convnext_layernorm2d_is_traced(zoo_models) -> None:  # type: ignore[no-untyped-def]
    """torchvision's LayerNorm2d (permute, layer_norm, permute) is a LAYERNORM."""
    model = zoo_models.LayerNorm2d(4)
    assert "LAYERNORM" in import_torch(model, (5, 5, 4))


def test_the_recorded_run_gives_the_same_text() -> None:
    """fx's trace and the hooks' recording are two tracers: they must agree."""
    model = TinyNet()
    start = input_val((32, 32, 3))
    conv = Converter()
    with eval_mode(model), torch.no_grad():
        out = record(model, torch.zeros(start.shape), start, conv)
    from archcalc.bridge.ir import Net

    net = Net("TinyNet", (32, 32, 3), tuple(conv.builder.ops), out.ir, "PyTorch")
    assert write_arch(net).text == import_torch(model, (32, 32, 3))


class Branchy(nn.Module):
    """Control flow on data: fx cannot trace it; the recorded run can."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.relu = nn.Conv2d(3, 4, 3), nn.ReLU()

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.conv(x)
        return self.relu(x) if x.sum() >= 0 else x


def test_data_dependent_control_flow_is_recorded(torch_figures) -> None:  # type: ignore[no-untyped-def]
    model = Branchy()
    with torch.no_grad():
        model.conv.bias.fill_(1.0)
        model.conv.weight.fill_(0.0)  # x.sum() > 0: the branch with the ReLU
    text = check_figures(model, (8, 8, 3), torch_figures)
    assert "relu: RELU" in text


def test_the_default_input_is_224_with_the_first_layers_channels() -> None:
    text = import_torch(nn.Sequential(nn.Conv2d(5, 4, 3), nn.ReLU()))
    assert "input 224x224x5" in text


def refusal(model: nn.Module, shape: tuple[int, ...]) -> str:
    with pytest.raises(ArchError) as info:
        import_torch(model, shape)
    return info.value.message


class AddOne(nn.Module):
    def forward(self, x):  # type: ignore[no-untyped-def]
        return x + 1


class Skip(nn.Module):
    """a = f(x); y = (x + g(a)) + a: the second sum reads `a` from inside the first fork."""

    def __init__(self) -> None:
        super().__init__()
        self.f, self.g = nn.Conv2d(2, 2, 1), nn.Conv2d(2, 2, 1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        a = self.f(x)
        return (x + self.g(a)) + a


class TwoOutputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        y = self.conv(x)
        return y, x


class Unused(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv, self.aux = nn.Conv2d(2, 2, 1), nn.Conv2d(2, 2, 1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        self.aux(x)
        return self.conv(x)


def test_refusals_name_the_op_and_the_node() -> None:
    message = refusal(nn.Sequential(nn.Conv2d(2, 2, 1), nn.Unfold(2)), (4, 4, 2))
    assert "no archcalc kind for nn.Unfold" in message and "'1'" in message
    message = refusal(AddOne(), (4, 4, 2))
    assert "adding a constant" in message and "node 'add'" in message
    message = refusal(nn.Sequential(nn.PReLU()), (4, 4, 2))
    assert "one per channel" in message and "nn.PReLU" in message
    message = refusal(nn.Sequential(nn.Conv2d(2, 2, 1), nn.Linear(4, 4)), (4, 4, 2))
    assert "last axis (W)" in message and "'1'" in message


def test_inexpressible_graphs_are_refused() -> None:
    assert "not series-parallel" in refusal(Skip(), (4, 4, 2))
    assert "several tensors" in refusal(TwoOutputs(), (4, 4, 2))
    message = refusal(Unused(), (4, 4, 2))
    assert "never used" in message and "'aux'" in message


def test_a_failing_forward_is_an_error_not_a_traceback() -> None:
    message = refusal(nn.Sequential(nn.Conv2d(3, 4, 3)), (3, 32, 32))  # channels first
    assert "failed" in message and "expected input" in message
