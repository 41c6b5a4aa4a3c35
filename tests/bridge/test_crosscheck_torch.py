"""PyTorch as an independent oracle for archcalc's figures: every zoo spec (and one network per
layer kind) is exported to torch source, built, and measured by torch itself —

- params: Σ numel of `parameters()`; buffers: BN's running mean and variance (the .arch
  definition; `num_batches_tracked`, a step counter, is not a statistic);
- every layer's output shape: forward hooks on the submodule of the layer's name (a merge,
  IDENTITY or chunk, which are operations in forward(), by its consumer's input);
- MACs: torch.utils.flop_counter.FlopCounterMode, which counts 2·MACs of convolutions
  (transposed ones by their input), matrix products and LOCAL's batched product, without biases
  or element-wise work — per layer and in total;
- receptive fields: the support of the input gradient of one output unit, with positive
  weights and the stand-ins docs/executor.md gives (average for max pools; identities
  for the normalizations, softmax and the saturating gates), against archcalc's field of that
  unit clipped to the input: equal where the field lies inside the input, within it otherwise
  (padding read at some layer leaves rows of the field unread) and after FC, GAP or FLATTEN
  (docs/executor.md: a global unit's field is the whole input, even where it is padding).

The big specs are built on the meta device (shapes and the flop counter need no values), the
receptive fields measured for real on the small ones and on modern blocks at 32×32.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import archcalc  # noqa: E402
from archcalc.source import zoo  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kinds import EXAMPLES, INPUT  # noqa: E402

SPECS = [name for name, _ in zoo()]
# tests/kinds.py's examples, where PyTorch refuses one (test_export_torch.py checks the refusal)
TORCH_EXAMPLES = {**EXAMPLES, "groupnorm": "CONV(4, f=3, p=1) - GROUPNORM(2) - RELU - GAP - FC(8) "
                                            "- GROUPNORM(4, affine=false)"}
OPERATIONS = ("identity", "chunk", "add", "mul", "concat")  # written in forward(), no module
PRODUCTS = ("conv", "fc", "local", "deconv")  # the kinds with MACs


def nchw(shape: tuple[int, ...], batch: int = 1) -> tuple[int, ...]:
    return (batch, shape[2], shape[0], shape[1]) if len(shape) == 3 else (batch, *shape)


def measure(analysis, model, size, device="meta"):  # type: ignore[no-untyped-def]
    """Run one image through `model`: every layer's output shape (by name) and the flop
    counter's per-module and total counts."""
    modules = dict(model.named_modules())
    seen: dict[str, tuple[int, ...]] = {}

    def record(name: str, value) -> None:  # type: ignore[no-untyped-def]
        seen.setdefault(name, tuple(value.shape))  # hooks must return None

    hooks = []
    for report in analysis.layers:
        if report.name in modules:
            hooks.append(modules[report.name].register_forward_hook(
                lambda m, i, o, name=report.name: record(name, o)))
            sources = [j for j in report.node.inputs if j >= 0]
            if wrapped(analysis, report):
                sources = []
            for j in sources[:1]:
                hooks.append(modules[report.name].register_forward_pre_hook(
                    lambda m, i, j=j: record(analysis.layers[j].name, i[0])))
    with FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(1, *size, device=device))
    seen.setdefault(analysis.layers[-1].name, tuple(out.shape))
    for hook in hooks:
        hook.remove()
    for report in analysis.layers:  # operations that feed no module: torch's rule on inputs
        if report.name not in seen and all(j < 0 or analysis.layers[j].name in seen
                                           for j in report.node.inputs):
            shapes = [nchw(analysis.input) if j < 0 else seen[analysis.layers[j].name]
                      for j in report.node.inputs]
            seen[report.name] = operation(report.node.layer, shapes)
    return seen, counter


def wrapped(analysis, report) -> bool:  # type: ignore[no-untyped-def]
    """Whether forward() reshapes the layer's input before its module sees it (FC flattens a
    volume)."""
    j = report.node.inputs[0]
    return report.kind == "fc" and len(analysis.input if j < 0 else analysis.layers[j].output) == 3


def operation(layer, shapes):  # type: ignore[no-untyped-def]
    """The shape torch gives an operation of forward() on tensors of `shapes` (a vector beside
    a volume is N×C×1×1, as the exporter writes it)."""
    xs = [torch.empty(s, device="meta") for s in shapes]
    if layer.kind == "identity":
        return tuple(xs[0].shape)
    if layer.kind == "chunk":
        return tuple(xs[0].chunk(layer.n, dim=1)[layer.i - 1].shape)
    if layer.kind == "concat":
        return tuple(torch.cat(xs, 1).shape)
    if any(x.dim() == 4 for x in xs):
        xs = [x[:, :, None, None] if x.dim() == 2 else x for x in xs]
    return tuple(torch.broadcast_shapes(*(x.shape for x in xs)))


