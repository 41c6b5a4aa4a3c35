"""Benchmark of the reference executor: VGG-16's convolutions at batch 1 against NumPy's own
float32 matmul, the whole VGG-16 forward + backward, and PyTorch (CPU) when it is installed.

    python bench/executor.py [--repeat 5] [--quick]

Not run by the tests. It never changes the BLAS threading: the OPENBLAS_* variables and the
threadpoolctl report are printed as found. Targets (issue 4): deep conv layers ≥ 80 % of the
matmul GFLOP/s; VGG-16 forward + backward at batch 1 within 1.5× of PyTorch on the CPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from archcalc.executor import conv
from archcalc.executor.gemm import MacCounter

ROOT = Path(__file__).resolve().parents[1]
# VGG-16's 13 convolutions (3×3, stride 1, p=1): input H = W, C_in, K (Simonyan & Zisserman)
VGG16 = [(224, 3, 64), (224, 64, 64), (112, 64, 128), (112, 128, 128), (56, 128, 256),
         (56, 256, 256), (56, 256, 256), (28, 256, 512), (28, 512, 512), (28, 512, 512),
         (14, 512, 512), (14, 512, 512), (14, 512, 512)]
PAD = ((1, 1), (1, 1))


def best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs after one warm-up, in seconds."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def environment() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs ({platform.machine()})")
    blas = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    print("threading variables:", blas or "none set")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            print(f"  {pool.get('user_api')}: {pool.get('internal_api')} "
                  f"{pool.get('version')} kernel {pool.get('architecture')}, "
                  f"{pool.get('num_threads')} threads ({Path(pool.get('filepath', '')).name})")
    except ImportError:
        print("  (threadpoolctl not installed: pip install -e '.[bench]')")


def matmul_gflops(repeat: int, n: int = 2048) -> float:
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    return 2 * n**3 / best(lambda: a @ b, repeat) / 1e9


def conv_layer(h: int, c: int, k: int, repeat: int) -> tuple[float, float, float]:
    """(forward s, forward + backward s, same-shape matmul s) of one 3×3 p=1 layer."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, h, h, c), dtype=np.float32)
    weights = {"w": rng.standard_normal((3, 3, c, k), dtype=np.float32),
               "b": np.zeros(k, np.float32)}
    dout = rng.standard_normal((1, h, h, k), dtype=np.float32)
    counter = MacCounter()

    def forward() -> object:
        return conv.conv_forward(x, weights, counter=counter, padding=PAD)

    def both() -> object:
        _, cache = forward()
        return conv.conv_backward(dout, cache, counter)

    cols = rng.standard_normal((h * h, 9 * c), dtype=np.float32)
    wmat = weights["w"].reshape(9 * c, k)
    return best(forward, repeat), best(both, repeat), best(lambda: cols @ wmat, repeat)


def torch_layer(h: int, c: int, k: int, repeat: int) -> tuple[float, float] | None:
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    x = torch.randn(1, c, h, h, requires_grad=True)
    w = torch.randn(k, c, 3, 3, requires_grad=True)
    b = torch.zeros(k, requires_grad=True)
    dout = torch.randn(1, k, h, h)

    def forward() -> object:
        with torch.no_grad():
            return F.conv2d(x, w, b, padding=1)

    def both() -> object:
        out = F.conv2d(x, w, b, padding=1)
        out.backward(dout)
        return out

    return best(forward, repeat), best(both, repeat)


def vgg16_numpy(repeat: int) -> float:
    """One training step of specs/vgg16.arch (weights drawn once, outside the timing, as for
    torch): forward, softmax cross-entropy, backward, with the run's bookkeeping."""
    import archcalc
    from archcalc.executor.network import Options, run

    graph = archcalc.build_graph(ROOT / "specs" / "vgg16.arch")
    _, net = run(graph, Options(batch=1))  # draws the weights
    return best(lambda: run(graph, Options(batch=1), net=net), repeat)


