"""Small modules written into an exported file where torch has no standard one: each is the
source text of a class, with the helpers it needs, emitted only when some layer uses it."""

from __future__ import annotations

PAIR = '''
def pair(value):
    """(height, width) of an int or a pair."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)
'''

SAME = '''
def same_padding(x, kernel_size, stride, dilation=1):
    """TF/Keras `same` padding of x (.arch p=same): ceil(H/S) x ceil(W/S) outputs, the
    padding's odd pixel at the bottom/right; (left, right, top, bottom) for F.pad."""
    pads = []
    for size, k, s, d in zip(x.shape[:-3:-1], pair(kernel_size)[::-1], pair(stride)[::-1],
                             pair(dilation)[::-1]):
        total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
        pads += [total // 2, total - total // 2]
    return pads
'''

# name: (what it needs: helpers, and "math" or "F" for `import math` and torch.nn.functional)
CLASSES: dict[str, tuple[tuple[str, ...], str]] = {
    "pair": ((), PAIR),
    "same_padding": (("pair",), SAME),
    "Conv2dSame": (("same_padding", "F"), '''
class Conv2dSame(nn.Conv2d):
    """nn.Conv2d with TF/Keras `same` padding for the size it gets (.arch p=same)."""

    def forward(self, x):
        pads = same_padding(x, self.kernel_size, self.stride, self.dilation)
        return super().forward(F.pad(x, pads))
'''),
    "MaxPool2dSame": (("same_padding", "F"), '''
class MaxPool2dSame(nn.MaxPool2d):
    """nn.MaxPool2d with TF/Keras `same` padding (.arch p=same); padding never wins a max."""

    def forward(self, x):
        pads = same_padding(x, self.kernel_size, self.stride)
        return super().forward(F.pad(x, pads, value=float("-inf")))
'''),
    "AvgPool2dSame": (("same_padding", "F"), '''
class AvgPool2dSame(nn.AvgPool2d):
    """nn.AvgPool2d with TF/Keras `same` padding (.arch p=same); the zeros count in the divisor,
    as .arch's average pooling counts padding."""

    def forward(self, x):
        pads = same_padding(x, self.kernel_size, self.stride)
        return super().forward(F.pad(x, pads))
'''),
    "Local2d": (("pair", "math", "F"), '''
class Local2d(nn.Module):
    """Locally connected layer (.arch LOCAL, Keras LocallyConnected2D): a convolution whose
    weights differ at every output position, and one bias per output unit. weight[l, :, k] is
    filter k at output position l (row-major), over F.unfold's columns (C, kh, kw)."""

    def __init__(self, in_channels, out_channels, kernel_size, out_size, stride=1,
                 padding=(0, 0, 0, 0), bias=True):
        super().__init__()
        self.kernel_size, self.stride = pair(kernel_size), pair(stride)
        self.out_size, self.padding = pair(out_size), tuple(padding)  # (left, right, top, bottom)
        fan_in = in_channels * self.kernel_size[0] * self.kernel_size[1]
        positions = self.out_size[0] * self.out_size[1]
        bound = 1 / math.sqrt(fan_in)  # nn.Conv2d's default init
        weight = torch.empty(positions, fan_in, out_channels).uniform_(-bound, bound)
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(torch.zeros(out_channels, *self.out_size)) if bias else None

    def forward(self, x):
        cols = F.unfold(F.pad(x, self.padding), self.kernel_size, stride=self.stride)
        out = torch.bmm(cols.permute(2, 0, 1), self.weight)  # (positions, N, out_channels)
        out = out.permute(1, 2, 0).reshape(x.shape[0], -1, *self.out_size)
        return out if self.bias is None else out + self.bias
'''),
    "LayerNorm2d": ((), '''
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of each position of an NCHW tensor (.arch LAYERNORM,
    ConvNeXt's LayerNorm2d)."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
'''),
    "Scale": ((), '''
class Scale(nn.Module):
    """A learned per-channel multiplier (.arch SCALE, ConvNeXt's layer scale), starting at 1."""

    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))

    def forward(self, x):
        return x * self.weight.view(-1, *([1] * (x.dim() - 2)))
'''),
    "StochasticDepth": ((), '''
class StochasticDepth(nn.Module):
    """Stochastic depth (.arch DROPPATH; torchvision.ops.StochasticDepth(p, mode="row")): in
    training each sample's path is dropped with probability p, the survivors scaled by
    1/(1 - p); the identity at inference."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        noise = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * noise.div_(keep) if keep > 0.0 else x * noise
'''),
    "ChannelShuffle1d": ((), '''
class ChannelShuffle1d(nn.ChannelShuffle):
    """nn.ChannelShuffle on an N×C vector (.arch CHANNELSHUFFLE after FC or FLATTEN)."""

    def forward(self, x):
        return super().forward(x[:, :, None, None]).flatten(1)
'''),
    "LocalResponseNorm1d": ((), '''
class LocalResponseNorm1d(nn.LocalResponseNorm):
    """nn.LocalResponseNorm on an N×C vector (.arch LRN after FC or FLATTEN)."""

    def forward(self, x):
        return super().forward(x[:, :, None]).flatten(1)
'''),
    "Maxout": ((), '''
class Maxout(nn.Module):
    """The max over groups of k consecutive channels, C -> C/k (.arch MAXOUT)."""

    def __init__(self, k=2):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x.unflatten(1, (-1, self.k)).amax(2)
'''),
}


def helper_source(names: set[str]) -> tuple[str, set[str]]:
    """The source of the helpers `names` and of what they need, in a stable order, and the
    modules that source uses ("math", "F")."""
    wanted: set[str] = set()

    def add(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            for need in CLASSES.get(name, ((), ""))[0]:
                add(need)

    for name in names:
        add(name)
    text = "\n\n\n".join(CLASSES[n][1].strip("\n") for n in CLASSES if n in wanted)
    return text, wanted - set(CLASSES)
