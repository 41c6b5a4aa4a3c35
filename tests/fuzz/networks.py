"""Small networks for the command fuzzers: random valid ones over every kind and merge of the
registry (a channel count is tracked so that nearly all of them analyze; no figure is
computed here), the per-kind examples of tests/kinds.py, and mutations of both, of the zoo
and of the tests/bad corpus. Each runs in milliseconds, so verify and init-stats can take it.

Every generator takes a `Choice`: hypothesis draws behind it in the pytest part, a seeded
random.Random in the long campaign (uniform, fast, and a finding replays from its seed)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from fuzz.harness import ROOT, SPECS, mutate
from hypothesis import strategies as st
from kinds import EXAMPLES

T = TypeVar("T")
BAD = [p.read_bytes() for p in sorted((ROOT / "tests" / "bad").glob("*.arch"))]
KINDS = sorted(EXAMPLES)
# kinds that keep the shape of any input, volume or vector
ELEMENTWISE = ["RELU", "RELU6", "LEAKYRELU(0.1)", "PRELU", "ELU(0.5)", "SIGMOID", "TANH",
               "SILU", "SWISH", "HARDSWISH", "HARDSIGMOID", "GELU", "GELU(tanh=true)",
               "DROPOUT(0.3)", "DROPOUT(keep=0.8)", "DROPOUT()", "DROPPATH(0.2)", "IDENTITY", "BN",
               "LAYERNORM", "LAYERNORM(affine=false)", "SCALE", "SOFTMAX"]


class Choice:
    """Where the random choices come from: `int(a, b)` picks in a..b."""

    def __init__(self, pick: Callable[[int, int], int]) -> None:
        self.int = pick

    @classmethod
    def seeded(cls, seed: int) -> Choice:
        return cls(random.Random(seed).randint)

    @classmethod
    def drawn(cls, draw: st.DrawFn) -> Choice:
        return cls(lambda a, b: draw(st.integers(a, b)))

    def pick(self, items: Sequence[T]) -> T:
        return items[self.int(0, len(items) - 1)]

    def bool(self) -> bool:
        return self.int(0, 1) == 1

    def below(self, n: int) -> int:
        """In range(n): the `choose` that `mutate` takes."""
        return self.int(0, n - 1) if n > 1 else 0


def strategy(generator: Callable[[Choice], T]) -> st.SearchStrategy[T]:
    """`generator` as a hypothesis strategy."""
    return st.builds(lambda data: generator(Choice.drawn(data.draw)), st.data())


@dataclass
class Net:
    """What the generator knows of the network so far: channels (or the vector's length), and
    whether it is still a volume; the lines written before the chain (params, blocks)."""

    channels: int
    volume: bool
    head: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


POOLS = ["MAXPOOL(2, ceil=true)", "AVGPOOL(3, s=1, p=1)", "MAXPOOL(3, s=1, p=same)",
         "POOL2(ceil=true)", "AVGPOOL(2, s=1, p=valid, ceil=true)", "UPSAMPLE(2)",
         "UPSAMPLE(1x2)", "ADAPTIVEAVGPOOL(2)", "ADAPTIVEMAXPOOL(3x1)", "ZEROPAD(1)",
         "ZEROPAD(top=1, left=0)", "GAP - UPSAMPLE(3)"]


def _volume_layer(r: Choice, net: Net) -> str:
    """One layer (or merge) on a volume; sets `net.channels` to its output's."""
    c, k = net.channels, r.int(1, 8)
    g = r.pick([d for d in _divisors(c) if k % d == 0])
    kind = r.int(0, 22)
    if kind <= 3:
        net.channels = k
        return r.pick([f"CONV({k}, f={r.int(1, 3)}, s={r.int(1, 2)}, d={r.int(1, 2)}, "
                       f"p=same, groups={g})", f"CONV{r.pick([1, 3])}-{k}",
                       f"LOCAL({k}, f=1, bias={r.pick(['true', 'false'])})",
                       f"DECONV({k}, f=2, s=2, bias={r.pick(['true', 'false'])})"])
    if kind == 4:
        return r.pick(POOLS)
    if kind == 5:
        return r.pick([f"LRN(n={r.pick([1, 3, 5])})", f"CHANNELSHUFFLE({r.pick(_divisors(c))})",
                       f"GROUPNORM({r.pick(_divisors(c))})"])
    if kind == 6:
        m = r.pick(_divisors(c))
        net.channels = c // m
        return f"MAXOUT(k={m})"
    if kind == 7 and c % 2 == 0:
        return f"SPLIT(IDENTITY | CONV({c // 2}, f=3, p=1) - RELU)"
    if kind == 8:
        return r.pick([f"ADD(CONV({c}, f=3, p=same) | IDENTITY)",
                       f"RES(CONV({c}, f=1) - BN{r.pick(['', ' - RELU', '?'])})",
                       f"RES(CONV({c}, f=3, p=same) | CONV({c}, f=1))",
                       f"ADD(IDENTITY | GAP | CONV({c}, f=1))", "RES(RELU | IDENTITY)",
                       f"ADD(PRELU | RELU) - CONV({c}, f=1)"])
    if kind == 9:
        return f"MUL(IDENTITY | GAP - CONV({k}, f=1) - RELU - CONV({c}, f=1) - SIGMOID)"
    if kind == 10:
        net.channels = k + c
        return f"CONCAT(CONV({k}, f=1) | MAXPOOL(3, s=1, p=1))"
    if kind == 11:  # a block, defined once and called with the current channels
        name = f"b{len(net.head)}"
        net.head.append(f"block {name}(c, d=c*2) {{ CONV(d, f=1) - RELU - CONV(c, f=1) }}")
        return f"{name}({c})"
    if kind == 12 and net.params:
        return f"(RELU - IDENTITY)*{net.params[0]}"
    return r.pick(ELEMENTWISE)


def _vector_layer(r: Choice, net: Net) -> str:
    if r.bool():
        net.channels = r.int(1, 12)
        return f"FC({net.channels}, bias={r.pick(['true', 'false'])})"
    return r.pick([*ELEMENTWISE, "FLATTEN"])


def _wrapped(r: Choice, layer: str, i: int) -> str:
    """`layer` as written: bare, labeled, optional, or repeated (shape-keeping ones only)."""
    form = r.int(0, 5)
    if form == 1:
        return f"l{i}: {layer}"
    if form == 2:
        return f"{layer}?"
    if form == 3 and layer in ELEMENTWISE:
        return f"{layer}*{r.int(0, 2)}"
    if form == 4 and layer in ELEMENTWISE:
        return f"s{i}: ({layer} - IDENTITY)*2"
    return layer


def small_network(r: Choice) -> str:
    """A random small network, valid as far as channels go (sizes may still not fit)."""
    vector = r.int(0, 5) == 0
    c, h, w = r.int(1, 8), r.int(2, 10), r.int(2, 10)
    net = Net(c, not vector)
    if r.bool():
        net.params = ["N"]
        net.head.append(f"param N = {r.int(0, 3)}")
    if r.int(0, 3) == 0:
        net.head.append(r.pick(["defaults CONV(bias=false)", "defaults DROPOUT(p=0.1)",
                                "defaults MAXPOOL(ceil=true)"]))
    chain = []
    for i in range(r.int(1, 7)):
        if net.volume and r.int(0, 6) == 0:
            layer, net.volume = r.pick(["GAP", "FLATTEN", "FC(6)"]), False
            net.channels = 6 if layer == "FC(6)" else net.channels
        else:
            layer = (_volume_layer if net.volume else _vector_layer)(r, net)
        chain.append(_wrapped(r, layer, i))
    sep = r.pick([" - ", "\n", " -> ", ", "])
    shape = f"{c}" if vector else f"{h}x{w}x{c}"
    expect = r.pick(["", f"expect input: {shape}\n", "expect total: params=0\n",
                     f"expect l0: fits=true rf={r.int(1, 5)}\n"])
    return "\n".join([*net.head, f"input {shape}", sep.join(chain)]) + "\n" + expect


def tiny_input(r: Choice) -> bytes:
    """A file for verify and init-stats: a small network or a kind's example, either as it
    is or mutated, or a file of the bad corpus (raw or mutated)."""
    source = r.int(0, 7)
    if source <= 3:
        text = small_network(r)
    elif source == 4:
        text = "input 8x8x4\n" + EXAMPLES[r.pick(KINDS)] + "\n"
    elif source == 5:
        return r.pick(BAD)
    else:
        text = small_network(r) if source == 6 else r.pick(BAD).decode("utf-8", "replace")
    if source >= 6 or r.int(0, 3) == 0:
        text = mutate(text, r.below)
    return text.encode("utf-8", errors="surrogatepass")


def any_input(r: Choice) -> bytes:
    """A file for the static commands: a tiny input, or a zoo spec (mutated or not)."""
    if r.int(0, 2) > 0:
        return tiny_input(r)
    text = r.pick(SPECS)
    return (mutate(text, r.below) if r.bool() else text).encode("utf-8", errors="surrogatepass")
