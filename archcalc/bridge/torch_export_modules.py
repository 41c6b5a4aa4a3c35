"""Kind → torch module: the constructor text of each layer, how forward() calls it, and the
channels it gives (as an expression, for the layers after it).

`field(name)` gives a layer field as a checked expression (export_symbols.checked): a block's
argument where the .arch wrote one, else the literal value. Conventions (docs/bridge.md):
LRN's α is not divided by n in .arch and is in PyTorch, so α·n is written; `p=same` is explicit
integer padding where it does not depend on the input size and is symmetric (stride 1, odd
window), else a *Same module that pads as TF does for the size it gets; FC on a volume flattens
it as PyTorch does (C, H, W order; .arch's H, W, C order differs, which no figure sees)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from archcalc.bridge.export_geometry import Window, outputs, refuse, window
from archcalc.bridge.export_symbols import Sym, floordiv, lit, literal, times
from archcalc.graph import Node

Field = Callable[..., Sym]  # field(name, integer=True) -> Sym
Shape = tuple[int, ...]


@dataclass(frozen=True)
class Built:
    """A layer in the generated source. `ctor` None: no module, `call` is the whole forward
    expression. In `call`, {m} stands for the module and {x} for its input."""

    ctor: str | None
    call: str
    channels: Sym
    helpers: tuple[str, ...] = ()


def args(*positional: Sym | str, **keywords: tuple[Sym, Any] | str) -> str:
    """Positional texts, then the keywords whose value differs from the default given."""
    parts = [p if isinstance(p, str) else p.text for p in positional]
    for key, item in keywords.items():
        if isinstance(item, str):
            parts.append(f"{key}={item}")
            continue
        sym, default = item
        if not (sym.op == "lit" and _equal(sym.value, default)):
            parts.append(f"{key}={sym.text}")
    return ", ".join(parts)


def _equal(value: Any, default: Any) -> bool:
    """A field equal to torch's default (numbers by value, a square Pair as one number)."""
    if hasattr(value, "h"):
        value = value.h if value.h == value.w else (value.h, value.w)
    if isinstance(value, bool) or isinstance(default, bool) or default is None:
        return value is default
    return bool(value == default)


def simple(ctor: str) -> Callable[..., Built]:
    return lambda node, x, y, field, c: Built(ctor, "{m}({x})", c)


