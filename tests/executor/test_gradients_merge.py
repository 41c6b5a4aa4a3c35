"""Gradient checks of the merges with broadcasting (ADD, MUL) and the channel kernels (CHUNK,
CHANNELSHUFFLE) against central differences in float64."""

from __future__ import annotations

from gradcases import case

# fmt: off
CASES = [
    case("mul_two", "mul", [(2, 3, 3, 4), (2, 3, 3, 4)]),
    case("mul_gate_broadcast", "mul", [(2, 3, 3, 4), (2, 1, 1, 4)]),
    case("mul_vector_gate", "mul", [(2, 3, 2, 4), (2, 4)]),
    case("mul_three_spatial_gate", "mul", [(1, 3, 3, 2), (1, 3, 3, 1), (1, 1, 1, 2)]),
    case("add_broadcast", "add", [(2, 3, 3, 4), (2, 1, 1, 4), (2, 3, 3, 1)]),
    case("chunk_second_of_three", "chunk", (2, 2, 3, 6), i=2, n=3),
    case("channelshuffle_g2", "channelshuffle", (2, 2, 2, 6), g=2),
    case("channelshuffle_g3_vector", "channelshuffle", (3, 6), g=3),
]
# fmt: on
