"""Engineers' conventions: a channels-first input is warned about (as data, worded once), a
mistyped zoo name gets the nearest one, zoo summaries are whole sentences, and an unknown
layer name is an ArchError with the nearest names. Expected values are written by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import archcalc
from archcalc.cli import app
from archcalc.conventions import ChannelsFirst, UnknownName, channels_first
from archcalc.source import nearest_spec, summary, zoo

runner = CliRunner()
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
CHANNELS_FIRST = "input 3x32x32\nconv1: CONV(16, f=3, p=1)\nRELU\n"
# The wording, written out once here as the user reads it.
SAID = ("input 3x32x32 reads H=3, W=32, C=32: archcalc's sizes are height × width × channels;"
        " for a 32×32 image with 3 channels write input 32x32x3")


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=stdin, env=ENV)


@pytest.mark.parametrize(("shape", "meant"), [
    ((3, 32, 32), (32, 32, 3)),      # CIFAR-10 as PyTorch writes it
    ((3, 224, 224), (224, 224, 3)),  # ImageNet
    ((1, 28, 28), (28, 28, 1)),      # MNIST
    ((4, 64, 64), (64, 64, 4)),      # RGBA
])
def test_channels_first_sizes_are_flagged(shape: tuple[int, int, int],
                                          meant: tuple[int, int, int]) -> None:
    warning = channels_first(shape)
    assert warning == ChannelsFirst(shape) and warning.meant == meant


@pytest.mark.parametrize("shape", [
    (32, 32, 3), (224, 224, 3), (28, 28, 1),  # H×W×C already
    (3, 3, 64),     # a 3×3 feature map of 64 channels: the first size is not the smallest
    (1, 1, 4096),   # a 1×1 map (FC as CONV)
    (4, 4, 3),      # a toy input: the last size is a channel count
    (2, 8, 2),      # likewise
    (3072,),        # a vector
])
def test_channels_last_and_ambiguous_sizes_are_not(shape: tuple[int, ...]) -> None:
    assert channels_first(shape) is None


def test_the_warning_is_data_on_the_analysis() -> None:
    assert archcalc.analyze(CHANNELS_FIRST).warnings == (ChannelsFirst((3, 32, 32)),)
    assert archcalc.analyze("input 32x32x3\nCONV(16, f=3)").warnings == ()
    assert archcalc.analyze(CHANNELS_FIRST, input_shape=(32, 32, 3)).warnings == ()


def test_the_table_shows_the_warning_at_80_columns() -> None:
    result = run("analyze", "-", "--width", "80", stdin=CHANNELS_FIRST)
    assert result.exit_code == 0, result.output
    assert " ".join(result.stdout.split()).count(" ".join(SAID.split())) == 1
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_json_lists_the_warnings() -> None:
    doc = json.loads(run("analyze", "-", "-f", "json", stdin=CHANNELS_FIRST).stdout)
    assert doc["warnings"] == [{"kind": "channels_first", "input": [3, 32, 32],
                                "meant": [32, 32, 3], "message": SAID}]
    plain = json.loads(run("analyze", "lenet5", "-f", "json").stdout)
    assert plain["warnings"] == []


def test_markdown_notes_it_and_csv_says_it_on_stderr() -> None:
    assert f"- ⚠ {SAID}" in run("analyze", "-", "-f", "markdown", stdin=CHANNELS_FIRST).stdout
    result = run("analyze", "-", "-f", "csv", stdin=CHANNELS_FIRST)
    assert f"<stdin>: warning: {SAID}" in result.stderr
    assert "warning" not in result.stdout


def test_input_option_is_warned_about_too() -> None:
    result = run("analyze", "-", "--input", "3x32x32", "-f", "csv",
                 stdin="input 32x32x3\nconv1: CONV(16, f=3, p=1)\n")
    assert result.exit_code == 0 and f"<stdin>: warning: {SAID}" in result.stderr


def test_an_error_it_probably_caused_says_it_in_the_hint() -> None:
    result = run("analyze", "lenet5", "--input", "1x32x32")
    assert result.exit_code == 2
    assert ("hint: output would be (1 − 5 + 2·0)/1 + 1 = -3 ≤ 0; warning: input 1x32x32 reads "
            "H=1, W=32, C=32: archcalc's sizes are height × width × channels; for a 32×32 "
            "image with 1 channel write input 32x32x1") in result.stderr
    with pytest.raises(archcalc.ArchError, match="window 5 is larger") as caught:
        archcalc.analyze("lenet5", input_shape=(1, 32, 32))
    assert "input 1x32x32 reads H=1, W=32, C=32" in caught.value.hint


def test_check_says_it_on_stderr() -> None:
    result = run("check", "-", stdin=CHANNELS_FIRST + "expect conv1: 3x32x16\n")
    assert result.exit_code == 0, result.output
    assert f"<stdin>: warning: {SAID}" in result.stderr


def test_init_stats_says_it_on_stderr() -> None:
    result = run("init-stats", "-", stdin=CHANNELS_FIRST)
    assert result.exit_code == 0, result.output
    assert f"<stdin>: warning: {SAID}" in result.stderr and "warning" not in result.stdout


@pytest.mark.parametrize(("typed", "meant"), [
    ("alexnt", "alexnet"), ("lenet", "lenet5"), ("vgg_16", "vgg16"),
    ("resnet50_v15", "resnet50_v1_5"),
    ("quizzes/cs231n_7x7_pad", "quizzes/cs231n_7x7_pad1"),
])
def test_a_mistyped_zoo_name_gets_the_nearest(typed: str, meant: str) -> None:
    assert nearest_spec(typed) == meant
    result = run("analyze", typed)
    assert result.exit_code == 2
    assert f"did you mean {meant}? `archcalc zoo` lists the bundled specs" in result.stderr


def test_a_path_or_a_far_name_gets_no_guess() -> None:
    assert nearest_spec("/tmp/alexnt.arch") is None and nearest_spec("../alexnt") is None
    assert nearest_spec("completely_different") is None
    result = run("analyze", "completely_different")
    assert result.exit_code == 2 and "did you mean" not in result.stderr


def test_use_of_a_mistyped_zoo_name_gets_the_nearest() -> None:
    result = run("check", "-", stdin="use alexnt\nexpect conv1: 55x55x96\n")
    assert result.exit_code == 2
    assert "did you mean alexnet?" in result.stderr


@pytest.mark.parametrize(("text", "first"), [
    ("# x.arch — One sentence. Another.\n", "One sentence."),
    ("# x.arch — Szegedy et al. 2015, e.g. Table 1. Next.\n", "Szegedy et al. 2015, e.g. Table 1."),
    ('# x.arch — a "quoted. Sentence" ends here. Next.\n', 'a "quoted. Sentence" ends here.'),
    ("# x.arch — Steps: 1. Train on data. Next.\n", "Steps: 1. Train on data."),
    ("# x.arch — a first\n# line wrapped. Next.\n", "a first line wrapped."),
    ("# x.arch — `torch.models.\n# resnet50()` builds it. Next.\n",
     "`torch.models.resnet50()` builds it."),
    ("# x.arch — up to a blank comment line\n#\n# Other. Words.\n", "up to a blank comment line"),
    ("# x.arch — stays whole ... 60 million. Next.\n", "stays whole ... 60 million."),
])
def test_a_summary_is_the_first_sentence(text: str, first: str) -> None:
    assert summary(text) == first


def test_no_zoo_summary_is_cut_mid_sentence() -> None:
    for name, text in zoo():
        assert text and text[-1] in '.!?)"”', (name, text)


def test_zoo_prints_whole_sentences() -> None:
    result = run("zoo", "--width", "80")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith("alexnet   ") and "AlexNet as in seed 004" in lines[0]
    # a name longer than a third of the width has its own line, its summary under it
    long = lines.index("quizzes/boulder_lenet_receptive_field")
    assert lines[long + 1].startswith(" " * 26 + "seed 002 (CU Boulder")
    flat = " ".join(result.stdout.split())
    assert ("seed 002 (CU Boulder, \"LeNet (1998)\": \"How many output filters at each "
            "convolutional layer? What is the effective receptive field of the fully-connected "
            "layers?\")") in flat


def test_an_unknown_layer_name_is_an_arch_error_with_the_nearest() -> None:
    a = archcalc.analyze("input 32x32x3\nconv1: CONV(16, f=3)\nconv2: CONV(16, f=3)\n")
    with pytest.raises(archcalc.ArchError) as caught:
        a["conv3"]
    assert caught.value.message == "no layer named 'conv3'"
    assert caught.value.hint.startswith("did you mean conv")
    assert {"conv1", "conv2"} <= set(caught.value.hint.replace("?", "").split())
    assert isinstance(caught.value, KeyError)  # code that catches KeyError keeps working
    assert "error: no layer named 'conv3'\n  hint: did you mean conv" in str(caught.value)


def test_an_unknown_group_name_too() -> None:
    a = archcalc.analyze("input 32x32x3\nstage1: [CONV(16, f=3), RELU]\n")
    assert a.group("stage1").last == 2
    with pytest.raises(UnknownName, match="no group named 'stage2'") as caught:
        a.group("stage2")
    assert "did you mean stage1?" in caught.value.hint
