"""End to end: small networks with LAYERNORM, GROUPNORM, SCALE and DROPPATH, analyzed and run —
static == executed for shape, params, buffers, MACs, kept bytes (the in-place convention) and
receptive field — and the in-place facts of the run checked by hand."""

from __future__ import annotations

import pytest

import archcalc
from archcalc.executor.network import Options
from archcalc.executor.trace import Blocked
from archcalc.executor.verify import Report, compare
from archcalc.figures import Column

BRIEF = """input 16x16x4
CONV(8, f=3, p=1) - LAYERNORM - CONV(8, f=3, p=1) - GROUPNORM(2) - RELU
RES(CONV(8, f=1) - SCALE - DROPPATH(0.2)) - GAP - LAYERNORM(affine=false) - FC(10)
"""
CONVNEXT_BLOCK = """input 14x14x8
CONV(8, f=4, s=2) - LN
RES(CONV(8, f=7, p=3, groups=8) - LN - CONV(32, f=1) - RELU - CONV(8, f=1) - SCALE - DROPPATH)
LN - CONV(16, f=2, s=2)
"""
RESNET_GN = """input 12x12x3
CONV(8, f=3, p=1, bias=false) - GN(4) - RELU
RES(CONV(8, f=3, p=1, bias=false) - GN(4) - RELU - CONV(8, f=3, p=1, bias=false) - GN(2))
RELU - MAXPOOL(2) - GN(8, affine=false) - GAP - FC(5)
"""
VECTORS = """input 12
FC(8) - LAYERNORM - GROUPNORM(2) - SCALE - DROPPATH(0.5) - RELU - LN(affine=false)
GN(4, affine=false) - FC(3)
"""
NETS = {"brief": BRIEF, "convnext_block": CONVNEXT_BLOCK, "resnet_gn": RESNET_GN,
        "vectors": VECTORS}


def verified(text: str, batch: int = 3, gradcheck: int = 0) -> Report:
    graph = archcalc.build_graph(text)
    analysis = archcalc.analyze(text, batch=batch)
    report = compare(graph, analysis, Options(batch=batch, seed=5), gradcheck_samples=gradcheck)
    failing = [(layer.name, layer.figures) for layer in report.layers if not layer.ok]
    assert report.ok, (failing, report.totals, [g for g in report.gradcheck if not g.ok])
    return report


@pytest.mark.parametrize("name", NETS)
def test_static_equals_executed(name: str) -> None:
    verified(NETS[name])


@pytest.mark.parametrize("name", ["brief", "vectors"])
def test_gradients_of_whole_networks(name: str) -> None:
    report = verified(NETS[name], gradcheck=3)
    # γ and β of every affine norm and SCALE's γ were checked; affine=false has no arrays
    keys = {(g.node, g.key) for g in report.gradcheck}
    assert {("ln1", "gamma"), ("ln1", "beta"), ("gn1", "gamma"), ("gn1", "beta"),
            ("scale1", "gamma")} <= keys
    assert not any(g.node == "ln2" for g in report.gradcheck)  # LAYERNORM(affine=false)


def test_the_brief_net_in_place_and_kept_figures() -> None:
    report = verified(BRIEF)
    nodes = {layer.name: layer.trace for layer in report.layers}
    # RELU writes into GROUPNORM's output (the norm keeps x̂, not its output); DROPPATH into
    # SCALE's (SCALE keeps its input, conv3's output, not its own)
    assert (nodes["relu1"].lives_in, nodes["relu1"].kept_bytes) == ("gn1", 0)
    assert (nodes["droppath1"].lives_in, nodes["droppath1"].kept_bytes) == ("scale1", 0)
    batch, itemsize = 3, 4  # float32
    for name in ("ln1", "gn1", "scale1", "res1"):
        assert nodes[name].kept_bytes == 16 * 16 * 8 * batch * itemsize
    assert nodes["ln2"].kept_bytes == 8 * batch * itemsize  # after GAP: 1×1×8
    # LAYERNORM and GROUPNORM keep x̂ (one per element) and 1/σ (one per position, or per
    # group of a sample) as workspace; DROPPATH's mask is one number per sample
    assert nodes["ln1"].workspace_bytes == (16 * 16 * 8 + 16 * 16) * batch * itemsize
    assert nodes["gn1"].workspace_bytes == (16 * 16 * 8 + 2) * batch * itemsize
    assert nodes["droppath1"].workspace_bytes == batch * itemsize
    assert nodes["scale1"].workspace_bytes == 0  # its cache holds conv3's output and γ
    assert report.totals[Column.memory].ok


def test_in_place_blocked_where_a_backward_keeps_the_tensor() -> None:
    # SCALE keeps conv1's output, which the RELU on the other path would overwrite; TANH keeps
    # its output, which DROPPATH would overwrite. LAYERNORM keeps neither input nor output.
    text = ("input 6x6x4\nCONV(4, f=1) - ADD(SCALE | RELU) - TANH - DROPPATH\n"
            "ADD(LAYERNORM(affine=false) | RELU) - LN(affine=false) - RELU")
    report = verified(text, batch=2)
    nodes = {layer.name: layer.trace for layer in report.layers}
    assert nodes["relu1"].blocked == Blocked("scale1", kept=True)
    assert nodes["droppath1"].blocked == Blocked("tanh1", kept=True)
    assert nodes["relu2"].lives_in and nodes["relu3"].lives_in == "ln2"


def test_receptive_fields_pass_through_the_norms() -> None:
    # the probe measures the conv stack's field at every norm: 3 + 2 + 2 = 7 pixels, jump 1
    report = verified(RESNET_GN)
    by_name = {layer.name: layer for layer in report.layers}
    for name in ("gn1", "gn2", "gn3"):
        assert by_name[name].figures[Column.rf].ok
    assert by_name["gn3"].figures[Column.rf].got["h"]["size"] == 3 + 2 + 2