def check_figures(analysis, model, size, device="meta"):  # type: ignore[no-untyped-def]
    seen, counter = measure(analysis, model, size, device)
    modules = dict(model.named_modules())
    for report in analysis.layers:
        if report.kind not in OPERATIONS:
            assert report.name in modules, f"{report.name} has no module"
        assert seen.get(report.name) == nchw(report.output), report.name
    assert sum(p.numel() for p in model.parameters()) == analysis.totals.params
    buffers = sum(b.numel() for name, b in model.named_buffers()
                  if not name.endswith("num_batches_tracked"))
    assert buffers == analysis.totals.buffers
    assert counter.get_total_flops() == 2 * analysis.totals.macs
    counts = counter.get_flop_counts()
    root = type(model).__name__
    for report in analysis.layers:
        if report.kind in PRODUCTS:
            flops = sum(counts.get(f"{root}.{report.name}", {}).values())
            assert flops == 2 * report.macs, report.name


@pytest.mark.parametrize("name", SPECS)
def test_zoo_figures_equal_torch(name: str, exported) -> None:  # type: ignore[no-untyped-def]
    analysis = archcalc.analyze(name)
    cls, namespace = exported(analysis.graph)
    with torch.device("meta"):
        model = cls().eval()
    check_figures(analysis, model, namespace["INPUT_SIZE"])


# forms the zoo and the per-kind examples do not reach: the kinds on vectors, broadcasting a
# vector gate, chunks of a path's own, a labeled repeat of layers and of merges, size-dependent
# `same` padding at odd sizes, a block's structure following its arguments, keyword names
SHAPES = {
    "vectors": "input 16\nFC(8) - BN - LAYERNORM - PRELU - SCALE - DROPOUT(0.1) - MAXOUT(2) - "
               "CHANNELSHUFFLE(2) - SPLIT(IDENTITY | FC(2)) - GROUPNORM(2) - LRN(n=3) - SOFTMAX",
    "broadcast": "input 8x8x4\nMUL(IDENTITY | GAP - FLATTEN - FC(4) - SIGMOID) - "
                 "ADD(IDENTITY | GAP | FC(4))",
    "chunks": "input 8x8x6\nCONCAT(CHUNK(1, 3) | CHUNK(3, 3) - CONV(2, f=1))",
    "repeats": "input 8x8x4\nstage: (CONV(4, f=1) - IDENTITY)*2 - st: ADD(CONV(4, f=1) | "
               "IDENTITY)*2 - last: FC(4)*2",
    "same": "input 9x9x4\nblock d(c) { CONV(c, s=2, p=same) - MAXPOOL(2, p=same) - "
            "AVGPOOL(2, s=1, p=same) }\nd(4) - d(8)",
    "structure": "input 8x8x4\nparam N = 2\nblock r(n) { (CONV(4, f=1) - RELU)*n }\n"
                 "r(N) - r(1)? - r(N + 1)",
    "keywords": "input 8x8x4\nblock none(c) { CONV(c, f=1) }\nnone(4) - in_channels: RELU - "
                "x: CONV(2, f=1) - self: RELU",
}


def example(kind: str) -> str:
    return INPUT + TORCH_EXAMPLES[kind]


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_other_forms_equal_torch_on_cpu(name: str, exported) -> None:  # type: ignore[no-untyped-def]
    analysis = archcalc.analyze(SHAPES[name])
    cls, namespace = exported(analysis.graph)
    torch.manual_seed(0)
    check_figures(analysis, cls().eval(), namespace["INPUT_SIZE"], device="cpu")
    if len(analysis.input) == 3:
        check_fields(analysis, exported, layers=20)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_kind_figures_equal_torch_on_cpu(kind: str, exported) -> None:  # type: ignore[no-untyped-def]
    """One network per kind, built and run for real."""
    analysis = archcalc.analyze(example(kind))
    cls, namespace = exported(analysis.graph)
    torch.manual_seed(0)
    check_figures(analysis, cls().eval(), namespace["INPUT_SIZE"], device="cpu")


# ---- receptive fields -----------------------------------------------------------------------

