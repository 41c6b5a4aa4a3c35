"""End to end: small nets with ADAPTIVEAVGPOOL, ADAPTIVEMAXPOOL and ZEROPAD verify (static ==
executed for shape, params, buffers, MACs, kept bytes and receptive field), and every output
unit of an adaptive pool sees, in the run at the real input size, the pixels the analysis says.
"""

from __future__ import annotations

import numpy as np
import pytest

import archcalc
from archcalc.executor.network import Net, Options, backward, forward
from archcalc.executor.verify import compare

NETS = {
    "brief": "input 13x11x3\nCONV(4, f=3) - ZEROPAD(top=0, bottom=1, left=2, right=0) - "
             "ADAPTIVEAVGPOOL(5x4) - CONV(4, f=1) - ADAPTIVEMAXPOOL(3) - FC(10)",
    "vgg_head": "input 7x7x8\nADAPTIVEAVGPOOL(7) - FC(4)",
    "gap_like": "input 8x8x3\nCONV(4, f=3) - RELU - ADAPTIVEAVGPOOL(1) - FC(2) - SOFTMAX",
    "larger_than_input": "input 5x4x2\nCONV(3, f=1) - ADAPTIVEMAXPOOL(9x7) - RELU - "
                         "CONV(2, f=3)",
    "divisible": "input 12x12x3\nCONV(4, f=3, p=1) - ADAPTIVEMAXPOOL(4x6) - CONV(2, f=3)",
    "zeropads": "input 9x7x2\nZEROPAD(1x2) - CONV(3, f=3, s=2) - RELU - "
                "ZEROPAD(top=2, right=1) - CONV(2, f=2) - MAXPOOL(2)",
    "tf_same_by_hand": "input 8x8x3\nZEROPAD(bottom=1, right=1) - CONV(4, f=3, s=2) - RELU - "
                       "ADAPTIVEAVGPOOL(2) - FC(3)",
    "residual": "input 6x6x4\nADD(ZEROPAD(1) - CONV(4, f=3) | IDENTITY) - RELU - "
                "ADAPTIVEAVGPOOL(4x3)",
}


def failures(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{layer.name}: {layer.figures}"
            for layer in report.layers if not layer.ok]


@pytest.mark.parametrize("name", NETS)
def test_static_equals_executed(name: str) -> None:
    text = NETS[name]
    report = compare(archcalc.build_graph(text), archcalc.analyze(text, batch=2),
                     Options(batch=2))
    assert report.ok, failures(report)


def test_tf_same_padding_equals_zeropad_then_valid() -> None:
    # TF's `same` for F = 3, S = 2 on 8 pads 0 before and 1 after: the same net, same figures
    pad = archcalc.analyze(NETS["tf_same_by_hand"])
    same = archcalc.analyze(NETS["tf_same_by_hand"].replace(
        "ZEROPAD(bottom=1, right=1) - CONV(4, f=3, s=2)", "CONV(4, f=3, s=2, p=same)"))
    assert pad.layers[1].output == same.layers[0].output == (4, 4, 4)
    assert pad.layers[1].rf == same.layers[0].rf


def supports(text: str, node: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]],
                                             object]:
    """Every output unit of `node` seeded alone (one per batch element) in the positive thin
    net of the RF probe at the real input size: the rows and columns its input gradient
    reaches, and the analysis's field of the node."""
    graph, analysis = archcalc.build_graph(text), archcalc.analyze(text)
    i = analysis.names().index(node)
    h, w = analysis.layers[i].output[:2]
    net = Net(graph, Options(batch=h * w, dtype="float64"), thin=True, positive=True)
    state = forward(net, net.input((*graph.input[:2], 1)), loss=False)
    seed = np.zeros_like(state.values[i])
    for k in range(h * w):
        seed[k, k // w, k % w] = 1.0
    state.seeds = {i: seed}
    dx, _ = backward(net, state, support=True)
    assert dx is not None
    rows, cols = [], []
    for k in range(h * w):
        live = np.any(dx[k] != 0, axis=-1)
        r, c = np.flatnonzero(live.any(axis=1)), np.flatnonzero(live.any(axis=0))
        rows.append((int(r[0]), int(r[-1])) if r.size else (1, 0))
        cols.append((int(c[0]), int(c[-1])) if c.size else (1, 0))
    return rows, cols, analysis.layers[i].rf


def clipped(span: tuple[int, int], extent: int) -> tuple[int, int]:
    lo, hi = max(span[0], 0), min(span[1], extent - 1)
    return (lo, hi) if lo <= hi else (1, 0)


@pytest.mark.parametrize(("name", "node"), [
    ("brief", "adaptiveavgpool1"), ("brief", "conv2"), ("brief", "adaptivemaxpool1"),
    ("larger_than_input", "adaptivemaxpool1"), ("larger_than_input", "conv2"),
    ("divisible", "conv2"), ("tf_same_by_hand", "adaptiveavgpool1"),
    ("residual", "adaptiveavgpool1"),
])
def test_every_unit_sees_its_static_field(name: str, node: str) -> None:
    """Fields are contiguous here (no stride past its window), so each unit's support is its
    static span clipped to the input (padding reads nothing in the positive net)."""
    text = NETS[name]
    rows, cols, rf = supports(text, node)
    height, width = archcalc.analyze(text).input[:2]
    w = archcalc.analyze(text)[node].output[1]
    for k, (r, c) in enumerate(zip(rows, cols, strict=True)):
        assert r == clipped(rf.h.span(k // w), height), (k, "rows")  # type: ignore[attr-defined]
        assert c == clipped(rf.w.span(k % w), width), (k, "cols")  # type: ignore[attr-defined]
