"""The views of `archcalc analyze`: --width (columns shrink or drop, nothing is split),
--columns, --depth, --explain NAME; and the memory parts, --freeze, --amp, --floor, each
against hand arithmetic."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import archcalc
from archcalc.cli import app

SPECS = Path(__file__).resolve().parents[1] / "specs"
runner = CliRunner()
NUMBER = re.compile(r"\d[\d,.]*[KMGT]?")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def table_rows(out: str) -> list[str]:
    """The rows of the layer table: between the rule under the header and the notes or the
    totals."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("───"))
    end = next(i for i, line in enumerate(lines)
               if i > start and line.startswith(("params ", "! ", "(too narrow")))
    return [line for line in lines[start + 1:end] if not line.startswith("───")]


@pytest.mark.parametrize("spec", ["resnet50_v1_5", "googlenet", "lenet5"])
@given(width=st.integers(min_value=40, max_value=140))
def test_narrow_tables_never_split_a_name_or_a_number(spec: str, width: int) -> None:
    """Every row at `width` is made of whole cells of the unlimited table: each name, number
    and shape is there entire or its column is gone."""
    wide = [line.split() for line in table_rows(run("analyze", spec))]
    narrow_out = run("analyze", spec, "--width", str(width))
    narrow = table_rows(narrow_out)
    assert len(narrow) == len(wide)
    for cells, line in zip(wide, narrow, strict=True):
        assert line.split()[0] == cells[0]  # the name, whole
        for word in line.split():
            if NUMBER.fullmatch(word.rstrip("!*")):
                assert word in cells, (word, cells)
    body = [line for line in narrow_out.splitlines() if not line.startswith("  ")]
    assert all(len(line) <= width for line in body if "…" in line or line in narrow)


def test_columns_drop_in_the_stated_order() -> None:
    """At 60 columns the layer text is cut first, then act., RF … go (docs/language.md)."""
    out = run("analyze", "alexnet", "--width", "60")
    header = out.splitlines()[1].split()
    assert header[:3] == ["name", "layer", "output"] and "params" in header
    assert "act." not in header and "too narrow for" in out


def test_columns_chosen_and_added() -> None:
    """CONV(96, f=11, s=4) on 227×227×3: kernel 96×3×11×11, weights 11·11·3·96 = 34,848."""
    out = run("analyze", "alexnet", "--columns", "name,input,kernel,weights,params%")
    conv1 = next(line for line in table_rows(out) if line.startswith("conv1"))
    # 34,944 of 62,378,344 params = 0.056%, shown to one decimal: 0.1%
    assert conv1.split() == ["conv1", "227×227×3", "96×3×11×11", "34,848", "0.1%"]
    added = run("analyze", "alexnet", "--columns", "+flops")
    assert "FLOPs" in added.splitlines()[1] and "RF" in added.splitlines()[1]


def test_an_unknown_column_is_an_input_error() -> None:
    result = runner.invoke(app, ["analyze", "alexnet", "--columns", "params,flop"])
    assert result.exit_code == 2 and "did you mean flops?" in result.stderr


def test_depth_collapses_groups_into_their_subtotals() -> None:
    """ResNet-50 (v1.5): 16 bottleneck calls in four stages; --depth 0 shows the stem, four
    stage rows and the head. layer1's params, by hand: its three bottlenecks (64 wide) hold
    75,008 + 70,400 + 70,400 = 215,808."""
    rows = table_rows(run("analyze", "resnet50_v1_5", "--depth", "0"))
    stages = [r for r in rows if r.split()[0].startswith("layer")]
    assert [r.split()[0] for r in stages] == ["layer1", "layer2", "layer3", "layer4"]
    assert "215,808" in stages[0].split()
    deeper = table_rows(run("analyze", "resnet50_v1_5", "--depth", "1"))
    assert sum(r.split()[0].startswith("bottleneck") for r in deeper) == 16
    assert len(rows) < len(deeper) < len(table_rows(run("analyze", "resnet50_v1_5")))


def explained(*args: str) -> str:
    """The arithmetic printed after the table (after its blank line)."""
    return run(*args).split("\n\n", 1)[1]


def test_explain_one_layer_or_a_glob() -> None:
    one = explained("analyze", "alexnet", "--explain", "conv1")
    assert "(11·11·3)·96 + 96 = 34,944" in one and "conv2" not in one
    before = explained("analyze", "--explain", "conv1", "alexnet")  # the NAME, then the file
    assert "(11·11·3)·96 + 96 = 34,944" in before
    every = explained("analyze", "alexnet", "--explain")
    assert "conv2  CONV" in every and "total" in every
    glob = explained("analyze", "alexnet", "--explain", "fc*")
    assert "fc6  FC(4096)" in glob and "fc8  FC(1000)" in glob and "conv1" not in glob


