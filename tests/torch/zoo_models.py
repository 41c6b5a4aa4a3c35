"""Plain torch.nn reproductions of six torchvision classification builders (no torchvision import).

Each factory takes no arguments and returns the network torchvision's builder of the same name
returns with its default arguments (torchvision 0.28: ``resnet50()``, ``mobilenet_v2()``,
``mobilenet_v3_large()``, ``efficientnet_b0()``, ``convnext_tiny()``, ``shufflenet_v2_x1_0()``).
Module structure, attribute names (so ``state_dict()`` keys match torchvision's and its weights
load), hyperparameters, biases, norm layers and their eps, squeeze sizes, layer scale, stochastic
depth and dropout follow torchvision's source (``torchvision/models/*.py``, ``torchvision/ops/
misc.py``, ``torchvision/ops/stochastic_depth.py``), read for facts and written anew here.
Weight initialisation is torch's default: the figures compared (shapes, parameter counts,
multiply-adds) do not depend on it.

The `.arch` specs in ``specs/`` (``resnet50_v1_5.arch`` …) describe the same networks; the
tests in ``test_zoo_models.py`` check these modules against torchvision's published figures.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = [
    "FACTORIES",
    "convnext_tiny",
    "efficientnet_b0",
    "make_divisible",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "resnet50",
    "shufflenet_v2_x1_0",
]


# ---------------------------------------------------------------------------------------------
# shared pieces


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """The TF-slim channel rounding torchvision uses (``_utils._make_divisible``).

    The nearest multiple of ``divisor`` (halves up), at least ``min_value`` (default: the divisor),
    and not more than 10% below ``v``.
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvNormActivation(nn.Sequential):
    """``torchvision.ops.Conv2dNormActivation``: conv (0), norm (1), activation (2).

    Padding ``(k − 1)//2 · dilation``; the conv has a bias only when there is no norm layer.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int | None = None,
        groups: int = 1,
        norm_layer: Callable[[int], nn.Module] | None = nn.BatchNorm2d,
        activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
        dilation: int = 1,
        bias: bool | None = None,
    ) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                      dilation=dilation, groups=groups, bias=bias)
        ]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(inplace=True))
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """``torchvision.ops.SqueezeExcitation``: x · σ(fc2(act(fc1(avgpool(x))))).

    fc1 and fc2 are 1×1 convs with biases; σ is ``scale_activation`` (Sigmoid by default,
    Hardsigmoid in MobileNetV3).
    """

    def __init__(
        self,
        input_channels: int,
        squeeze_channels: int,
        activation: Callable[..., nn.Module] = nn.ReLU,
        scale_activation: Callable[..., nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x: Tensor) -> Tensor:
        scale = self.avgpool(x)
        scale = self.activation(self.fc1(scale))
        scale = self.scale_activation(self.fc2(scale))
        return scale * x


class StochasticDepth(nn.Module):
    """``torchvision.ops.StochasticDepth``: drops whole residual branches while training.

    ``mode="row"`` draws one keep/drop per sample, ``"batch"`` one for the batch; the kept ones
    are scaled by 1/(1 − p). The identity at inference (``eval()``) and when p = 0.
    """

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
        if mode not in ("row", "batch"):
            raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
        self.p = p
        self.mode = mode

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"


class Permute(nn.Module):
    """``torchvision.ops.Permute``: ``x.permute(dims)``."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: Tensor) -> Tensor:
        return torch.permute(x, self.dims)


class LayerNorm2d(nn.LayerNorm):
    """ConvNeXt's LayerNorm over the channels of each position of an N×C×H×W tensor."""

    def forward(self, x: Tensor) -> Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


# ---------------------------------------------------------------------------------------------
# ResNet-50 (torchvision's v1.5: the stride of a stage's first bottleneck is on its 3×3)


