"""One example network per layer kind that appears in graphs, from an 8×8×4 input: the tests
that must exercise every kind (the runner, verify's independence, the guard) read this table,
and a test keeps its keys equal to the registry's graph kinds."""

from __future__ import annotations

INPUT = "input 8x8x4\n"

EXAMPLES: dict[str, str] = {
    "conv": "CONV(4, f=3, p=same, s=2, d=2, groups=2) - CONV(2, f=1, bias=false)",
    "local": "LOCAL(3, f=2, s=2)",
    "deconv": "DECONV(2, f=3, s=2, p=1, out_p=1)",
    "maxpool": "MAXPOOL(3, s=2, p=1, ceil=true)",
    "avgpool": "AVGPOOL(3, s=2, p=1, ceil=true)",
    "gap": "GAP - FC(3)",
    "upsample": "UPSAMPLE(2x1) - CONV(2, f=3)",
    "fc": "FC(5) - FC(3, bias=false)",
    "flatten": "FLATTEN - FC(3)",
    "identity": "RES(CONV(4, f=1) | IDENTITY)",
    "relu": "CONV(4, f=3, p=1) - RELU",
    "leakyrelu": "CONV(4, f=3, p=1) - LEAKYRELU(0.1)",
    "prelu": "CONV(4, f=3, p=1) - PRELU",
    "elu": "CONV(4, f=3, p=1) - ELU(0.5)",
    "sigmoid": "CONV(4, f=3, p=1) - SIGMOID",
    "tanh": "CONV(4, f=3, p=1) - TANH",
    "softmax": "CONV(4, f=3, p=1) - GAP - FC(3) - SOFTMAX",
    "maxout": "CONV(4, f=3, p=1) - MAXOUT(k=2)",
    "bn": "CONV(4, f=3, p=1) - BN",
    "lrn": "CONV(6, f=3, p=1) - LRN(n=3)",
    "dropout": "CONV(4, f=3, p=1) - DROPOUT(0.3)",
    "add": "ADD(CONV(4, f=3, p=1) | IDENTITY | GAP)",
    "mul": "MUL(IDENTITY | GAP - CONV(2, f=1) - RELU - CONV(4, f=1) - SIGMOID)",
    "concat": "CONCAT(CONV(2, f=1) | MAXPOOL(3, s=1, p=1))",
    "chunk": "SPLIT(IDENTITY | CONV(2, f=3, p=1))",
    "channelshuffle": "CONV(6, f=1) - CHANNELSHUFFLE(3)",
    "layernorm": "CONV(4, f=3, p=1) - LAYERNORM - RELU - LAYERNORM(affine=false)",
    "groupnorm": "CONV(4, f=3, p=1) - GROUPNORM(2) - RELU - GAP - GROUPNORM(4, affine=false)",
    "scale": "RES(CONV(4, f=1) - SCALE)",
    "droppath": "RES(CONV(4, f=3, p=1) - SCALE - DROPPATH(0.3))",
    "adaptiveavgpool": "CONV(4, f=3) - ADAPTIVEAVGPOOL(4x5) - CONV(2, f=3)",
    "adaptivemaxpool": "ADAPTIVEMAXPOOL(3x11) - CONV(2, f=2)",
    "zeropad": "ZEROPAD(1x2, top=0) - CONV(2, f=3, s=2)",
    "relu6": "CONV(4, f=3, p=1) - RELU6",
    "silu": "CONV(4, f=3, p=1) - SILU",
    "hardswish": "CONV(4, f=3, p=1) - HARDSWISH",
    "hardsigmoid": "CONV(4, f=3, p=1) - HARDSIGMOID",
    "gelu": "CONV(4, f=3, p=1) - GELU - GELU(tanh=true)",
}


def network(kind: str) -> str:
    """The example network of `kind`."""
    return INPUT + EXAMPLES[kind]