def test_explain_names_nothing_is_an_input_error() -> None:
    result = runner.invoke(app, ["analyze", "alexnet", "--explain", "covn1"])
    assert result.exit_code == 2 and "did you mean conv1?" in result.stderr


def test_the_slides_memory_split() -> None:
    """CS231n's VGG-16: ~15.2M activations (here 15,237,608 with the 150,528 input) × 4 B ≈
    61 MB forward, ≈ 122 MB with the backward pass; 138,357,544 params × 4 B each for the
    weights and their gradients."""
    t = archcalc.analyze(SPECS / "vgg16.arch").totals
    assert t.memory == t.activations * 4 and round(t.memory / 1e6) == 61
    assert t.memory_backward == 2 * t.memory and round(t.memory_backward / 1e6) == 122
    assert t.memory_input == 224 * 224 * 3 * 4
    assert t.memory_params == t.memory_gradients == 138_357_544 * 4
    assert t.memory_training == t.memory_backward + 2 * 138_357_544 * 4


def test_adam_and_a_batch() -> None:
    """LeNet-5 at batch 8 with Adam: 9,118 activations·4 B·8 forward, twice that with
    backward, and 61,706 params × (1 + 1 + 2) × 4 B."""
    t = archcalc.analyze(SPECS / "lenet5.arch", batch=8, optimizer="adam").totals
    assert t.memory == 9_118 * 4 * 8 and t.memory_optimizer == 61_706 * 2 * 4
    assert t.memory_training == 2 * 9_118 * 4 * 8 + 61_706 * 4 * 4


def test_freezing_all_but_the_classifier() -> None:
    """AlexNet with every layer but fc8 frozen (CS182's transfer learning): trainable
    4,096·1,000 + 1,000 = 4,097,000; gradients and momentum only for those."""
    a = archcalc.analyze(SPECS / "alexnet.arch", freeze=["conv*", "fc6", "fc7"],
                         optimizer="momentum")
    assert a.totals.trainable == 4_097_000 and a.totals.params == 62_378_344
    assert a.totals.memory_gradients == 4_097_000 * 4
    assert a.totals.memory_optimizer == 4_097_000 * 4
    assert a["conv1"].frozen and not a["fc8"].frozen
    out = run("analyze", "alexnet", "--freeze", "conv*", "--freeze", "fc6", "--freeze", "fc7")
    assert "trainable 4,097,000, frozen 58,281,344" in out  # 62,378,344 − 4,097,000


def test_freezing_a_group_freezes_its_members() -> None:
    a = archcalc.analyze(SPECS / "resnet18.arch", freeze="conv2_x")
    frozen = {r.name for r in a.layers if r.frozen}
    assert frozen and all(name.startswith("conv2_x.") for name in frozen)


def test_a_freeze_that_matches_nothing_is_an_error() -> None:
    result = runner.invoke(app, ["analyze", "alexnet", "--freeze", "fc9"])
    assert result.exit_code == 2 and "matches no layer or group" in result.stderr


def test_mixed_precision_keeps_float32_weights() -> None:
    """AMP with float16: 1,049,571 activations × 2 B; 62,378,344 params × 4 B (master copy)
    and as many gradient bytes."""
    t = archcalc.analyze(SPECS / "alexnet.arch", dtype="float16", amp=True).totals
    assert t.memory == 1_049_571 * 2 and t.memory_params == 62_378_344 * 4
    plain = archcalc.analyze(SPECS / "alexnet.arch", dtype="float16").totals
    assert plain.memory_params == 62_378_344 * 2


def test_floor_accepts_pytorchs_rounding_without_a_mark() -> None:
    """ResNet-18's conv1: (224 − 7 + 6)/2 + 1 = 112.5, floored to 112 — marked by default."""
    marked = archcalc.analyze(SPECS / "resnet18.arch")
    assert not marked["conv1"].fits
    quiet = archcalc.analyze(SPECS / "resnet18.arch", floor=True)
    assert quiet["conv1"].fits and quiet["conv1"].output == (112, 112, 64)
    with pytest.raises(archcalc.ArchError, match="exclude each other"):
        archcalc.analyze(SPECS / "resnet18.arch", floor=True, strict=True)


def test_memory_parts_in_json_and_as_expect_keys() -> None:
    doc = json.loads(run("analyze", "lenet5", "--format", "json"))
    parts = doc["totals"]["memory_bytes"]
    assert parts["backward"] == 2 * parts["forward"] == 2 * 9_118 * 4
    assert parts["training"] == sum(parts[k] for k in ("backward", "params", "gradients",
                                                      "optimizer", "buffers"))
    text = ("input 8x8x1\nCONV(2, f=3) - FC(3)\n"
            # forward: (64 + 72 + 3)·4 B = 556 B; backward twice; conv 20 + fc 219 params
            "expect total: memory=556B memory_backward=1112B trainable=239 "
            "memory_params=956B\n")
    from archcalc.check import run_checks

    assert all(r.passed for r in run_checks(archcalc.analyze(text)))