class Bottleneck(nn.Module):
    """1×1 (width) − 3×3 (width, stride) − 1×1 (4·width), BN after each, ReLU after the add."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        width = planes
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, layers: list[int], num_classes: int = 1000) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * Bottleneck.expansion, 1, stride=stride,
                          bias=False),
                nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def resnet50() -> ResNet:
    """torchvision ``resnet50()``: Bottleneck × [3, 4, 6, 3]."""
    return ResNet([3, 4, 6, 3])


# ---------------------------------------------------------------------------------------------
# MobileNetV2


class InvertedResidualV2(nn.Module):
    """MobileNetV2's block: [1×1 expand − BN − ReLU6] − 3×3 depthwise − BN − ReLU6 − 1×1 − BN."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        self.stride = stride
        hidden_dim = round(inp * expand_ratio)
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvNormActivation(inp, hidden_dim, kernel_size=1,
                                             activation_layer=nn.ReLU6))
        layers += [
            ConvNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                               activation_layer=nn.ReLU6),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        ]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    # t (expansion), c (output channels), n (blocks), s (stride of the first)
    SETTING = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
               (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        input_channel = make_divisible(32)
        self.last_channel = make_divisible(1280)
        features: list[nn.Module] = [
            ConvNormActivation(3, input_channel, stride=2, activation_layer=nn.ReLU6)
        ]
        for t, c, n, s in self.SETTING:
            output_channel = make_divisible(c)
            for i in range(n):
                features.append(InvertedResidualV2(input_channel, output_channel,
                                                   s if i == 0 else 1, expand_ratio=t))
                input_channel = output_channel
        features.append(ConvNormActivation(input_channel, self.last_channel, kernel_size=1,
                                           activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1)
        return self.classifier(x)


def mobilenet_v2() -> MobileNetV2:
    """torchvision ``mobilenet_v2()``: width 1.0, dropout 0.2."""
    return MobileNetV2()


# ---------------------------------------------------------------------------------------------
# MobileNetV3-Large


class InvertedResidualConfig:
    """One row of the MobileNetV3 table (torchvision's ``InvertedResidualConfig``, width 1.0)."""

    def __init__(self, input_channels: int, kernel: int, expanded_channels: int,
                 out_channels: int, use_se: bool, activation: str, stride: int,
                 dilation: int = 1) -> None:
        self.input_channels = make_divisible(input_channels)
        self.kernel = kernel
        self.expanded_channels = make_divisible(expanded_channels)
        self.out_channels = make_divisible(out_channels)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation


class InvertedResidualV3(nn.Module):
    """[1×1 expand] − k×k depthwise − [SE (squeeze make_divisible(exp/4), Hardsigmoid)] − 1×1."""

    def __init__(self, cnf: InvertedResidualConfig, norm_layer: Callable[[int], nn.Module]) -> None:
        super().__init__()
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        activation_layer = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers: list[nn.Module] = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(ConvNormActivation(cnf.input_channels, cnf.expanded_channels,
                                             kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=activation_layer))
        stride = 1 if cnf.dilation > 1 else cnf.stride
        layers.append(ConvNormActivation(cnf.expanded_channels, cnf.expanded_channels,
                                         kernel_size=cnf.kernel, stride=stride,
                                         dilation=cnf.dilation, groups=cnf.expanded_channels,
                                         norm_layer=norm_layer,
                                         activation_layer=activation_layer))
        if cnf.use_se:
            squeeze_channels = make_divisible(cnf.expanded_channels // 4, 8)
            layers.append(SqueezeExcitation(cnf.expanded_channels, squeeze_channels,
                                            scale_activation=nn.Hardsigmoid))
        layers.append(ConvNormActivation(cnf.expanded_channels, cnf.out_channels, kernel_size=1,
                                         norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, x: Tensor) -> Tensor:
        result = self.block(x)
        return result + x if self.use_res_connect else result


class MobileNetV3(nn.Module):
    def __init__(self, setting: list[InvertedResidualConfig], last_channel: int,
                 num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        layers: list[nn.Module] = [
            ConvNormActivation(3, setting[0].input_channels, kernel_size=3, stride=2,
                               norm_layer=norm_layer, activation_layer=nn.Hardswish)
        ]
        layers += [InvertedResidualV3(cnf, norm_layer) for cnf in setting]
        lastconv_input_channels = setting[-1].out_channels
        lastconv_output_channels = 6 * lastconv_input_channels
        layers.append(ConvNormActivation(lastconv_input_channels, lastconv_output_channels,
                                         kernel_size=1, norm_layer=norm_layer,
                                         activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(lastconv_output_channels, last_channel),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(last_channel, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


def mobilenet_v3_large() -> MobileNetV3:
    """torchvision ``mobilenet_v3_large()``: the 15 bneck rows of the paper's Table 1."""
    c = InvertedResidualConfig
    setting = [
        # in, k, exp, out, SE, act, s
        c(16, 3, 16, 16, False, "RE", 1),
        c(16, 3, 64, 24, False, "RE", 2),     # C1
        c(24, 3, 72, 24, False, "RE", 1),
        c(24, 5, 72, 40, True, "RE", 2),      # C2
        c(40, 5, 120, 40, True, "RE", 1),
        c(40, 5, 120, 40, True, "RE", 1),
        c(40, 3, 240, 80, False, "HS", 2),    # C3
        c(80, 3, 200, 80, False, "HS", 1),
        c(80, 3, 184, 80, False, "HS", 1),
        c(80, 3, 184, 80, False, "HS", 1),
        c(80, 3, 480, 112, True, "HS", 1),
        c(112, 3, 672, 112, True, "HS", 1),
        c(112, 5, 672, 160, True, "HS", 2),   # C4
        c(160, 5, 960, 160, True, "HS", 1),
        c(160, 5, 960, 160, True, "HS", 1),
    ]
    return MobileNetV3(setting, last_channel=make_divisible(1280))  # C5


# ---------------------------------------------------------------------------------------------
# EfficientNet-B0


class MBConvConfig:
    """One stage of EfficientNet's Table 1 (width and depth multipliers 1.0)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int,
                 out_channels: int, num_layers: int) -> None:
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = make_divisible(input_channels)
        self.out_channels = make_divisible(out_channels)
        self.num_layers = num_layers


class MBConv(nn.Module):
    """[1×1 expand − BN − SiLU] − k×k depthwise − BN − SiLU − SE(max(1, in/4), SiLU, Sigmoid) −
    1×1 project − BN; residual with stochastic depth when the shape is kept."""

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float,
                 norm_layer: Callable[[int], nn.Module]) -> None:
        super().__init__()
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers: list[nn.Module] = []
        expanded_channels = make_divisible(cnf.input_channels * cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(ConvNormActivation(cnf.input_channels, expanded_channels, kernel_size=1,
                                             norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(ConvNormActivation(expanded_channels, expanded_channels,
                                         kernel_size=cnf.kernel, stride=cnf.stride,
                                         groups=expanded_channels, norm_layer=norm_layer,
                                         activation_layer=nn.SiLU))
        squeeze_channels = max(1, cnf.input_channels // 4)
        layers.append(SqueezeExcitation(expanded_channels, squeeze_channels,
                                        activation=partial(nn.SiLU, inplace=True)))
        layers.append(ConvNormActivation(expanded_channels, cnf.out_channels, kernel_size=1,
                                         norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, x: Tensor) -> Tensor:
        result = self.block(x)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + x
        return result


class EfficientNet(nn.Module):
    def __init__(self, setting: list[MBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000) -> None:
        super().__init__()
        norm_layer = nn.BatchNorm2d
        layers: list[nn.Module] = [
            ConvNormActivation(3, setting[0].input_channels, kernel_size=3, stride=2,
                               norm_layer=norm_layer, activation_layer=nn.SiLU)
        ]
        total_stage_blocks = sum(cnf.num_layers for cnf in setting)
        stage_block_id = 0
        for cnf in setting:
            stage: list[nn.Module] = []
            for i in range(cnf.num_layers):
                block_cnf = MBConvConfig(cnf.expand_ratio, cnf.kernel,
                                         cnf.stride if i == 0 else 1,
                                         cnf.input_channels if i == 0 else cnf.out_channels,
                                         cnf.out_channels, cnf.num_layers)
                # the probability grows linearly with the block's index: 0, 0.2/16, …, 0.2·15/16
                sd_prob = stochastic_depth_prob * float(stage_block_id) / total_stage_blocks
                stage.append(MBConv(block_cnf, sd_prob, norm_layer))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
        lastconv_input_channels = setting[-1].out_channels
        lastconv_output_channels = 4 * lastconv_input_channels
        layers.append(ConvNormActivation(lastconv_input_channels, lastconv_output_channels,
                                         kernel_size=1, norm_layer=norm_layer,
                                         activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(lastconv_output_channels, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


def efficientnet_b0() -> EfficientNet:
    """torchvision ``efficientnet_b0()``: Table 1 of Tan & Le 2019, dropout 0.2, SD 0.2."""
    c = MBConvConfig
    setting = [
        # expand, k, s, in, out, n
        c(1, 3, 1, 32, 16, 1),
        c(6, 3, 2, 16, 24, 2),
        c(6, 5, 2, 24, 40, 2),
        c(6, 3, 2, 40, 80, 3),
        c(6, 5, 1, 80, 112, 3),
        c(6, 5, 2, 112, 192, 4),
        c(6, 3, 1, 192, 320, 1),
    ]
    return EfficientNet(setting, dropout=0.2)


# ---------------------------------------------------------------------------------------------
# ConvNeXt-T


class CNBlock(nn.Module):
    """7×7 depthwise (bias) − LayerNorm − Linear 4·dim − GELU − Linear dim, times the layer
    scale γ (dim, init 1e-6), stochastic depth, + input. The Linears act channels-last."""

    def __init__(self, dim: int, layer_scale: float, stochastic_depth_prob: float) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            nn.LayerNorm(dim, eps=1e-6),
            nn.Linear(dim, 4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(4 * dim, dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, x: Tensor) -> Tensor:
        result = self.layer_scale * self.block(x)
        return self.stochastic_depth(result) + x


class ConvNeXt(nn.Module):
    def __init__(self, block_setting: list[tuple[int, int | None, int]],
                 stochastic_depth_prob: float = 0.0, layer_scale: float = 1e-6,
                 num_classes: int = 1000) -> None:
        super().__init__()
        norm_layer = partial(LayerNorm2d, eps=1e-6)
        first = block_setting[0][0]
        layers: list[nn.Module] = [
            ConvNormActivation(3, first, kernel_size=4, stride=4, padding=0,
                               norm_layer=norm_layer, activation_layer=None, bias=True)
        ]
        total_stage_blocks = sum(n for _, _, n in block_setting)
        stage_block_id = 0
        for input_channels, out_channels, num_layers in block_setting:
            stage: list[nn.Module] = []
            for _ in range(num_layers):
                sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
                stage.append(CNBlock(input_channels, layer_scale, sd_prob))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
            if out_channels is not None:  # downsampling: LayerNorm2d − 2×2/2 conv (bias)
                layers.append(nn.Sequential(
                    norm_layer(input_channels),
                    nn.Conv2d(input_channels, out_channels, kernel_size=2, stride=2),
                ))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        last_in, last_out, _ = block_setting[-1]
        last = last_out if last_out is not None else last_in
        self.classifier = nn.Sequential(norm_layer(last), nn.Flatten(1),
                                        nn.Linear(last, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)))


def convnext_tiny() -> ConvNeXt:
    """torchvision ``convnext_tiny()``: dims 96-192-384-768, depths 3-3-9-3, SD 0.1."""
    return ConvNeXt([(96, 192, 3), (192, 384, 3), (384, 768, 9), (768, None, 3)],
                    stochastic_depth_prob=0.1)


# ---------------------------------------------------------------------------------------------
# ShuffleNetV2 1.0×


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """N×(g·c)×H×W → view N×g×c×H×W, swap g and c, flatten: channel i·c + j goes to j·g + i."""
    batchsize, num_channels, height, width = x.size()
    x = x.view(batchsize, groups, num_channels // groups, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, -1, height, width)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2's unit (torchvision's ``InvertedResidual``).

    Stride 1: split the channels in halves, keep the first, run the second through
    1×1 − BN − ReLU − 3×3 dw − BN − 1×1 − BN − ReLU, concatenate, shuffle (2 groups).
    Stride 2: branch1 = 3×3 dw/2 − BN − 1×1 − BN − ReLU on the whole input, branch2 as above
    (3×3 dw/2) on the whole input, concatenate, shuffle.
    """

    def __init__(self, inp: int, oup: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        branch_features = oup // 2
        if stride == 1 and inp != branch_features << 1:
            raise ValueError("a stride-1 unit keeps its channels")
        if stride > 1:
            self.branch1 = nn.Sequential(
                self.depthwise_conv(inp, inp, kernel_size=3, stride=stride, padding=1),
                nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch_features, 1, 1, 0, bias=False),
                nn.BatchNorm2d(branch_features),
                nn.ReLU(inplace=True),
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else branch_features, branch_features, 1, 1, 0,
                      bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
            self.depthwise_conv(branch_features, branch_features, kernel_size=3, stride=stride,
                                padding=1),
            nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, 1, 1, 0, bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
        )

    @staticmethod
    def depthwise_conv(i: int, o: int, kernel_size: int, stride: int = 1,
                       padding: int = 0) -> nn.Conv2d:
        return nn.Conv2d(i, o, kernel_size, stride, padding, bias=False, groups=i)

    def forward(self, x: Tensor) -> Tensor:
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    def __init__(self, stages_repeats: list[int], stages_out_channels: list[int],
                 num_classes: int = 1000) -> None:
        super().__init__()
        input_channels = 3
        output_channels = stages_out_channels[0]
        self.conv1 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        input_channels = output_channels
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.stage2: nn.Sequential
        self.stage3: nn.Sequential
        self.stage4: nn.Sequential
        for name, repeats, output_channels in zip(("stage2", "stage3", "stage4"), stages_repeats,
                                                  stages_out_channels[1:], strict=False):
            seq = [ShuffleUnit(input_channels, output_channels, 2)]
            seq += [ShuffleUnit(output_channels, output_channels, 1) for _ in range(repeats - 1)]
            setattr(self, name, nn.Sequential(*seq))
            input_channels = output_channels
        output_channels = stages_out_channels[-1]
        self.conv5 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(output_channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.conv1(x))
        x = self.stage4(self.stage3(self.stage2(x)))
        x = self.conv5(x).mean([2, 3])  # global average pool
        return self.fc(x)


def shufflenet_v2_x1_0() -> ShuffleNetV2:
    """torchvision ``shufflenet_v2_x1_0()``: repeats 4-8-4, channels 24-116-232-464-1024."""
    return ShuffleNetV2([4, 8, 4], [24, 116, 232, 464, 1024])


FACTORIES: dict[str, Callable[[], nn.Module]] = {
    "resnet50": resnet50,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_v3_large": mobilenet_v3_large,
    "efficientnet_b0": efficientnet_b0,
    "convnext_tiny": convnext_tiny,
    "shufflenet_v2_x1_0": shufflenet_v2_x1_0,
}
