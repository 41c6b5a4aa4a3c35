"""The three slide specs of issue 2 through the API, each value as the slide prints it
(seed files named per test), and the VGG-16 memory total the slide gets wrong."""

from __future__ import annotations

import archcalc


def test_lenet5_cs376_table() -> None:
    # seeds/001 (Ozer), grayscale table: activation shape, size, parameters.
    a = archcalc.analyze("lenet5")
    rows = {"conv1": ((28, 28, 6), 4_704, 156), "pool1": ((14, 14, 6), 1_176, 0),
            "conv2": ((10, 10, 16), 1_600, 2_416), "pool2": ((5, 5, 16), 400, 0),
            "fc3": ((120,), 120, 48_120), "fc4": ((84,), 84, 10_164),
            "fc5": ((10,), 10, 850)}
    for name, (shape, size, params) in rows.items():
        r = a[name]
        assert (r.output, r.activations, r.params) == (shape, size, params), name
    assert a.totals.params == 61_706  # "Total size of variables: 61706"
    assert 4 * a.totals.params == 246_824  # "Total bytes of variables: 246824"


def test_lenet5_rgb_variant() -> None:
    a = archcalc.analyze("lenet5_rgb")
    assert a["conv1"].params == 5 * 5 * 3 * 6 + 6 == 456  # "450 + 6 bias = 456"
    assert a.totals.params == 61_706 - 156 + 456


def test_alexnet_cs182_slides() -> None:
    # seeds/004: "[55x55x96] CONV1 ... Parameters: (11*11*3)*96 = 35K", POOL1 27x27x96, 0.
    a = archcalc.analyze("alexnet")
    assert a["conv1"].output == (55, 55, 96) and a["conv1"].weights == 34_848
    assert a["pool1"].output == (27, 27, 96) and a["pool1"].params == 0
    shapes = {"norm1": (27, 27, 96), "conv2": (27, 27, 256), "pool2": (13, 13, 256),
              "norm2": (13, 13, 256), "conv3": (13, 13, 384), "conv4": (13, 13, 384),
              "conv5": (13, 13, 256), "pool3": (6, 6, 256), "fc6": (4096,), "fc7": (4096,),
              "fc8": (1000,)}
    for name, shape in shapes.items():
        assert a[name].output == shape, name


def test_vgg16_walkthrough() -> None:
    # seeds/004: per-row memory (elements) and params "not counting biases".
    a = archcalc.analyze("vgg16")
    convs = [r for r in a.layers if r.kind == "conv"]
    assert [r.weights for r in convs] == [
        1_728, 36_864, 73_728, 147_456, 294_912, 589_824, 589_824, 1_179_648,
        2_359_296, 2_359_296, 2_359_296, 2_359_296, 2_359_296]
    fcs = [r for r in a.layers if r.kind == "fc"]
    assert [r.weights for r in fcs] == [102_760_448, 16_777_216, 4_096_000]
    assert convs[0].activations == 224 * 224 * 64  # "3.2M"
    assert a.totals.params == 138_357_544  # "138M parameters", with biases
    # "TOTAL memory: 24M" is wrong: the slide's own rows sum to 15,237,608 elements.
    rows = (224 * 224 * 3 + 2 * 224 * 224 * 64 + 112 * 112 * 64 + 2 * 112 * 112 * 128
            + 56 * 56 * 128 + 3 * 56 * 56 * 256 + 28 * 28 * 256 + 3 * 28 * 28 * 512
            + 14 * 14 * 512 + 3 * 14 * 14 * 512 + 7 * 7 * 512 + 4096 + 4096 + 1000)
    assert rows == 15_237_608 == a.totals.activations
    assert a.totals.memory_forward == 4 * rows
