"""The CLI through typer's runner: outputs (golden files), exit codes, options."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import archcalc
from archcalc.cli import app

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
runner = CliRunner()
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=stdin, env=ENV)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"archcalc {archcalc.__version__}"


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("analyze", "check", "sweep", "zoo"):
        assert command in result.output


def test_analyze_table_golden(golden) -> None:  # type: ignore[no-untyped-def]
    result = run("analyze", str(SPECS / "lenet5.arch"))
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    golden("lenet5_table.txt", result.output)


def test_analyze_explain_golden(golden) -> None:  # type: ignore[no-untyped-def]
    result = run("analyze", str(SPECS / "alexnet.arch"), "--explain")
    assert result.exit_code == 0, result.output
    assert "(227 − 11 + 2·0)/4 + 1 = 55" in result.output
    assert "(11·11·3)·96 + 96 = 34,944" in result.output
    golden("alexnet_explain.txt", result.output)


def test_analyze_json_golden(golden) -> None:  # type: ignore[no-untyped-def]
    result = run("analyze", str(SPECS / "lenet5.arch"), "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["network"] == "LeNet5" and doc["input"] == [32, 32, 1]
    conv1 = doc["layers"][0]
    # design.md §5 keys
    for key in ("name", "kind", "output", "params", "macs", "flops", "activations", "rf",
                "fits", "note"):
        assert key in conv1
    assert conv1["rf"] == {"size": [5, 5], "jump": [1, 1], "start": [2.0, 2.0]}
    assert set(doc["totals"]) >= {"params", "buffers", "macs", "flops", "activations",
                                  "memory_bytes"}
    assert doc["totals"]["params"] == 61_706
    golden("lenet5.json", result.output)


def test_analyze_csv_and_markdown() -> None:
    csv_out = run("analyze", str(SPECS / "lenet5.arch"), "--format", "csv").output
    lines = csv_out.splitlines()
    assert lines[0].startswith("name,kind,layer,inputs,output,kernel,params")
    # CONV(6, f=5) on 32×32×1: kernel 6×1×5×5 (out, in, F, F), (5·5·1)·6 + 6 = 156 params
    assert lines[1].startswith("conv1,conv,\"CONV(6, f=5)\",input,28x28x6,6x1x5x5,156,")
    assert lines[-1].startswith("total,") and ",61706," in lines[-1]
    md = run("analyze", str(SPECS / "lenet5.arch"), "--format", "markdown").output
    assert "| conv1 | `CONV(6, f=5)` | 28×28×6 | 156 |" in md


def test_analyze_from_stdin_with_defines() -> None:
    text = "input 32x32x3\nparam K = 8\nCONV(K, f=3)\n"
    result = run("analyze", "-", "-D", "K=4", "--format", "json", stdin=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["layers"][0]["output"] == [30, 30, 4]


def test_batch_dtype_optimizer_scale_memory() -> None:
    def totals(*options: str) -> dict:  # type: ignore[type-arg]
        out = run("analyze", str(SPECS / "lenet5.arch"), "--format", "json", *options).output
        return json.loads(out)["totals"]["memory_bytes"]  # type: ignore[no-any-return]

    base = totals()
    # forward: 9,118 activations (1,024 input + 8,094 stored outputs) · 4 bytes
    assert base["forward"] == 9_118 * 4
    assert totals("--batch", "8")["forward"] == 9_118 * 4 * 8
    assert totals("--dtype", "float16")["forward"] == 9_118 * 2
    # adam keeps two more values per parameter than sgd: + 2·61,706·4 bytes
    assert totals("--optimizer", "adam")["training"] - base["training"] == 2 * 61_706 * 4


def test_bundled_name_resolves() -> None:
    result = run("analyze", "alexnet", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["network"] == "AlexNet"


def test_input_error_exits_2_with_caret(tmp_path: Path) -> None:
    bad = tmp_path / "bad.arch"
    bad.write_text("input 32x32x3\nCONV(64, f=3\n")
    result = run("analyze", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2:5: error: '(' is never closed" in result.output
    assert "^" in result.output and "Traceback" not in result.output


def test_input_error_as_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.arch"
    bad.write_text("input 32x32x3\nCONVV(64)\n")
    result = runner.invoke(app, ["analyze", str(bad), "--format", "json"], env=ENV)
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["error"]["span"] == {"line": 2, "column": 1, "end_line": 2, "end_column": 6}
    assert "did you mean CONV?" in doc["error"]["hint"]


def test_missing_file_and_bad_define() -> None:
    assert run("analyze", "/no/such.arch").exit_code == 2
    result = run("analyze", str(SPECS / "lenet5.arch"), "-D", "N")
    assert result.exit_code == 2 and "NAME=VALUE" in result.output


def test_strict_and_no_optional() -> None:
    text = "input 7x7x3\nCONV(1, f=3, s=3) - BN?\n"
    assert run("analyze", "-", stdin=text).exit_code == 0
    result = run("analyze", "-", "--strict", stdin=text)
    assert result.exit_code == 2 and "2.33" in result.output
    out = run("analyze", "-", "--no-optional", "--format", "json", stdin=text).output
    assert [layer["kind"] for layer in json.loads(out)["layers"]] == ["conv"]


def test_max_layers_option() -> None:
    result = run("analyze", "-", "--max-layers", "10", stdin="input 8x8x1\nRELU*11\n")
    assert result.exit_code == 2 and "--max-layers" in result.output


def test_check_answer_sheet_with_two_wrong_answers() -> None:
    result = run("check", str(ROOT / "examples" / "answers_alexnet.arch"))
    assert result.exit_code == 1
    assert "4 passed, 2 failed in 1 file" in result.output
    assert "(11·11·3)·96 + 96 = 34,944" in result.output
    assert "(13 − 3 + 2·0)/2 + 1 = 6" in result.output


def test_check_passing_specs_and_json() -> None:
    result = run("check", "lenet5", "vgg16", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["failed"] == 0 and doc["passed"] > 50


def test_check_input_error_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.arch"
    bad.write_text("input 8x8x1\nCONV(4)\nexpect conv9: params=1\n")
    assert run("check", str(bad)).exit_code == 2


def test_sweep_shows_which_configurations_stop_fitting() -> None:
    result = run("sweep", "convnet_pattern", "-D", "N=1..3", "-D", "M=1..6",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["configurations"] == 3 * 6 * 2  # N × M × POOL? present/absent
    invalid = [r for r in doc["results"] if not r["valid"]]
    # 32 → 16 → 8 → 4 → 2 → 1: the sixth 2×2 pool has a 1×1 input.
    assert {(r["values"]["N"], r["values"]["M"], r["optional"]["POOL?"]) for r in invalid} == \
        {(n, 6, True) for n in (1, 2, 3)}
    assert all("pool6" in r["note"] and "larger than the padded input 1" in r["note"]
               for r in invalid)


def test_sweep_where_sort_limit() -> None:
    result = run("sweep", "convnet_pattern", "-D", "N=1..2", "-D", "M=1..3", "--where",
                 "params < 300K and valid == true", "--sort", "params", "--limit", "2",
                 "--format", "json")
    doc = json.loads(result.output)
    params = [r["params"] for r in doc["results"]]
    assert len(params) == 2 and params == sorted(params) and params[-1] < 300_000


def test_sweep_refuses_too_many_configurations() -> None:
    result = run("sweep", "convnet_pattern", "-D", "N=1..100", "-D", "M=1..100",
                 "-D", "K=0..20", "--max-configs", "1000")
    assert result.exit_code == 2 and "--max-configs" in result.output


def test_zoo_lists_bundled_specs() -> None:
    result = run("zoo")
    assert result.exit_code == 0
    assert "alexnet" in result.output and "quizzes/" in result.output


PARAMETRIC = "param S = 32\ninput S x S x 3\nCONV(8, f=3, s=2, p=1) - GAP - FC(2)\n"


def test_input_override_on_every_command(tmp_path: Path) -> None:
    """--input replaces the file's input wherever a file is read: (64 − 3 + 2)/2 + 1 = 32."""
    net = tmp_path / "net.arch"
    net.write_text(PARAMETRIC + "expect conv1: 32x32x8\n", encoding="utf-8")
    out = json.loads(run("analyze", str(net), "--input", "64x64x3", "-f", "json").output)
    assert out["input"] == [64, 64, 3] and out["layers"][0]["output"] == [32, 32, 8]
    assert run("check", str(net), "--input", "64x64x3").exit_code == 0
    assert run("check", str(net)).exit_code == 1  # 32 in: 16×16×8
    swept = json.loads(run("sweep", str(net), "-D", "S=8,16", "--input", "64x64x3",
                           "-f", "json").output)
    assert {r["macs"] for r in swept["results"]} == {32 * 32 * 8 * 27 + 16}
    verified = run("verify", str(net), "--input", "12x12x3", "--no-rf", "-f", "json")
    assert verified.exit_code == 0 and json.loads(verified.output)["input"] == [12, 12, 3]
    stats = run("init-stats", str(net), "--input", "12x12x3", "-f", "json")
    assert stats.exit_code == 0 and json.loads(stats.output)["layers"][1]["output"] == [6, 6, 8]