# stand-ins: identities for what could cancel or flatten a gradient (a position's channels sum
# to a constant after softmax and the normalizations; ReLU6 is flat past 6), a gate that never
# saturates for the bounded ones (sigmoid's slope is exactly 0 in floats past ~17 or ~37)
IDENTITIES = (nn.Softmax, nn.LocalResponseNorm, nn.LayerNorm, nn.GroupNorm, nn.ReLU6)
GATES = (nn.Sigmoid, nn.Tanh, nn.Hardsigmoid)


class Gate(nn.Module):
    """x / (1 + x) on positive x: in (0, 1), with a positive slope at every size."""

    def forward(self, x):  # type: ignore[no-untyped-def]
        return x / (1 + x)


class Averaging(nn.Module):
    """The stand-in of a max pool: the same windows and padding, averaged (every tap of a
    window then carries gradient, as every tap is in the field)."""

    def __init__(self, pool: nn.Module, namespace: dict) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.pool, self.pad = pool, namespace.get("same_padding")
        self.same = type(pool).__name__ == "MaxPool2dSame"

    def forward(self, x):  # type: ignore[no-untyped-def]
        p = self.pool
        if self.same:
            pads = self.pad(x, p.kernel_size, p.stride)  # type: ignore[misc]
            return nn.functional.avg_pool2d(nn.functional.pad(x, pads), p.kernel_size,
                                            p.stride, ceil_mode=p.ceil_mode)
        return nn.functional.avg_pool2d(x, p.kernel_size, p.stride, p.padding, p.ceil_mode)


def positive(model: nn.Module, namespace: dict) -> nn.Module:  # type: ignore[type-arg]
    """Weights U(0.5, 1.5)/fan_in, biases 0.01 (every activation positive), the other
    parameters (BN's, SCALE's, PRELU's) U(0.5, 1.5); the stand-ins in place."""
    for name, module in list(model.named_modules()):
        stand_in = None
        if isinstance(module, IDENTITIES):
            stand_in = nn.Identity()
        elif isinstance(module, GATES):
            stand_in = Gate()
        elif isinstance(module, nn.MaxPool2d):
            stand_in = Averaging(module, namespace)
        elif isinstance(module, nn.AdaptiveMaxPool2d):
            stand_in = nn.AdaptiveAvgPool2d(module.output_size)
        if stand_in is not None:
            parent, _, leaf = name.rpartition(".")
            model.get_submodule(parent).add_module(leaf, stand_in)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            draw = torch.rand(parameter.shape, generator=generator, dtype=parameter.dtype) + 0.5
            if parameter.dim() >= 2:
                fan = parameter.shape[1] if parameter.dim() == 3 else parameter[0].numel()
                parameter.copy_(draw / fan)  # Local2d's weight is (L, fan_in, K)
            else:
                parameter.copy_(torch.full_like(draw, 0.01) if name.endswith("bias") else draw)
    return model


def indicator(grad):  # type: ignore[no-untyped-def]
    """A gradient replaced by its support, [g > 0], at every module's output: through
    non-negative Jacobians the next support depends on this one alone, and nothing underflows
    at any depth (the executor's probe does the same, docs/executor.md)."""
    return (grad > 0).to(grad.dtype)


def binarize(module, inputs, output) -> None:  # type: ignore[no-untyped-def]
    output.register_hook(indicator)


