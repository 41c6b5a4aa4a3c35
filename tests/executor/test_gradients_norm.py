"""LAYERNORM, GROUPNORM, SCALE and DROPPATH backward passes against central differences
(float64), dx and every parameter, and float32 kept as float32 (harness: gradcases.py)."""

from __future__ import annotations

from gradcases import LINEAR, SMOOTH, case

AFFINE = {"gamma": (5,), "beta": (5,)}

# fmt: off
CASES = [
    case("layernorm_volume", "layernorm", (2, 3, 3, 5), AFFINE, tol=SMOOTH),
    case("layernorm_vector", "layernorm", (4, 5), AFFINE, tol=SMOOTH),
    case("layernorm_no_affine", "layernorm", (2, 2, 3, 4), tol=SMOOTH),
    case("groupnorm_volume", "groupnorm", (2, 3, 2, 6), {"gamma": (6,), "beta": (6,)},
         tol=SMOOTH, groups=3),
    case("groupnorm_one_group", "groupnorm", (2, 2, 3, 4), {"gamma": (4,), "beta": (4,)},
         tol=SMOOTH, groups=1),
    case("groupnorm_group_per_channel", "groupnorm", (2, 3, 2, 4),
         {"gamma": (4,), "beta": (4,)}, tol=SMOOTH, groups=4),
    case("groupnorm_vector", "groupnorm", (3, 6), {"gamma": (6,), "beta": (6,)},
         tol=SMOOTH, groups=2),
    case("groupnorm_no_affine", "groupnorm", (2, 2, 2, 6), tol=SMOOTH, groups=2),
    case("scale_volume", "scale", (2, 3, 3, 4), {"gamma": (4,)}, tol=LINEAR),
    case("scale_vector", "scale", (3, 5), {"gamma": (5,)}, tol=LINEAR),
    case("droppath_volume", "droppath", (6, 2, 3, 2), tol=LINEAR, p=0.5),
    case("droppath_vector", "droppath", (5, 3), tol=LINEAR, p=0.3),
]
# fmt: on
