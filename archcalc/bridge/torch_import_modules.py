"""torch.nn modules as archcalc kinds: each module type one small rule returning the kinds
and arguments it is (usually one), or an error saying why it has no .arch form. Conventions
that differ are converted, never approximated: PyTorch's LocalResponseNorm divides α by n
(archcalc's LRN does not: α/n is written), InstanceNorm2d is GROUPNORM with one group per
channel, a Linear on channels-last data is a 1×1 CONV (the same params and MACs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archcalc.bridge.ir import exact, node_error
from archcalc.bridge.torch_import_values import Event, Val, origin
from archcalc.errors import ArchError
from archcalc.values import Pair, Word

Spec = tuple[str, dict[str, Any]]


def pair(value: Any) -> Pair[int]:
    return Pair(int(value[0]), int(value[1])) if isinstance(value, tuple | list) else Pair.of(
        int(value))


def module_specs(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    """The kinds a module call is, in order."""
    import torch

    foreign = FOREIGN.get(type(m).__name__)
    if foreign is not None:
        return foreign(m, x, y, ev)
    for cls, rule in _rules(torch.nn):
        if isinstance(m, cls):
            return rule(m, x, y, ev)
    raise refuse(ev, f"no archcalc kind for {origin(ev)}",
                 "see docs/bridge.md (Import) for the modules archcalc imports")


def refuse(ev: Event, message: str, hint: str = "") -> ArchError:
    return node_error(ev.name, origin(ev), message, hint)


def spatial(x: Val, ev: Event) -> None:
    if x.layout != "nchw":
        what = "channels-last" if x.layout == "nhwc" else "a vector"
        raise refuse(ev, f"{origin(ev)} on {what} data has no archcalc kind",
                     "spatial layers read N×C×H×W tensors")


def _conv(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    spatial(x, ev)
    if m.padding_mode != "zeros":
        raise refuse(ev, f"padding_mode={m.padding_mode!r}: archcalc pads with zeros")
    p = Word(m.padding) if isinstance(m.padding, str) else pair(m.padding)
    return [("conv", {"k": m.out_channels, "f": pair(m.kernel_size), "s": pair(m.stride),
                      "p": p, "d": pair(m.dilation), "groups": m.groups,
                      "bias": m.bias is not None})]


def _deconv(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    spatial(x, ev)
    if m.groups != 1:
        raise refuse(ev, f"ConvTranspose2d(groups={m.groups}): archcalc's DECONV has no groups")
    return [("deconv", {"k": m.out_channels, "f": pair(m.kernel_size), "s": pair(m.stride),
                        "p": pair(m.padding), "out_p": pair(m.output_padding),
                        "d": pair(m.dilation), "bias": m.bias is not None})]


def _linear(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    bias = m.bias is not None
    if x.layout == "vec":
        return [("fc", {"n": m.out_features, "bias": bias})]
    if x.layout == "nhwc":  # per position over channels: a 1×1 convolution
        return [("conv", {"k": m.out_features, "f": Pair.of(1), "bias": bias})]
    raise refuse(ev, "a Linear on an N×C×H×W tensor acts on its last axis (W)",
                 "flatten it first, or permute to channels-last (N×H×W×C)")


def _bn(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    if not (m.affine and m.track_running_stats):
        raise refuse(ev, "archcalc's BN learns γ, β and keeps running statistics",
                     "affine=True and track_running_stats=True")
    if x.layout == "nhwc":
        raise refuse(ev, "a BatchNorm on channels-last data normalizes W")
    return [("bn", {})]


def _layernorm(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    return [layernorm_spec(tuple(m.normalized_shape), m.weight is not None,
                           getattr(m, "bias", None) is not None, x, ev)]


def layernorm_spec(shape: tuple[int, ...], weight: bool, bias: bool, x: Val,
                   ev: Event) -> Spec:
    """LayerNorm over the channels of each position (channels-last, or a vector)."""
    c = x.shape[x.channel_dim]
    if x.layout == "nchw" or shape != (c,):
        raise refuse(ev, f"a LayerNorm over {list(shape)} of a {list(x.shape)} tensor: "
                         "archcalc's LAYERNORM normalizes the channels of each position",
                     "permute to channels-last first (ConvNeXt's LayerNorm2d)")
    if weight != bias:
        raise refuse(ev, "a LayerNorm with γ but no β: archcalc's learns both or neither")
    return ("layernorm", {"affine": weight})


def _groupnorm(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    if x.layout == "nhwc":
        spatial(x, ev)
    return [("groupnorm", {"g": m.num_groups, "affine": m.affine})]


def _instancenorm(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    spatial(x, ev)
    if m.track_running_stats:
        raise refuse(ev, "InstanceNorm2d(track_running_stats=True) keeps statistics that "
                         "archcalc's GROUPNORM does not")
    return [("groupnorm", {"g": x.shape[1], "affine": m.affine})]


def _lrn(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    # torch: b = a / (k + α/n · Σa²)^β; archcalc's LRN does not divide α by n
    return [("lrn", {"n": m.size, "k": exact(m.k), "alpha": exact(m.alpha) / m.size,
                     "beta": exact(m.beta)})]


def _prelu(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    c = x.shape[x.channel_dim]
    if m.num_parameters != c:
        raise refuse(ev, f"PReLU with {m.num_parameters} slope(s): archcalc's PRELU learns one "
                         f"per channel", f"nn.PReLU(num_parameters={c})")
    return [("prelu", {})]


def _hardtanh(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    if (m.min_val, m.max_val) != (0.0, 6.0):
        raise refuse(ev, f"Hardtanh({m.min_val}, {m.max_val}): only (0, 6), RELU6, has a kind")
    return [("relu6", {})]


def _softmax(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    dim = getattr(m, "dim", 1)
    return [softmax_spec(1 if dim is None else dim, x, ev)]


def softmax_spec(dim: int, x: Val, ev: Event) -> Spec:
    if dim % len(x.shape) != x.channel_dim:
        raise refuse(ev, f"softmax over axis {dim}: archcalc's SOFTMAX normalizes the channels")
    return ("softmax", {})


def _maxpool(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    spatial(x, ev)
    if pair(m.dilation) != Pair.of(1) or m.return_indices:
        raise refuse(ev, "a dilated max pool, or one returning indices, has no archcalc kind")
    stride = m.stride if m.stride else m.kernel_size
    return [("maxpool", {"f": pair(m.kernel_size), "s": pair(stride), "p": pair(m.padding),
                         "ceil": bool(m.ceil_mode)})]


def _avgpool(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    return [avgpool_spec(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                         m.count_include_pad, m.divisor_override, x, ev)]


def avgpool_spec(f: Any, s: Any, p: Any, ceil: bool, include: bool, divisor: Any, x: Val,
                 ev: Event) -> Spec:
    spatial(x, ev)
    if divisor is not None or (not include and pair(p) != Pair.of(0)):
        raise refuse(ev, "archcalc's AVGPOOL divides by the window with its padding "
                         "(count_include_pad=True, no divisor_override)")
    return ("avgpool", {"f": pair(f), "s": pair(s if s else f), "p": pair(p), "ceil": bool(ceil)})


def adaptive_size(size: Any, x: Val) -> Pair[int]:
    """An adaptive pool's output size; None keeps the input's size along that axis."""
    h, w = size if isinstance(size, tuple | list) else (size, size)
    return Pair(x.shape[2] if h is None else int(h), x.shape[3] if w is None else int(w))


def _adaptive(kind: str) -> Callable[[Any, Val, tuple[int, ...], Event], list[Spec]]:
    def rule(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
        spatial(x, ev)
        if getattr(m, "return_indices", False):
            raise refuse(ev, "an adaptive max pool returning indices has no archcalc kind")
        return [(kind, {"size": adaptive_size(m.output_size, x)})]
    return rule


def _upsample(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    return [upsample_spec(m.mode, x, y, ev)]


def upsample_spec(mode: str, x: Val, y: tuple[int, ...], ev: Event) -> Spec:
    """Nearest upsampling by whole factors (read from the shapes)."""
    spatial(x, ev)
    h, w = x.shape[2], x.shape[3]
    if mode != "nearest" or y[2] % h or y[3] % w:
        raise refuse(ev, f"{mode} resizing {h}×{w} → {y[2]}×{y[3]}: archcalc's UPSAMPLE "
                         "repeats pixels by whole factors (mode='nearest')")
    return ("upsample", {"s": Pair(y[2] // h, y[3] // w)})


def _pad(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    return [pad_spec(m.padding, float(getattr(m, "value", 0.0)), x, ev)]


def pad_spec(padding: Any, value: float, x: Val, ev: Event) -> Spec:
    """ZeroPad2d((left, right, top, bottom)) as ZEROPAD."""
    spatial(x, ev)
    sides = tuple(padding) if isinstance(padding, tuple | list) else (padding,) * 4
    if len(sides) != 4 or value != 0 or min(sides) < 0:
        raise refuse(ev, f"padding {list(sides)} with {value}: archcalc's ZEROPAD pads H and W "
                         "with zeros")
    left, right, top, bottom = map(int, sides)
    if (top, left) == (bottom, right):
        return ("zeropad", {"p": Pair(top, left)})
    return ("zeropad", {"top": top, "bottom": bottom, "left": left, "right": right})


def _plain(kind: str, **fixed: Any) -> Callable[[Any, Val, tuple[int, ...], Event],
                                                list[Spec]]:
    def rule(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
        return [(kind, {k: f(m) for k, f in fixed.items()})]
    return rule


def _rules(nn: Any) -> list[tuple[Any, Callable[[Any, Val, tuple[int, ...], Event],
                                               list[Spec]]]]:
    """Module types and their rules; subclasses before their bases (ReLU6 is a Hardtanh)."""
    return [
        (nn.Conv2d, _conv), (nn.ConvTranspose2d, _deconv), (nn.Linear, _linear),
        (nn.BatchNorm2d, _bn), (nn.BatchNorm1d, _bn), (nn.LayerNorm, _layernorm),
        (nn.GroupNorm, _groupnorm), (nn.InstanceNorm2d, _instancenorm),
        (nn.LocalResponseNorm, _lrn), (nn.ReLU, _plain("relu")), (nn.ReLU6, _plain("relu6")),
        (nn.Hardtanh, _hardtanh), (nn.SiLU, _plain("silu")), (nn.Hardswish, _plain("hardswish")),
        (nn.Hardsigmoid, _plain("hardsigmoid")), (nn.Sigmoid, _plain("sigmoid")),
        (nn.Tanh, _plain("tanh")),
        (nn.GELU, _plain("gelu", tanh=lambda m: m.approximate == "tanh")),
        (nn.LeakyReLU, _plain("leakyrelu", alpha=lambda m: exact(m.negative_slope))),
        (nn.ELU, _plain("elu", alpha=lambda m: exact(m.alpha))), (nn.PReLU, _prelu),
        (nn.Softmax, _softmax), (nn.Softmax2d, _softmax), (nn.MaxPool2d, _maxpool),
        (nn.AvgPool2d, _avgpool), (nn.AdaptiveAvgPool2d, _adaptive("adaptiveavgpool")),
        (nn.AdaptiveMaxPool2d, _adaptive("adaptivemaxpool")),
        (nn.Flatten, _plain("flatten")), (nn.Identity, _plain("identity")),
        (nn.Dropout, _plain("dropout", p=lambda m: exact(m.p))),
        (nn.Dropout2d, _plain("dropout", p=lambda m: exact(m.p))),
        (nn.Upsample, _upsample), (nn.ZeroPad2d, _pad), (nn.ConstantPad2d, _pad),
        (nn.ChannelShuffle, _plain("channelshuffle", g=lambda m: m.groups)),
    ]


def _same(kind: str) -> Callable[[Any, Val, tuple[int, ...], Event], list[Spec]]:
    """archcalc's export (and timm) pad `same` as TF does in Conv2dSame, MaxPool2dSame,
    AvgPool2dSame: p=same."""
    def rule(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
        spatial(x, ev)
        if kind == "conv":
            (_, args), = _conv(m, x, y, ev)
        else:
            stride = m.stride if m.stride else m.kernel_size
            args = {"f": pair(m.kernel_size), "s": pair(stride), "ceil": bool(m.ceil_mode)}
        return [(kind, {**args, "p": Word("same")})]
    return rule


def _local(m: Any, x: Val, y: tuple[int, ...], ev: Event) -> list[Spec]:
    """archcalc's export's Local2d: padding (left, right, top, bottom)."""
    spatial(x, ev)
    left, right, top, bottom = m.padding
    args = {"k": m.weight.shape[2], "f": pair(m.kernel_size), "s": pair(m.stride),
            "bias": m.bias is not None}
    if (left, top) == (right, bottom):
        return [("local", {**args, "p": Pair(top, left)})]
    pad = {"top": top, "bottom": bottom, "left": left, "right": right}
    return [("zeropad", pad), ("local", args)]


FOREIGN: dict[str, Callable[[Any, Val, tuple[int, ...], Event], list[Spec]]] = {
    # by class name: torchvision.ops, timm, and the small modules archcalc's export writes
    "StochasticDepth": _plain("droppath", p=lambda m: exact(m.p)),
    "DropPath": _plain("droppath", p=lambda m: exact(m.drop_prob)),
    "Scale": _plain("scale"), "LayerScale": _plain("scale"),
    "Maxout": _plain("maxout", k=lambda m: m.k),
    "Local2d": _local, "Conv2dSame": _same("conv"), "MaxPool2dSame": _same("maxpool"),
    "AvgPool2dSame": _same("avgpool"),
}
