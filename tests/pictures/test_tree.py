"""The structure the pictures draw: merges' paths recovered from the flat graph, blocks
nested as written, long sequences segmented. Expected layouts are written by hand from the
descriptions."""

from __future__ import annotations

import archcalc
from archcalc.pictures.tree import MAX_ITEMS, SEGMENT, Block, Fork, Item, Leaf, network_tree


def shape(a: archcalc.Analysis, items: tuple[Item, ...]) -> list[object]:
    """The tree as names: a layer's name, ("fork", merge, [path, …]), ("block", name, […])."""
    out: list[object] = []
    for item in items:
        if isinstance(item, Leaf):
            out.append(a.layers[item.index].name)
        elif isinstance(item, Fork):
            out.append(("fork", a.layers[item.index].name,
                        [shape(a, path) for path in item.paths]))
        else:
            assert isinstance(item, Block)
            name = item.group.name if item.group else f"segment {item.first}-{item.last}"
            out.append(("block", name, shape(a, item.body)))
    return out


def test_inception_paths_side_by_side_in_the_order_written() -> None:
    a = archcalc.analyze("input 8x8x4\nCONV(4, f=1) - CONCAT(CONV(2, f=1) | CONV(2, f=1) - "
                         "CONV(3, p=1) | MAXPOOL(3, s=1, p=1)) - FC(2)")
    assert shape(a, network_tree(a)) == [
        "conv1", ("fork", "concat1", [["conv2"], ["conv3", "conv4"], ["pool1"]]), "fc1"]


def test_res_identity_shortcut_is_an_empty_path() -> None:
    a = archcalc.analyze("input 8x8x4\nRES(CONV(4, p=1) - BN) - RELU")
    assert shape(a, network_tree(a)) == [("fork", "res1", [["conv1", "bn1"], []]), "relu1"]


def test_nested_merges_inside_a_path_and_split_heads() -> None:
    a = archcalc.analyze("input 8x8x4\nCONV(4) - SPLIT(IDENTITY | CONV(2, f=1) - "
                         "ADD(RELU | CONV(2, f=1)))")
    assert shape(a, network_tree(a)) == [
        "conv1", ("fork", "split1", [["chunk1", "identity1"],
                                     ["chunk2", "conv2", ("fork", "add1",
                                                          [["relu1"], ["conv3"]])]])]


def test_blocks_nest_as_written_and_wrap_their_merges() -> None:
    a = archcalc.analyze("input 8x8x4\nblock b(c) { RES(CONV(c, p=1)) - RELU }\n"
                         "stage: b(4)*2 - FC(2)")
    assert shape(a, network_tree(a)) == [
        ("block", "stage", [("block", "stage.1", [("fork", "stage.1.res1",
                                                   [["stage.1.conv1"], []]), "stage.1.relu1"]),
                            ("block", "stage.2", [("fork", "stage.2.res1",
                                                   [["stage.2.conv1"], []]), "stage.2.relu1"])]),
        "fc1"]


def order(items: tuple[Item, ...]) -> list[int]:
    """The layers in the order the table lists them: a merge's paths, then the merge."""
    seen: list[int] = []
    for item in items:
        if isinstance(item, Leaf):
            seen.append(item.index)
        elif isinstance(item, Fork):
            seen += [i for path in item.paths for i in order(path)] + [item.index]
        else:
            seen += order(item.body)
    return seen


def test_every_layer_of_the_zoo_appears_once_in_order() -> None:
    for name in ("googlenet", "resnet152", "mobilenet_v3_large", "shufflenet_v2",
                 "efficientnet_b0", "convnext_tiny", "resnet34_option_a"):
        a = archcalc.analyze(name)
        assert order(network_tree(a)) == list(range(len(a.layers))), name


def test_a_long_sequence_is_cut_into_segments() -> None:
    # 200 layers in one unlabeled repeat: no block of the description, so segments of 32
    # (200 = 6·32 + 8: seven segments), each collapsed like a block
    a = archcalc.analyze("input 8x8x1\n(CONV(1, p=1) - RELU)*100")
    tree = network_tree(a)
    assert MAX_ITEMS < 200 and len(tree) == 7
    assert all(isinstance(b, Block) and b.group is None for b in tree)
    assert [len(b.body) for b in tree if isinstance(b, Block)] == [SEGMENT] * 6 + [8]
    assert [(b.first, b.last) for b in tree if isinstance(b, Block)][-1] == (192, 200)


def test_every_merge_of_the_zoo_is_drawn_with_its_paths() -> None:
    """No merge falls back to a plain layer: each one's paths tile the layers between its
    fork and itself (GoogLeNet: 9 CONCATs; ResNet-50: 16 ADDs; MobileNetV3: SE MULs)."""
    from archcalc.source import zoo

    for name, _ in zoo():
        a = archcalc.analyze(name)
        merges = sum(len(r.inputs) > 1 for r in a.layers)
        forks = 0
        todo = list(network_tree(a))
        while todo:
            item = todo.pop()
            if isinstance(item, Fork):
                forks += 1
                todo += [i for path in item.paths for i in path]
            elif isinstance(item, Block):
                todo += list(item.body)
        assert forks == merges, name
