"""Every structure form of design.md §1: separators, labels, names, repeats, `?`, merges,
params and -D, blocks, defaults, expect — a test each, with the expected layout by hand."""

from __future__ import annotations

import pytest
from helpers import error, net

import archcalc
from archcalc.errors import ArchError


def names(a: archcalc.Analysis) -> list[str]:
    return a.names()


def test_separators_dash_arrow_comma_newline() -> None:
    a = net("CONV(4) - RELU -> CONV(4), RELU\nPOOL2\n  - RELU")
    assert names(a) == ["conv1", "relu1", "conv2", "relu2", "pool1", "relu3"]


def test_continuation_lines() -> None:
    # A line starting with a separator, or following one ending in a separator, continues.
    a = net("CONV(4) -\n  RELU\n  , POOL2\n# comment\n\nFC(10)")
    assert names(a) == ["conv1", "relu1", "pool1", "fc1"]


def test_case_insensitive_kinds_and_aliases() -> None:
    a = net("conv(4) - Relu - maxpool(2) - POOL(2) - norm - LRN - Dense(3) - LINEAR(2)")
    assert [r.kind for r in a.layers] == ["conv", "relu", "maxpool", "maxpool", "lrn",
                                          "lrn", "fc", "fc"]
    assert names(a)[2:6] == ["pool1", "pool2", "norm1", "norm2"]


def test_labels_name_the_next_element_and_numbers_count_them() -> None:
    a = net("c1: CONV(4) - CONV(4) - r: RELU - CONV(4)")
    assert names(a) == ["c1", "conv2", "r", "conv3"]


def test_repeat_counts_int_param_expression_and_zero() -> None:
    a = net("param N = 2\nCONV(4)*2 - RELU*N - BN*(N+1) - FC(3)*0 - (FC(2))*(N*N//4)")
    assert [r.kind for r in a.layers] == ["conv"] * 2 + ["relu"] * 2 + ["bn"] * 3 + ["fc"]


def test_suffix_binds_tighter_than_separator() -> None:
    a = net("CONV(4)-RELU*2")
    assert [r.kind for r in a.layers] == ["conv", "relu", "relu"]


def test_slide_pattern_as_written() -> None:
    # [(CONV-RELU)*N-POOL?]*M-(FC-RELU)*K,SOFTMAX with N=2, M=3, K=1: 3·(2·2 + 1) + 2 + 1.
    text = ("input 32x32x3\nparam N = 2, M = 3, K = 1\ndefaults CONV(32, f=3, p=same)\n"
            "defaults FC(100)\n[(CONV-RELU)*N-POOL?]*M-(FC-RELU)*K,FC(10),SOFTMAX")
    a = archcalc.analyze(text)
    assert len(a.layers) == 3 * (2 * 2 + 1) + 2 + 2
    assert a["pool3"].output == (4, 4, 32)  # 32 → 16 → 8 → 4
    assert a["fc1"].params == 4 * 4 * 32 * 100 + 100
    without = archcalc.analyze(text, optional=False)
    assert len(without.layers) == 3 * 4 + 4 and without["fc1"].params == 32 * 32 * 32 * 100 + 100
    assert archcalc.analyze(text, N=1, M=2)["pool2"].output == (8, 8, 32)


def test_brackets_and_parentheses_group_alike() -> None:
    assert names(net("[CONV(4) - RELU]*2")) == names(net("(CONV(4) - RELU)*2"))


def test_optional_present_by_default_absent_when_asked() -> None:
    assert len(net("CONV(4) - BN? - RELU").layers) == 3
    assert len(net("CONV(4) - BN? - RELU", optional=False).layers) == 2


def test_res_is_add_of_body_and_identity() -> None:
    a = net("input 8x8x4\nRES(CONV(4, f=3, p=1) - BN)")
    res = a["res1"]
    assert res.kind == "add" and res.inputs == ("bn1", "input")
    assert res.output == (8, 8, 4)


def test_res_with_projection_shortcut() -> None:
    a = net("input 8x8x4\nRES(CONV(8, f=3, s=2, p=1) | CONV(8, f=1, s=2))")
    assert a["res1"].inputs == ("conv1", "conv2") and a["res1"].output == (4, 4, 8)


def test_res_comma_is_a_separator_inside_a_path() -> None:
    # design.md: RES(CONV(c), BN) is one two-layer path.
    a = net("input 8x8x4\nRES(CONV(4, f=1), BN)")
    assert a["res1"].inputs == ("bn1", "input")


def test_merge_paths_across_lines() -> None:
    a = net("input 8x8x4\nCONCAT( CONV(2, f=1)\n  | CONV(3, f=1) - RELU\n"
            "  | MAXPOOL(3, s=1, p=1) )")
    assert a["concat1"].output == (8, 8, 2 + 3 + 4)
    assert a["concat1"].inputs == ("conv1", "relu1", "pool1")


def test_params_and_overrides() -> None:
    a = net("param C = 8, D = C*2\nCONV(C) - CONV(D)")
    assert [r.output[2] for r in a.layers] == [8, 16]
    b = net("param C = 8, D = C*2\nCONV(C) - CONV(D)", C=4)
    assert [r.output[2] for r in b.layers] == [4, 8]  # later params see the override


def test_blocks_with_and_without_arguments_defined_after_use() -> None:
    a = net("stem - unit(16) - unit(8, s=2)\n"
            "block unit(c, s=1) { CONV(c, f=3, s=s, p=1) - RELU }\n"
            "block stem { CONV(4, f=1) }")
    assert names(a) == ["stem1.conv1", "unit1.conv1", "unit1.relu1", "unit2.conv1",
                        "unit2.relu1"]
    assert a["unit2.conv1"].output == (16, 16, 8)