def supports(analysis, model, size, names):  # type: ignore[no-untyped-def]
    """{(layer, unit): ((first, last) row, (first, last) column) of the input gradient's
    support, or None}, for the corner, centre and far corner of each layer's output."""
    modules, outputs = dict(model.named_modules()), {}
    hooks = [modules[n].register_forward_hook(lambda m, i, o, n=n: outputs.__setitem__(n, o))
             for n in names]
    hooks += [m.register_forward_hook(binarize) for m in modules.values()
              if not list(m.children())]
    x = (torch.rand(1, *size, generator=torch.Generator().manual_seed(1)) + 0.5
         ).requires_grad_()
    model(x)
    for hook in hooks:
        hook.remove()
    found = {}
    for name in names:
        y = outputs[name]
        units = [(0, 0), (y.shape[2] // 2, y.shape[3] // 2), (y.shape[2] - 1, y.shape[3] - 1)] \
            if y.dim() == 4 else [(0, 0)]
        for unit in units:
            seed = torch.zeros_like(y)
            if y.dim() == 4:
                seed[0, :, unit[0], unit[1]] = 1
            else:
                seed[0] = 1
            (grad,) = torch.autograd.grad(y, x, seed, retain_graph=True)
            seen = grad[0].abs().sum(0) > 0
            rows, cols = seen.any(1).nonzero().flatten(), seen.any(0).nonzero().flatten()
            found[name, unit] = ((int(rows.min()), int(rows.max())),
                                 (int(cols.min()), int(cols.max()))) if len(rows) else None
    return found


def check_fields(analysis, exported, layers: int = 8) -> int:  # type: ignore[no-untyped-def]
    """Compare up to `layers` layers (evenly spread) of a volume network; the units checked."""
    cls, namespace = exported(analysis.graph)
    model = positive(cls().eval(), namespace)
    modules = dict(model.named_modules())
    candidates = [r for r in analysis.layers if r.name in modules]
    step = max(1, len(candidates) // layers)
    chosen = {r.name: r for r in candidates[::step][:layers] + candidates[-1:]}
    found = supports(analysis, model, namespace["INPUT_SIZE"], list(chosen))
    h, w = analysis.input[0], analysis.input[1]
    for (name, unit), support in found.items():
        field = chosen[name].rf
        spans = (field.h.span(unit[0]), field.w.span(unit[1]))
        clipped = tuple((max(lo, 0), min(hi, n - 1)) for (lo, hi), n in zip(spans, (h, w),
                                                                             strict=True))
        if any(lo > hi for lo, hi in clipped):  # a transposed conv's hole, or padding only
            assert support is None, (name, unit, support, spans)
        elif clipped == spans and field.h.jump != 0 and field.w.jump != 0:
            assert support == clipped, (name, unit, support, spans)
        else:  # padding read somewhere, or a global unit (its field is the whole input even
            # where it is padding): within the field, or empty
            assert support is None or all(c[0] <= s[0] <= s[1] <= c[1] for c, s in zip(
                clipped, support, strict=True)), (name, unit, support, spans)
    return len(found)


@functools.cache
def analyzed(name: str):  # type: ignore[no-untyped-def]
    return archcalc.analyze(name)


SMALL = [name for name in SPECS if analyzed(name).totals.macs < 10**8
         and len(analyzed(name).input) == 3]
# at 32×32: residual and projection shortcuts, option A's pooled shortcut, depthwise and
# grouped convs, squeeze-and-excitation, SPLIT and the shuffle, LayerNorm, layer scale, DROPPATH
MODERN = ["resnet34_option_a", "mobilenet_v3_large", "efficientnet_b0", "shufflenet_v2",
          "convnext_tiny"]


@pytest.mark.parametrize("name", SMALL)
def test_small_specs_fields_equal_gradient_supports(name: str, exported) -> None:  # type: ignore[no-untyped-def]
    assert check_fields(archcalc.analyze(name), exported) > 0


@pytest.mark.parametrize("name", MODERN)
def test_modern_blocks_fields_at_32x32(name: str, exported) -> None:  # type: ignore[no-untyped-def]
    analysis = archcalc.analyze(name, input_shape=(32, 32, 3))
    assert check_fields(analysis, exported, layers=4) > 0


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_kind_fields_equal_gradient_supports(kind: str, exported) -> None:  # type: ignore[no-untyped-def]
    assert check_fields(archcalc.analyze(example(kind)), exported, layers=20) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SPECS if n not in SMALL
                                  and len(analyzed(n).input) == 3])
def test_big_specs_fields_equal_gradient_supports(name: str, exported) -> None:  # type: ignore[no-untyped-def]
    assert check_fields(archcalc.analyze(name), exported, layers=4) > 0


# ---- random architectures -----------------------------------------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "executor"))
from hypothesis import HealthCheck, given, settings  # noqa: E402
from test_properties import architecture  # noqa: E402  (the executor's property generator)

EXAMPLES_RUN = settings(max_examples=15, deadline=None, derandomize=True,
                        suppress_health_check=list(HealthCheck))
EXAMPLES_SLOW = settings(max_examples=400, deadline=None, derandomize=False,
                         suppress_health_check=list(HealthCheck))


def random_architecture(text: str, exported) -> None:  # type: ignore[no-untyped-def]
    analysis = archcalc.analyze(text)
    cls, namespace = exported(analysis.graph)
    torch.manual_seed(0)
    check_figures(analysis, cls().eval(), namespace["INPUT_SIZE"], device="cpu")
    check_fields(analysis, exported, layers=10)


@EXAMPLES_RUN
@given(text=architecture(branched=True, fractional=True))
def test_random_architectures_equal_torch(text: str, exported) -> None:  # type: ignore[no-untyped-def]
    random_architecture(text, exported)


@pytest.mark.slow
@EXAMPLES_SLOW
@given(text=architecture(branched=True, fractional=True))
def test_random_architectures_equal_torch_slow(text: str, exported) -> None:  # type: ignore[no-untyped-def]
    random_architecture(text, exported)
