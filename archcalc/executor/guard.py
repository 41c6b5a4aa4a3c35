"""The memory guard: estimate a run's peak from the analysis and refuse what would not fit.

Peak ≈ kept activations (the analysis's forward memory) + cache workspace (masks, BN's x̂…,
per kind in KERNELS) + live gradients (4 × the largest output) + the largest transient
(im2col columns twice and a padded copy, for the conv-like kinds) + parameters and their
gradients. A gradient check adds a float64 run after the float32 one: the peak doubles.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from archcalc.analyze import Analysis, LayerReport
from archcalc.errors import ArchError
from archcalc.units import size_bytes

from .kernels import KERNELS
from .network import Options

LIMIT_FRACTION = 0.75  # of the available RAM, when --max-memory is not given
FALLBACK_LIMIT = 4 * 2**30


@dataclass(frozen=True)
class Estimate:
    parts: dict[str, int]  # bytes

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def estimate(analysis: Analysis, batch: int, itemsize: int, gradcheck: bool = False
             ) -> Estimate:
    """The estimated peak bytes of verify's run at `batch`."""
    shapes = {r.name: r.output for r in analysis.layers}
    inputs = [[analysis.input if n == "input" else shapes[n] for n in r.inputs]
              for r in analysis.layers]
    per_image = {
        "activations": math.prod(analysis.input) + sum(r.activations for r in analysis.layers
                                                        if r.stored),
        "workspace": math.ceil(sum(KERNELS[r.kind].workspace * r.activations
                                   for r in analysis.layers)),
        "gradients": 4 * max([r.activations for r in analysis.layers], default=0),
        "transient": max([_transient(r, x[0]) for r, x in zip(analysis.layers, inputs,
                                                                strict=True)], default=0),
    }
    parts = {k: v * batch * itemsize for k, v in per_image.items()}
    parts["parameters"] = (2 * analysis.totals.params + analysis.totals.buffers) * itemsize
    if gradcheck:
        parts = {k: 2 * v for k, v in parts.items()}
    return Estimate(parts)


def _transient(r: LayerReport, x: tuple[int, ...]) -> int:
    """Elements of the largest temporary arrays of one layer, per image (by its kernel)."""
    return KERNELS[r.kind].transient(r.node.layer, x, r.output)


def available() -> int:
    """Bytes of RAM available now (MemAvailable), or a fallback when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return FALLBACK_LIMIT


def default_limit() -> int:
    return int(available() * LIMIT_FRACTION)


def check_memory(analysis: Analysis, options: Options, limit: int | None,
                 gradcheck: bool = False) -> Estimate:
    """Raise an ArchError (with the estimate, the limit and a batch that fits) if the run's
    estimated peak exceeds `limit` (default: 3/4 of the available RAM)."""
    itemsize = 8 if options.dtype == "float64" else 4
    where = "--max-memory" if limit is not None else "3/4 of the available RAM"
    limit = default_limit() if limit is None else limit
    est = estimate(analysis, options.batch, itemsize, gradcheck)
    if est.total <= limit:
        return est
    one = estimate(analysis, 1, itemsize, gradcheck).total
    per_image = estimate(analysis, 2, itemsize, gradcheck).total - one
    fits = (limit - (one - per_image)) // per_image if per_image else 0
    parts = ", ".join(f"{k} {size_bytes(v)}" for k, v in est.parts.items())
    hint = (f"--batch {fits} would fit" if fits >= 1 else
            "even --batch 1 does not fit; raise --max-memory if you have the memory")
    raise ArchError(f"the run would need about {size_bytes(est.total)} at batch "
                    f"{options.batch} ({parts}), more than the limit of {size_bytes(limit)} "
                    f"({where})", None, hint, analysis.graph.source)
