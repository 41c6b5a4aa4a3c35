"""The long fuzzing campaign: the analyzer (parser, analyzer, checks, renderers, sweep), every
command of the command line, and the Python API.

    python tests/fuzz/campaign.py --runs 100000                      # atheris, coverage-guided
    python tests/fuzz/campaign.py --engine hypothesis --runs 100000  # without atheris
    python tests/fuzz/campaign.py --target commands --runs 60000     # analyze ... export
    python tests/fuzz/campaign.py --target api --runs 30000          # archcalc.analyze ...
    python tests/fuzz/campaign.py --target commands --replay 1234    # one case, traceback out

--target commands runs case number SEED (from --seed on) of tests/fuzz/lines.py: a command
line of any command with random options on a generated, mutated or zoo file, in-process,
checked for every promise of tests/fuzz/commands.py and tests/fuzz/outputs.py (exit status,
located errors, valid JSON, figures that add up, well-formed pictures, ...); --target api
does the same with tests/fuzz/api.py. A finding there does not stop the campaign: its class
(exception type and innermost archcalc frame, or the promise broken) is counted and its
first cases saved as JSON in --artifacts, each with its seed for --replay. Every input is
bounded by --timeout seconds (SIGALRM): past it, a `hang` finding.

Every input goes through `exercise` (tests/fuzz/harness.py): it must be analyzed and
rendered, or refused with a located ArchError. Anything else is a finding: atheris stops,
prints the traceback and writes the input as `crash-*` into --artifacts. An input slower
than --slow seconds of CPU time (not wall time: the machine may be shared) to analyze (or
to render, per 250 layers of output) is a finding too, a hang in the making: it is saved
as `slow-*.arch` there and the campaign goes on. The atheris corpus starts from the zoo and
tests/bad/ (each seed prefixed with a mode byte: raw file bytes, a mutated
spec, or token soup) and grows in --corpus, outside the repository. The settings (strict,
optional, batch, dtype, ...) vary with the input's last byte. Replay a finding with
`python -c "import sys; sys.path[:0] = ['tests']; from fuzz.harness import exercise;
exercise(open('FILE', 'rb').read())"`. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import hashlib
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for fuzz.harness

COUNTS = {"runs": 0, "analyzed": 0, "refused": 0, "slow": 0, "findings": 0}
OUTCOMES: Counter[str] = Counter()
START = time.perf_counter()


def main() -> None:
    args = _arguments()
    signal.signal(signal.SIGTERM, _stopped)  # a campaign stopped early still reports
    Path(args.artifacts).mkdir(parents=True, exist_ok=True)
    if args.target != "analyzer":
        _seeded(args)
    elif args.engine == "hypothesis":
        _hypothesis(args)
    else:
        _atheris(args)


def _stopped(signum: int, frame: object) -> None:
    print(f"\n[campaign] stopped (signal {signum})", flush=True)
    _report()
    sys.exit(0)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--engine", choices=("atheris", "hypothesis"), default="atheris")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds; slower = finding")
    parser.add_argument("--corpus", default="/tmp/archcalc-fuzz/corpus")
    parser.add_argument("--artifacts", default="/tmp/archcalc-fuzz/findings")
    parser.add_argument("--target", choices=("analyzer", "commands", "api"), default="analyzer")
    parser.add_argument("--seed", type=int, default=0, help="first case (commands, api)")
    parser.add_argument("--replay", type=int, help="run case SEED alone, its error out")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds; past = hang")
    return parser.parse_args()


def _timed(data: bytes, args: argparse.Namespace) -> None:
    """One input through the harness, counted and timed."""
    from fuzz.harness import LAST, exercise

    start = time.process_time()
    try:
        with bounded(args.timeout):
            analyzed = exercise(data)
    except Exception as exc:  # a finding: counted, saved, and the campaign goes on
        COUNTS["runs"] += 1
        COUNTS["findings"] += 1
        LOG(args).add("analyzer", exc, {"data": data.decode("utf-8", "surrogateescape")})
        return
    took = time.process_time() - start
    COUNTS["runs"] += 1
    COUNTS["analyzed" if analyzed else "refused"] += 1
    if LAST["analysis"] > args.slow or took > args.slow * (1 + LAST["layers"] / 250):
        COUNTS["slow"] += 1
        name = f"slow-{hashlib.sha1(data).hexdigest()[:12]}.arch"
        (Path(args.artifacts) / name).write_bytes(data)
        print(f"\nSLOW {took:.2f}s: {name}", flush=True)
    if COUNTS["runs"] % 10_000 == 0:
        _report()


def LOG(args: argparse.Namespace, cache: dict[str, Any] = {}) -> Any:  # noqa: B006
    """The findings log of this campaign (one per process)."""
    from fuzz.findings import Log

    return cache.setdefault("log", Log(args.artifacts))


def bounded(seconds: float) -> Any:
    from fuzz.findings import bounded as bound

    return bound(seconds)


def _report() -> None:
    elapsed = time.perf_counter() - START
    if OUTCOMES:
        done = ", ".join(f"{k} {n:,}" for k, n in sorted(OUTCOMES.items()))
        print(f"\n[campaign] {COUNTS['runs']:,} cases in {elapsed:,.0f} s: {done}", flush=True)
    else:
        print(f"\n[campaign] {COUNTS['runs']:,} inputs in {elapsed:,.0f} s: "
              f"{COUNTS['analyzed']:,} analyzed, {COUNTS['refused']:,} refused with ArchError, "
              f"{COUNTS['slow']} slower than the limit", flush=True)
    from fuzz.findings import Log

    log = LOG.__defaults__[0].get("log")  # type: ignore[index]
    print(f"[campaign] findings: {log.summary() if isinstance(log, Log) else 'none'}",
          flush=True)


def _seeded(args: argparse.Namespace) -> None:
    """Cases SEED, SEED + 1, ... of the command or API fuzzer; --replay runs one, unguarded."""
    from fuzz.networks import Choice

    if args.target == "commands":
        from fuzz.commands import run
        from fuzz.lines import case

        def make(seed: int) -> dict[str, Any]:
            argv, data = case(Choice.seeded(seed))
            return {"argv": argv, "data": data}

        def one(c: dict[str, Any]) -> str:
            return f"{c['argv'][0]} exit {run(c['argv'], c['data'], c['data'])}"
    else:
        from fuzz.api import api_case, call

        def make(seed: int) -> dict[str, Any]:
            return api_case(Choice.seeded(seed))

        def one(c: dict[str, Any]) -> str:
            return f"{c['function']} {call(c)}"
    if args.replay is not None:
        c = make(args.replay)
        print(c, flush=True)
        print(one(c))
        return
    for seed in range(args.seed, args.seed + args.runs):
        c = make(seed)
        try:
            with bounded(args.timeout):
                OUTCOMES[one(c)] += 1
        except Exception as exc:
            COUNTS["findings"] += 1
            data = c.get("data", b"")
            LOG(args).add(args.target, exc, {**c, "seed": seed, "data": data.decode(
                "utf-8", "surrogateescape")})
        COUNTS["runs"] += 1
        if COUNTS["runs"] % 2_000 == 0:
            _report()
    _report()


def _atheris(args: argparse.Namespace) -> None:
    import atheris

    with atheris.instrument_imports(include=["archcalc", "lark"]):
        from fuzz import harness
    corpus = Path(args.corpus)
    if not corpus.exists():
        corpus.mkdir(parents=True)
        root = harness.ROOT
        for mode, folder in ((b"\x00", "specs"), (b"\x00", "tests/bad"), (b"\x01", "specs")):
            for path in sorted((root / folder).rglob("*.arch")):
                data = mode + path.read_bytes()[:100_000]
                (corpus / hashlib.sha1(data).hexdigest()).write_bytes(data)

    def one_input(data: bytes) -> None:
        _timed(_payload(data, harness, atheris), args)

    atheris.Setup([sys.argv[0], f"-runs={args.runs}", "-timeout=60", "-rss_limit_mb=4096",
                   f"-artifact_prefix={args.artifacts}/", "-print_final_stats=1",
                   str(corpus)], one_input)
    import atexit

    atexit.register(_report)
    atheris.Fuzz()


def _payload(data: bytes, harness: object, atheris: object) -> bytes:
    """The input the fuzzer's bytes stand for: by the first byte, the rest as a file's bytes,
    a zoo spec mutated by choices read from them, or token soup read from them."""
    if not data or data[0] % 3 == 0:
        return data[1:]
    fdp = atheris.FuzzedDataProvider(data[1:])  # type: ignore[attr-defined]

    def choose(n: int) -> int:
        return fdp.ConsumeIntInRange(0, n - 1) if n > 1 else 0

    if data[0] % 3 == 1:
        specs = harness.SPECS  # type: ignore[attr-defined]
        text = harness.mutate(specs[choose(len(specs))], choose)  # type: ignore[attr-defined]
    else:
        words = harness.WORDS  # type: ignore[attr-defined]
        seps = ["", " ", "\n", " - ", ", ", "(", ")", "*", "?", ":"]
        text = "input 32x32x3\n" + "".join(words[choose(len(words))] + seps[choose(len(seps))]
                                           for _ in range(choose(40)))
    return text.encode("utf-8", errors="surrogatepass")


def _hypothesis(args: argparse.Namespace) -> None:
    from fuzz.harness import mutated_spec, token_soup
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    inputs = st.one_of(token_soup().map(str.encode), mutated_spec().map(str.encode),
                       st.binary(max_size=2000).map(lambda b: b"input 32x32x3\n" + b))

    @settings(max_examples=args.runs, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(inputs)
    def campaign(data: bytes) -> None:
        _timed(data, args)

    campaign()
    _report()


if __name__ == "__main__":
    main()
