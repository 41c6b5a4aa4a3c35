"""Gradient checks of ADAPTIVEAVGPOOL, ADAPTIVEMAXPOOL and ZEROPAD against central
differences in float64: uneven, overlapping and repeating windows (h > H), asymmetric pads."""

from __future__ import annotations

from gradcases import LINEAR, PIECEWISE, case

# fmt: off
CASES = [
    case("adaptiveavgpool_uneven", "adaptiveavgpool", (2, 7, 5, 3), size=(3, 2)),
    case("adaptiveavgpool_larger_than_input", "adaptiveavgpool", (2, 3, 2, 2), size=(5, 4)),
    case("adaptiveavgpool_global", "adaptiveavgpool", (2, 4, 3, 2), size=(1, 1)),
    case("adaptiveavgpool_divisible", "adaptiveavgpool", (1, 6, 4, 2), size=(3, 2)),
    case("adaptivemaxpool_uneven", "adaptivemaxpool", (2, 7, 5, 3), tol=PIECEWISE,
         distinct=True, size=(3, 2)),
    case("adaptivemaxpool_larger_than_input", "adaptivemaxpool", (2, 3, 2, 2), tol=PIECEWISE,
         distinct=True, size=(5, 4)),
    case("adaptivemaxpool_global", "adaptivemaxpool", (2, 4, 3, 2), tol=PIECEWISE,
         distinct=True, size=(1, 1)),
    case("zeropad_asymmetric", "zeropad", (2, 3, 4, 2), tol=LINEAR,
         padding=((0, 2), (3, 1))),
    case("zeropad_none", "zeropad", (1, 2, 2, 3), padding=((0, 0), (0, 0))),
]
# fmt: on
