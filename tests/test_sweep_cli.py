"""`archcalc sweep` on the command line: --sort (descending, several keys), --top, --where,
--batch/--dtype/--optimizer, the table at a width (one line per configuration, never a split
number), formats typer refuses, and --jobs giving what one process gives."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from archcalc.cli import app
from archcalc.cli.sweep import FIGURES
from archcalc.render.grid import width_of
from archcalc.sweep_where import SWEEP_COLUMNS

runner = CliRunner()
ENV = {"NO_COLOR": "1", "TERM": "dumb"}
NET = "input 8x8x3\nparam N = 1, M = 1\nCONV(N, f=1) - POOL2? - CONV(M, f=3*M)\n"


def run(*args: str, stdin: str = NET):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["sweep", "-", *args], input=stdin, env=ENV)


def results(*args: str) -> list[dict[str, object]]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["results"]  # type: ignore[no-any-return]


def test_the_help_names_every_sweep_column() -> None:
    assert FIGURES.split(", ") == [c.value for c in SWEEP_COLUMNS]


def test_sort_descending_top_and_where() -> None:
    # params: conv1 4N, conv2 (3M·3M·N)·M + M; with the pool (8 → 4) f=3M fits only M=1;
    # without it (8×8) M=1, 2. N=1, M=1: 4 + 9 + 1 = 14; N=2, M=1: 8 + 18 + 1 = 27;
    # N=1, M=2: 4 + 36·2 + 2 = 78; N=2, M=2: 8 + 72·2 + 2 = 154.
    rows = results("-D", "N=1,2", "-D", "M=1,2", "--sort", "-params", "--top", "3")
    assert [r["params"] for r in rows] == [154, 78, 27]
    rows = results("-D", "N=1,2", "-D", "M=1,2", "--sort", "M,-N", "--where",
                   "not (params > 100 or N == 1) or valid == false")
    assert [(r["values"]["N"], r["values"]["M"], r["valid"]) for r in rows] == \
        [(2, 1, True), (2, 1, True), (2, 2, False), (1, 2, False)]


def test_weights_flops_and_training_memory_of_one_configuration() -> None:
    # N=2, M=1, pool absent: weights 3·2 + 9·2 = 24 (params 27); MACs 64·2·3 + 6·6·1·18 =
    # 1,032; FLOPs 2·1,032 + a bias add per output 64·2 + 36 = 2,228. Stored: input 192,
    # conv1 128, conv2 36 elements → forward 356 · 2 B · batch 4 = 2,848 B; training
    # 2 · 2,848 + params, gradients, momentum 27 · 2 B each.
    rows = results("-D", "N=2", "-D", "M=1", "--batch", "4", "--dtype", "float16",
                   "--optimizer", "momentum")
    absent = next(r for r in rows if not r["optional"]["POOL2?"])
    assert (absent["params"], absent["weights"]) == (27, 24)
    assert (absent["macs"], absent["flops"]) == (1_032, 2_228)
    assert absent["memory_bytes"] == (192 + 128 + 36) * 2 * 4 == 2_848
    assert absent["memory_training_bytes"] == 2 * 2_848 + 27 * 2 * 3


def test_jobs_give_the_same_output() -> None:
    args = ("-D", "N=1..8", "-D", "M=1..12", "--sort", "-macs,params")
    one = run(*args, "--jobs", "1")
    assert one.exit_code == 0, one.output
    for fmt in ("table", "json", "csv"):
        assert run(*args, "--jobs", "3", "-f", fmt).output == run(*args, "-f", fmt).output


def test_the_table_fits_its_width_one_line_per_configuration() -> None:
    for width in (100, 80, 60, 40):
        result = run("-D", "N=1,2", "-D", "M=1..4", "--width", str(width))
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert all(width_of(line) <= width for line in lines), (width, lines)
        table = lines[2:2 + 16]  # header, rule, 2·4·2 configurations
        assert len(table) == 16 and all(line.split()[0] in ("1", "2") for line in table)
    at80 = run("-D", "N=1,2", "-D", "M=1..4", "--width", "80").output.splitlines()
    invalid = [line for line in at80 if "✗" in line and not line.startswith("✗")]
    assert invalid and all(" conv2: window " in line for line in invalid)  # the note, cut
    wide = run("-D", "N=1,2", "-D", "M=1..4").output
    assert "✗ line 3, column" in wide and "(output would be" in wide  # the reason in full
    assert "too narrow" not in wide


def test_a_format_the_sweep_has_not_is_refused_by_the_command_line() -> None:
    result = run("--format", "markdown")
    assert result.exit_code == 2 and "markdown" in result.output