def vgg16_torch(repeat: int) -> float | None:
    """The same network in torch.nn.functional: 13 convs + ReLU, 5 max pools, 3 FC, dropout,
    softmax cross-entropy; forward + backward of every parameter and the input."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    gen = torch.Generator().manual_seed(0)
    convs = [(torch.randn(k, c, 3, 3, generator=gen) * (2 / (9 * c)) ** 0.5,
              torch.zeros(k)) for _, c, k in VGG16]
    fcs = [(torch.randn(o, i, generator=gen) * (2 / i) ** 0.5, torch.zeros(o))
           for i, o in ((7 * 7 * 512, 4096), (4096, 4096), (4096, 1000))]
    params = [t for pair in convs + fcs for t in pair]
    for t in params:
        t.requires_grad_(True)
    x = torch.randn(1, 3, 224, 224, generator=gen, requires_grad=True)
    label = torch.tensor([3])
    pools_after = {1, 3, 6, 9, 12}

    def step() -> object:
        y = x
        for i, (w, b) in enumerate(convs):
            y = F.relu(F.conv2d(y, w, b, padding=1), inplace=True)
            if i in pools_after:
                y = F.max_pool2d(y, 2)
        y = y.permute(0, 2, 3, 1).reshape(1, -1)  # H, W, C order, as archcalc flattens
        for j, (w, b) in enumerate(fcs):
            y = F.linear(y, w, b)
            if j < 2:
                # not inplace=True: autograd refuses it after an in-place ReLU
                y = F.dropout(F.relu(y, inplace=True), 0.5, training=True)
        loss = F.cross_entropy(y, label)
        loss.backward()
        return loss

    return best(step, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 repeats, no whole network")
    args = parser.parse_args()
    repeat = 2 if args.quick else args.repeat
    environment()
    peak = matmul_gflops(repeat)
    print(f"NumPy float32 matmul 2048³: {peak:.1f} GFLOP/s\n")
    header = (f"{'layer':>18} {'GMAC':>6} {'fwd ms':>8} {'GF/s':>6} {'%mm':>5} {'f+b ms':>8} "
              f"{'GF/s':>6} {'%mm':>5} {'same-shape mm GF/s':>19}")
    torch_cols = f" {'torch f ms':>10} {'torch f+b ms':>12} {'ratio f+b':>9}"
    have_torch = torch_layer(14, 8, 8, 1) is not None
    print(header + (torch_cols if have_torch else ""))
    for h, c, k in VGG16:
        macs = h * h * 9 * c * k
        fwd, both, mm = conv_layer(h, c, k, repeat)
        line = (f"{f'{h}x{h}x{c}->{k}':>18} {macs / 1e9:6.3f} {fwd * 1e3:8.2f} "
                f"{2 * macs / fwd / 1e9:6.1f} {100 * 2 * macs / fwd / 1e9 / peak:4.0f}% "
                f"{both * 1e3:8.2f} {6 * macs / both / 1e9:6.1f} "
                f"{100 * 6 * macs / both / 1e9 / peak:4.0f}% {2 * macs / mm / 1e9:19.1f}")
        if have_torch:
            tf, tb = torch_layer(h, c, k, repeat)  # type: ignore[misc]
            line += f" {tf * 1e3:10.2f} {tb * 1e3:12.2f} {both / tb:8.2f}×"
        print(line)
    if args.quick:
        return
    ours = vgg16_numpy(max(2, repeat // 2))
    print(f"\nVGG-16 forward + backward, batch 1 (archcalc executor): {ours:.3f} s")
    theirs = vgg16_torch(max(2, repeat // 2))
    if theirs is not None:
        import torch

        print(f"VGG-16 forward + backward, batch 1 (torch {torch.__version__}, "
              f"{torch.get_num_threads()} threads): {theirs:.3f} s → ratio {ours / theirs:.2f}×")
    else:
        print("torch is not installed: no comparison")


if __name__ == "__main__":
    main()