def conv(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    w = window(node.layer, (x[0], x[1]))
    k = field("k")
    stride = (field("s"), 1)
    rest = dict(dilation=(field("d"), 1), groups=(field("groups"), 1), bias=(field("bias"), True))
    if _size_free(w):
        text = args(c, k, field("f"), stride=stride, padding=(_pad(field, w), 0), **rest)
        return Built(f"nn.Conv2d({text})", "{m}({x})", k)
    return Built(f"Conv2dSame({args(c, k, field('f'), stride=stride, **rest)})", "{m}({x})", k,
                 ("Conv2dSame",))


def _size_free(w: Window) -> bool:
    """Symmetric padding that no input size changes: explicit, or `same` at stride 1 with an
    odd window."""
    return w.symmetric and (not w.same or w.stride == (1, 1))


def _padding(w: Window) -> Any:
    (ph, _), (pw, _) = w.pads
    return ph if ph == pw else (ph, pw)


def local(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    w = window(node.layer, (x[0], x[1]))
    k = field("k")
    text = args(c, k, field("f"), lit((y[0], y[1])), stride=(field("s"), 1),
                padding=(lit(w.sides), (0, 0, 0, 0)), bias=(field("bias"), True))
    return Built(f"Local2d({text})", "{m}({x})", k, ("Local2d",))


def deconv(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    k = field("k")
    text = args(c, k, field("f"), stride=(field("s"), 1), padding=(field("p"), 0),
                output_padding=(field("out_p"), 0), dilation=(field("d"), 1),
                bias=(field("bias"), True))
    return Built(f"nn.ConvTranspose2d({text})", "{m}({x})", k)


def pool(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    """Native with its own symmetric padding (at most half the window, PyTorch's limit), a
    *Same module for `p=same` that depends on the size; checked against the analysis by
    PyTorch's output rule (which the *Same modules apply to the padded input)."""
    w = window(node.layer, (x[0], x[1]))
    name = "MaxPool2d" if node.layer.kind == "maxpool" else "AvgPool2d"
    keywords: dict[str, Any] = {"ceil_mode": (field("ceil"), False)}
    if getattr(node.layer, "s", None) is not None:
        keywords = {"stride": (field("s"), None), **keywords}
    if _size_free(w):
        if any(2 * p > k for (p, _), k in zip(w.pads, w.kernel, strict=True)):
            raise refuse(node, f"PyTorch's {name} pads at most half its window",
                         "pad with ZEROPAD first (for MAXPOOL, zeros may win the max)")
        ctor, sizes, pads = f"nn.{name}", x[:2], w.pads
        keywords = {k: v for k, v in keywords.items() if k == "stride"} | {
            "padding": (_pad(field, w), 0)} | {k: v for k, v in keywords.items() if k != "stride"}
        text = args(field("f"), **keywords)
    else:
        ctor, pads = f"{name}Same", ((0, 0), (0, 0))
        sizes = tuple(n + a + b for n, (a, b) in zip(x[:2], w.pads, strict=True))
        text = args(field("f"), **keywords)
    got = tuple(outputs(n, k, s, p, w.ceil) for n, k, s, p in
                zip(sizes, w.kernel, w.stride, pads, strict=True))
    if got != y[:2]:
        raise refuse(node, f"PyTorch's {name} would give {got[0]}×{got[1]}, not "
                     f"{y[0]}×{y[1]}", "in ceil mode it keeps a last window that starts in "
                     "the bottom/right padding")
    return Built(f"{ctor}({text})", "{m}({x})", c, () if ctor.startswith("nn.") else (ctor,))


def _pad(field: Field, w: Window) -> Sym:
    """The padding argument: the written one, or `same`/`valid` resolved to integers."""
    sym = field("p")
    return lit(_padding(w)) if sym.op == "lit" and hasattr(sym.value, "text") else sym


def fc(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    n = field("n")
    features = times(lit(x[0] * x[1]), c) if len(x) == 3 else c
    call = "{m}(torch.flatten({x}, 1))" if len(x) == 3 else "{m}({x})"
    return Built(f"nn.Linear({args(features, n, bias=(field('bias'), True))})", call, n)


def _channel(kind: str, ctor2d: str, ctor1d: str) -> Callable[..., Built]:
    return lambda node, x, y, field, c: Built(
        f"{ctor2d if len(x) == 3 else ctor1d}({c.text})", "{m}({x})", c)


def lrn(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    layer: Any = node.layer
    alpha = Fraction(layer.alpha) * layer.n  # PyTorch divides α by n
    text = args(field("n"), alpha=literal(alpha), beta=literal(Fraction(layer.beta)),
                k=literal(Fraction(layer.k)))
    if len(x) == 3:
        return Built(f"nn.LocalResponseNorm({text})", "{m}({x})", c)
    return Built(f"LocalResponseNorm1d({text})", "{m}({x})", c, ("LocalResponseNorm1d",))


def layernorm(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    affine = field("affine")
    ctor = "LayerNorm2d" if len(x) == 3 else "nn.LayerNorm"
    text = args(c, elementwise_affine=(affine, True))
    return Built(f"{ctor}({text})", "{m}({x})", c, ("LayerNorm2d",) if len(x) == 3 else ())


def groupnorm(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    layer: Any = node.layer
    if math.prod(x) // layer.g == 1:
        raise refuse(node, "PyTorch's GroupNorm refuses groups of a single value",
                     f"each of the {layer.g} groups holds one number here (normalized, it is 0)")
    text = args(field("g"), c, affine=(field("affine"), True))
    return Built(f"nn.GroupNorm({text})", "{m}({x})", c)


def dropout(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    layer: Any = node.layer
    written = layer.keep is None and layer.p is not None  # else the rate: 1 − keep or 0.5
    rate = field("p", False) if written else lit(layer.rate)
    return Built(f"nn.Dropout({rate.text})", "{m}({x})", c)


def chunk(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    layer: Any = node.layer
    n, i = layer.n, layer.i
    return Built(None, f"{{x}}.chunk({n}, dim=1)[{i - 1}]", floordiv(c, field("n")))


def shuffle(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    if len(x) == 3:
        return Built(f"nn.ChannelShuffle({field('g').text})", "{m}({x})", c)
    return Built(f"ChannelShuffle1d({field('g').text})", "{m}({x})", c, ("ChannelShuffle1d",))


def zeropad(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    layer: Any = node.layer

    def side(value: int | None, default: int) -> int:
        return default if value is None else value

    sides = (side(layer.left, layer.p.w), side(layer.right, layer.p.w),
             side(layer.top, layer.p.h), side(layer.bottom, layer.p.h))
    return Built(f"nn.ZeroPad2d({literal(sides)})", "{m}({x})", c)


def gelu(node: Node, x: Shape, y: Shape, field: Field, c: Sym) -> Built:
    layer: Any = node.layer
    return Built('nn.GELU(approximate="tanh")' if layer.tanh else "nn.GELU()",
                 "{m}({x})", c)


MODULES: dict[str, Callable[..., Built]] = {
    "conv": conv, "local": local, "deconv": deconv, "maxpool": pool, "avgpool": pool,
    "gap": simple("nn.AdaptiveAvgPool2d(1)"),
    "adaptiveavgpool": lambda node, x, y, field, c: Built(
        f"nn.AdaptiveAvgPool2d({field('size').text})", "{m}({x})", c),
    "adaptivemaxpool": lambda node, x, y, field, c: Built(
        f"nn.AdaptiveMaxPool2d({field('size').text})", "{m}({x})", c),
    "upsample": lambda node, x, y, field, c: Built(
        f'nn.Upsample(scale_factor={field("s").text}, mode="nearest")', "{m}({x})", c),
    "zeropad": zeropad, "fc": fc, "flatten": simple("nn.Flatten()"),
    "identity": lambda node, x, y, field, c: Built(None, "{x}", c),
    "relu": simple("nn.ReLU()"), "relu6": simple("nn.ReLU6()"),
    "leakyrelu": lambda node, x, y, field, c: Built(
        f"nn.LeakyReLU({field('alpha', False).text})", "{m}({x})", c),
    "prelu": lambda node, x, y, field, c: Built(f"nn.PReLU({c.text})", "{m}({x})", c),
    "elu": lambda node, x, y, field, c: Built(
        f"nn.ELU({args(alpha=(field('alpha', False), 1))})", "{m}({x})", c),
    "sigmoid": simple("nn.Sigmoid()"), "tanh": simple("nn.Tanh()"), "silu": simple("nn.SiLU()"),
    "hardswish": simple("nn.Hardswish()"), "hardsigmoid": simple("nn.Hardsigmoid()"),
    "gelu": gelu, "softmax": simple("nn.Softmax(dim=1)"),
    "maxout": lambda node, x, y, field, c: Built(
        f"Maxout({field('k').text})", "{m}({x})", floordiv(c, field("k")), ("Maxout",)),
    "bn": _channel("bn", "nn.BatchNorm2d", "nn.BatchNorm1d"), "lrn": lrn,
    "dropout": dropout, "layernorm": layernorm,
    "groupnorm": groupnorm,
    "scale": lambda node, x, y, field, c: Built(f"Scale({c.text})", "{m}({x})", c,
                                                ("Scale",)),
    "droppath": lambda node, x, y, field, c: Built(
        f"StochasticDepth({field('p', False).text})", "{m}({x})", c, ("StochasticDepth",)),
    "chunk": chunk, "channelshuffle": shuffle,
}
MERGES = ("add", "mul", "concat")  # written in forward(): +, * and torch.cat