def test_a_parametric_input_follows_define() -> None:
    out = json.loads(run("analyze", "-", "-D", "S=64", "-f", "json", stdin=PARAMETRIC).output)
    assert out["input"] == [64, 64, 3]


def test_a_bad_input_option_is_an_input_error() -> None:
    result = run("analyze", str(SPECS / "lenet5.arch"), "--input", "32x32")
    assert result.exit_code == 2 and "--input 32x32: not a size" in result.output


def test_analyze_analyzes_a_file_whose_expect_line_fits_other_defines() -> None:
    # conv2 exists only for N=2: analyze (N=1) analyzes; check judges the name
    text = "input 8x8x3\nparam N = 1\n(CONV(4, p=1))*N\nexpect conv2: 8x8x4\n"
    assert run("analyze", "-", stdin=text).exit_code == 0
    assert run("check", "-", "-D", "N=2", stdin=text).exit_code == 0
    assert run("check", "-", stdin=text).exit_code == 2


def test_a_sweep_whose_every_configuration_fails_alike_is_an_input_error() -> None:
    result = run("sweep", "-", "-D", "N=1..3", stdin="input 8x8x3\nparam N = 1\nCONVV(N)\n")
    assert result.exit_code == 2 and "3:1: error: unknown layer kind 'CONVV'" in result.output


def test_a_define_given_twice_is_an_input_error() -> None:
    result = run("analyze", "-", "-D", "N=1", "-D", "N=2", stdin="input 8\nparam N = 1\nFC(N)\n")
    assert result.exit_code == 2 and "given twice" in result.output
