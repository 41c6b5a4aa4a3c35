"""What the long campaign keeps of a finding: the input (a file in --artifacts, replayable),
and its class — the exception's type and the innermost archcalc frame that raised it, or the
broken promise (`exit 3`, `invalid JSON`, `unlocated error`, `hang`, `slow`) — counted, so
that a class met ten thousand times is reported once with its count."""

from __future__ import annotations

import hashlib
import json
import signal
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Hang(Exception):
    """An input ran past the campaign's per-input bound (SIGALRM)."""


class Broken(AssertionError):
    """A promise broken without an exception of the code's own: `kind` names the class
    (the exit status, invalid JSON, an unlocated message, a warning on stderr, ...)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Raise Hang in the running code past `seconds` (0: no bound)."""
    if seconds <= 0:
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def classify(exc: BaseException) -> str:
    """`Type at archcalc/file.py:function` for an exception; the kind for a Broken promise."""
    if isinstance(exc, Broken):
        return exc.kind
    if isinstance(exc, Hang):
        return "hang"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/archcalc/" in f.filename]
    where = ""
    if frames:
        last = frames[-1]
        where = f" at archcalc/{last.filename.rsplit('/archcalc/', 1)[1]}:{last.name}"
    return f"{type(exc).__name__}{where}"


class Log:
    """Findings by class: the first few inputs of each saved in `folder`, with the message."""

    KEEP = 5  # inputs saved per class

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.classes: Counter[str] = Counter()

    def add(self, target: str, exc: BaseException, case: dict[str, object]) -> str:
        kind = f"{target}: {classify(exc)}"
        self.classes[kind] += 1
        if self.classes[kind] <= self.KEEP:
            blob = json.dumps(case, sort_keys=True, default=repr)
            name = f"{target}-{hashlib.sha1(blob.encode()).hexdigest()[:12]}.json"
            record = {**case, "class": kind, "error": "".join(
                traceback.format_exception(exc))[-4000:]}
            (self.folder / name).write_text(json.dumps(record, indent=1, default=repr))
            print(f"\nFINDING {kind}: {name}", flush=True)
        return kind

    def summary(self) -> str:
        if not self.classes:
            return "no findings"
        return "; ".join(f"{kind} ×{n}" for kind, n in self.classes.most_common())
