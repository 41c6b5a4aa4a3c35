"""The totals panel under the table: the analysis' warnings, params (trainable and frozen),
compute, and memory part by part as archcalc/memory.py counts it."""

from __future__ import annotations

from collections.abc import Callable

from archcalc.analyze import Analysis
from archcalc.render.common import settings_line
from archcalc.render.grid import wrap
from archcalc.render.notes import warning_text
from archcalc.units import compact, grouped, size_bibytes, size_bytes

LABEL = 9  # the width of the panel's labels
NBSP = "\u00a0"  # holds a number and its unit together when a line wraps


def _bytes(n: int, fmt: Callable[[int], str] = size_bytes) -> str:
    return fmt(n).replace(" ", NBSP)


def totals_lines(analysis: Analysis, width: int | None) -> list[tuple[str, str]]:
    """The warnings, `params …`, `compute …`, the memory lines and the settings, wrapped
    between words."""
    t, s = analysis.totals, analysis.settings
    frozen = t.params - t.trainable
    params = f"{grouped(t.params)}   buffers {grouped(t.buffers)}"
    if frozen:
        params += f"   trainable {grouped(t.trainable)}, frozen {grouped(frozen)}"
    per = "image" if s.batch == 1 else f"batch of {s.batch}"
    rows = [
        ("params", params),
        ("compute", f"{compact(t.macs)} MACs ({grouped(t.macs)})   {compact(t.flops)} FLOPs"),
        ("memory", f"forward {_bytes(t.memory)} ({_bytes(t.memory, size_bibytes)}) per "
                   f"{per}, input {_bytes(t.memory_input)}, ×2 backward "
                   f"{_bytes(t.memory_backward)}"),
        ("", f"training {_bytes(t.memory_training)} = ×2 backward + params "
             f"{_bytes(t.memory_params)} + gradients {_bytes(t.memory_gradients)} + "
             f"optimizer {_bytes(t.memory_optimizer)} + buffers {_bytes(t.memory_buffers)}"),
    ]
    out = [(line, "yellow") for warning in analysis.warnings
           for line in wrap(f"warning: {warning_text(warning)}", width, " " * LABEL)]
    for label, text in rows:
        lines = wrap(text, None if width is None else width - LABEL, " " * 2)
        out += [(f"{label if k == 0 else '':<{LABEL}}{line.replace(NBSP, ' ')}", "")
                for k, line in enumerate(lines)]
    settings = f"{grouped(t.activations)} activations per image; " + \
        settings_line(s.batch, s.dtype, s.optimizer) + (" (AMP: float32 weights)" if s.amp
                                                        else "")
    out += [(" " * LABEL + line, "dim") for line in
            wrap(settings, None if width is None else width - LABEL, "  ")]
    return out
