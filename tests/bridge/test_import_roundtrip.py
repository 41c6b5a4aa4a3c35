"""import(export(spec)) for every spec of the zoo: exported to PyTorch source (built and
imported) and to ONNX (imported), the .arch that comes back has the spec's figures — params,
buffers, MACs, FLOPs, the output, and each layer with parameters (its output, params and
MACs). The PyTorch modules are built on the meta device (torch gives the shapes without
computing); the slow run builds them on the CPU. The ONNX exports of large specs take a
smaller input in the default run (the same network: every layer but the sizes), their own in
the slow run."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

import archcalc  # noqa: E402
from archcalc.bridge.onnx_export import export_onnx  # noqa: E402
from archcalc.bridge.onnx_import import import_onnx  # noqa: E402
from archcalc.bridge.torch_import import import_torch  # noqa: E402
from archcalc.errors import ArchError  # noqa: E402
from archcalc.source import zoo  # noqa: E402

SPECS = [name for name, _ in zoo()]
LARGE = 300_000_000  # MACs: above this the default run takes a smaller input


def figures(analysis: archcalc.Analysis) -> tuple[object, ...]:
    t = analysis.totals
    layers = sorted((r.output, r.params, r.macs) for r in analysis.layers if r.params)
    return t.params, t.buffers, t.macs, t.flops, analysis.layers[-1].output, layers


def sized(name: str, native: bool) -> archcalc.Analysis:
    """The spec analyzed at its input, or (large, not native) at the smallest of 64, 96, 128
    on which it still analyzes."""
    spec = archcalc.analyze(name)
    if native or spec.totals.macs <= LARGE or len(spec.input) != 3:
        return spec
    for side in (64, 96, 128):
        try:
            return archcalc.analyze(name, input_shape=(side, side, spec.input[2]))
        except ArchError:
            continue
    return spec


def through_torch(spec: archcalc.Analysis, exported, device: str = "meta"  # type: ignore[no-untyped-def]
                  ) -> archcalc.Analysis:
    cls, _ = exported(spec.graph)
    with torch.device(device):
        model = cls()
    return archcalc.analyze(import_torch(model, spec.input))


def through_onnx(spec: archcalc.Analysis) -> archcalc.Analysis:
    return archcalc.analyze(import_onnx(export_onnx(spec.graph, weights="zero")))


@pytest.mark.parametrize("name", SPECS)
def test_torch_round_trip(name: str, exported) -> None:  # type: ignore[no-untyped-def]
    spec = archcalc.analyze(name)
    assert figures(through_torch(spec, exported)) == figures(spec)


@pytest.mark.parametrize("name", SPECS)
def test_onnx_round_trip(name: str) -> None:
    spec = sized(name, native=False)
    assert figures(through_onnx(spec)) == figures(spec)


@pytest.mark.slow
@pytest.mark.parametrize("name", SPECS)
def test_round_trips_at_the_specs_own_input(name: str, exported) -> None:  # type: ignore[no-untyped-def]
    spec = sized(name, native=True)
    assert figures(through_torch(spec, exported, "cpu")) == figures(spec)
    assert figures(through_onnx(spec)) == figures(spec)
