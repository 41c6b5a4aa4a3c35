"""Generated from the registry: every kind that appears in graphs (and every merge) is
imported back from what the exporters write for it — its example network (tests/kinds.py)
exported to PyTorch and to ONNX imports to a network with that kind (or the named equivalent)
and the same figures. A new kind without an import mapping fails here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinds import INPUT, network  # noqa: E402

import archcalc  # noqa: E402
from archcalc.bridge.onnx_export import export_onnx  # noqa: E402
from archcalc.bridge.onnx_import import import_onnx  # noqa: E402
from archcalc.bridge.torch_import import import_torch  # noqa: E402
from archcalc.layers import graph_kinds  # noqa: E402

# What a kind imports as, where that is another kind with the same figures (None: nothing,
# for an identity, which PyTorch and ONNX write as no operation)
TORCH_AS = {"gap": "adaptiveavgpool", "identity": None}  # nn.AdaptiveAvgPool2d(1)
ONNX_AS = {"identity": None, "droppath": None}  # DROPPATH is Identity at inference in ONNX
# An ONNX file does not say which initializers are learned: LayerNormalization and
# GroupNormalization always have a scale and a bias, so affine=false imports as affine
ONNX_AFFINE = ("layernorm", "groupnorm")
# PyTorch's GroupNorm refuses a group of one value (the example's GROUPNORM after GAP)
EXAMPLES = {"groupnorm": "CONV(4, f=3, p=1) - GROUPNORM(2) - RELU - GROUPNORM(4, affine=false)"}


def example(kind: str) -> archcalc.Analysis:
    return archcalc.analyze(INPUT + EXAMPLES[kind] if kind in EXAMPLES else network(kind))


def totals(analysis: archcalc.Analysis, params: bool = True) -> tuple[int, ...]:
    t = analysis.totals
    return (t.params if params else 0, t.buffers, t.macs, t.flops if params else 0)


def expected(kind: str, table: dict[str, str | None]) -> str | None:
    return table.get(kind, kind)


@pytest.mark.parametrize("kind", graph_kinds())
def test_every_kind_imports_from_torch(kind: str, exported) -> None:  # type: ignore[no-untyped-def]
    spec = example(kind)
    cls, _ = exported(spec.graph)
    back = archcalc.analyze(import_torch(cls(), spec.input))  # on the CPU: tiny networks
    want = expected(kind, TORCH_AS)
    assert want is None or want in {r.kind for r in back.layers}
    assert totals(back) == totals(spec)
    assert back.layers[-1].output == spec.layers[-1].output


@pytest.mark.parametrize("kind", graph_kinds())
def test_every_kind_imports_from_onnx(kind: str) -> None:
    spec = example(kind)
    back = archcalc.analyze(import_onnx(export_onnx(spec.graph, weights="random")))
    want = expected(kind, ONNX_AS)
    assert want is None or want in {r.kind for r in back.layers}
    assert totals(back, kind not in ONNX_AFFINE) == totals(spec, kind not in ONNX_AFFINE)
    assert back.layers[-1].output == spec.layers[-1].output