def test_nested_block_calls_and_labels() -> None:
    a = net("block inner(c) { CONV(c, f=1) }\nblock outer(c) { inner(c) - inner(2*c) }\n"
            "top: outer(4)")
    assert names(a) == ["top.inner1.conv1", "top.inner2.conv1"]
    assert a["top.inner2.conv1"].output == (32, 32, 8)


def test_labeled_repeat_numbers_iterations() -> None:
    a = net("block b(c) { CONV(c, f=1) - RELU }\nlayer2: b(8)*2 - stage: (CONV(4, f=1) - BN)*2"
            " - one: FC(3)*2")
    assert names(a) == ["layer2.1.conv1", "layer2.1.relu1", "layer2.2.conv1", "layer2.2.relu1",
                        "stage.1.conv1", "stage.1.bn1", "stage.2.conv1", "stage.2.bn1",
                        "one.1", "one.2"]


def test_labeled_group_scope() -> None:
    a = net("block basic(c) { CONV(c, f=3, p=1) }\nlayer2: (basic(8) - basic(8))")
    assert names(a) == ["layer2.basic1.conv1", "layer2.basic2.conv1"]
    assert [g.name for g in a.groups] == ["layer2", "layer2.basic1", "layer2.basic2"]
    # The group sums its members: (3·3·3)·8 + 8 and (3·3·8)·8 + 8.
    assert a.group("layer2").params == (3 * 3 * 3 * 8 + 8) + (3 * 3 * 8 * 8 + 8)


def test_block_arguments_shadow_params_lexically() -> None:
    a = net("param c = 3\nblock b(c) { CONV(c, f=1) }\nb(5) - CONV(c, f=1)")
    assert [r.output[2] for r in a.layers] == [5, 3]


def test_a_default_sees_the_arguments_before_it_not_a_param_of_that_name() -> None:
    a = net("param c = 100\nblock wide(c, d=c*2) { CONV(d, f=1) }\nwide(4) - wide(4, 3)")
    assert [r.output[2] for r in a.layers] == [4 * 2, 3]


@pytest.mark.parametrize(("formals", "message"), [
    ("d=c*2, c=4", "the default of 'd' uses 'c', an argument of b after it"),
    ("d=-(d+1)", "the default of 'd' uses itself"),
])
def test_a_default_naming_itself_or_a_later_argument_is_an_error(formals: str, message: str
                                                                  ) -> None:
    err = error(f"param c = 1\nparam d = 1\nblock b({formals}) {{ CONV(d, f=1) }}\nb")
    assert err.message == message and err.span is not None and err.span.line == 4  # the block


def test_defaults_apply_to_the_rest_of_the_file() -> None:
    a = net("CONV(4)\ndefaults CONV(f=1, bias=false)\nCONV(4) - b\n"
            "block b { CONV(4) }\ndefaults CONV(f=5)\nCONV(4)")
    sizes = [(r.params, r.output[:2]) for r in a.layers]
    assert sizes[0] == (3 * 3 * 3 * 4 + 4, (30, 30))  # class defaults: f=3, bias
    assert sizes[1] == (1 * 1 * 4 * 4, (30, 30))  # f=1, no bias, 4 channels in
    assert sizes[2] == (4 * 4, (30, 30))  # block defined after the first defaults
    assert sizes[3] == (5 * 5 * 4 * 4, (26, 26))  # f=5 merged with bias=false


def test_defaults_give_a_default_filter_count() -> None:
    a = net("defaults CONV(32, f=3, p=same)\nCONV - CONV(8)")
    assert [r.output for r in a.layers] == [(32, 32, 32), (32, 32, 8)]


def test_positional_arguments_in_field_order() -> None:
    r = net("CONV(8, 5, 1, 2)").layers[0]
    assert r.output == (32, 32, 8) and r.params == 5 * 5 * 3 * 8 + 8


def test_expect_lines_parse_and_name_check() -> None:
    a = net("conv1: CONV(6, f=5)\nexpect conv1: 28x28x6 params=456 macs=352.8K rf=5\n"
            "expect total: params=456 memory=18.7KB\nexpect input: 32x32x3")
    assert len(a.graph.expects) == 3
    from archcalc.check import run_checks

    # names are judged by check (they may exist under other -D values), values by analyze too
    with pytest.raises(ArchError, match="no layer 'conv2'"):
        run_checks(net("CONV(6)\nexpect conv2: params=1"))
    assert "bad expected value" in error("CONV(6)\nexpect conv2: params=abc").message


def test_vector_input_and_network_name() -> None:
    a = net("network MLP-2.0+\ninput 3072\nFC(100) - RELU - FC(10)")
    assert a.network == "MLP-2.0+" and a.input == (3072,)
    assert a["fc1"].params == 3072 * 100 + 100


def test_comments_everywhere() -> None:
    a = net("# head\nCONV(4,   # filters\n f=1)  # after\n# between\n - RELU # end")
    assert names(a) == ["conv1", "relu1"]


def test_pasted_unicode_is_accepted() -> None:
    # × in sizes and – or → as separators, as slides print them.
    a = net("input 32×32×3\nCONV(4, f=3×3) – RELU → FC–10")
    assert [r.kind for r in a.layers] == ["conv", "relu", "fc"]
    assert a["fc1"].output == (10,)


def test_crlf_tabs_and_bom() -> None:
    text = "\ufeffinput 8x8x1\r\n\tCONV(2,\tf=1)\r\n\t- RELU\r\n"
    assert archcalc.analyze(text).names() == ["conv1", "relu1"]
