"""Benchmark of the reference executor: VGG-16's convolutions at batch 1 against NumPy's own
float32 matmul, the whole VGG-16 forward + backward, and PyTorch (CPU) when it is installed.

    python bench/executor.py [--repeat 5] [--quick] [--env both|default|haswell]

Not run by the tests. Targets (issue 12, target 4): VGG-16 forward + backward at batch 1
≤ 1.0× PyTorch on the CPU, in the user's default BLAS environment and with the
OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 that some machines set; the deep layers (28²
and 14²) ≥ 85 % of the same run's matmul GFLOP/s. `--env both` (the default) runs this script
twice in child processes, once in the environment as found and once with those two variables
added — this process never changes its own BLAS variables; each child prints both sides of
every ratio from its own run. Times are medians of `--repeat` runs after a warm-up, each block
after the quiet-machine guard of bench/verify.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from archcalc.executor import conv
from archcalc.executor.gemm import MacCounter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify import machine_note, wait_quiet  # bench/verify.py

ROOT = Path(__file__).resolve().parents[1]
# VGG-16's 13 convolutions (3×3, stride 1, p=1): input H = W, C_in, K (Simonyan & Zisserman)
VGG16 = [(224, 3, 64), (224, 64, 64), (112, 64, 128), (112, 128, 128), (56, 128, 256),
         (56, 256, 256), (56, 256, 256), (28, 256, 512), (28, 512, 512), (28, 512, 512),
         (14, 512, 512), (14, 512, 512), (14, 512, 512)]
PAD = ((1, 1), (1, 1))
HASWELL = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
DEEP = 28  # layers at 28² and below are the "deep" ones of the target
BUSY: list[float] = []  # other processes' CPU share before each measured block
PATIENCE = [30.0]  # seconds the guard waits for a quiet machine (--patience)


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` runs after one warm-up, in seconds (after the quiet guard)."""
    BUSY.append(wait_quiet(patience=PATIENCE[0]))
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    return 2 * n**3 / median_time(lambda: a @ b, repeat) / 1e9


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
    return (median_time(forward, repeat), median_time(both, repeat),
            median_time(lambda: cols @ wmat, repeat))


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

    return median_time(forward, repeat), median_time(both, repeat)


def vgg16_numpy(repeat: int) -> float:
    """One training step of specs/vgg16.arch (weights drawn once, outside the timing, as for
    torch): forward, softmax cross-entropy, backward, with the run's bookkeeping."""
    import archcalc
    from archcalc.executor.network import Options, run

    graph = archcalc.build_graph(ROOT / "specs" / "vgg16.arch")
    _, net = run(graph, Options(batch=1))  # draws the weights
    return median_time(lambda: run(graph, Options(batch=1), net=net), repeat)


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

    return median_time(step, repeat)


def layers(repeat: int, peak: float) -> None:
    """One line per VGG-16 convolution: GFLOP/s and % of the matmul peak, torch beside."""
    header = (f"{'layer':>18} {'GMAC':>6} {'fwd ms':>8} {'GF/s':>6} {'%mm':>5} {'f+b ms':>8} "
              f"{'GF/s':>6} {'%mm':>5} {'same-shape mm GF/s':>19}")
    torch_cols = f" {'torch f ms':>10} {'torch f+b ms':>12} {'ratio f+b':>9}"
    have_torch = torch_layer(14, 8, 8, 1) is not None
    print(header + (torch_cols if have_torch else ""))
    deep = []
    for h, c, k in VGG16:
        macs = h * h * 9 * c * k
        fwd, both, mm = conv_layer(h, c, k, repeat)
        share = 100 * 6 * macs / both / 1e9 / peak
        if h <= DEEP:
            deep.append(share)
        line = (f"{f'{h}x{h}x{c}->{k}':>18} {macs / 1e9:6.3f} {fwd * 1e3:8.2f} "
                f"{2 * macs / fwd / 1e9:6.1f} {100 * 2 * macs / fwd / 1e9 / peak:4.0f}% "
                f"{both * 1e3:8.2f} {6 * macs / both / 1e9:6.1f} "
                f"{share:4.0f}% {2 * macs / mm / 1e9:19.1f}")
        if have_torch:
            tf, tb = torch_layer(h, c, k, repeat)  # type: ignore[misc]
            line += f" {tf * 1e3:10.2f} {tb * 1e3:12.2f} {both / tb:8.2f}×"
        print(line)
    print(f"deep layers (≤ {DEEP}²), forward + backward: {min(deep):.0f}–{max(deep):.0f} % of "
          f"the matmul peak (target ≥ 85 %: {'met' if min(deep) >= 85 else 'MISSED'})")


def whole(repeat: int) -> None:
    ours = vgg16_numpy(repeat)
    print(f"\nVGG-16 forward + backward, batch 1 (archcalc executor): {ours:.3f} s")
    theirs = vgg16_torch(repeat)
    if theirs is None:
        print("torch is not installed: no comparison")
        return
    import torch

    ratio = ours / theirs
    print(f"VGG-16 forward + backward, batch 1 (torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads): {theirs:.3f} s → ratio {ratio:.2f}× "
          f"(target ≤ 1.0: {'met' if ratio <= 1 else 'MISSED'})")


def children(argv: list[str]) -> None:
    """This script again in the environment as found, then with the Haswell variables."""
    for name, extra in (("default", {}), ("haswell", HASWELL)):
        print(f"==== {name} environment {' '.join(f'{k}={v}' for k, v in extra.items())}",
              flush=True)
        subprocess.run([sys.executable, __file__, *argv, "--env", name],
                       env={**os.environ, **extra}, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 repeats, no whole network")
    parser.add_argument("--env", choices=("both", "default", "haswell"), default="both",
                        help="both: run twice, as found and with " + " ".join(HASWELL))
    parser.add_argument("--patience", type=float, default=30.0,
                        help="seconds to wait for a quiet machine before each block")
    args = parser.parse_args()
    PATIENCE[0] = args.patience
    if args.env == "both":
        children(sys.argv[1:])  # the last --env wins
        return
    repeat = 2 if args.quick else args.repeat
    environment()
    peak = matmul_gflops(repeat)
    print(f"NumPy float32 matmul 2048³: {peak:.1f} GFLOP/s (median)\n")
    layers(repeat, peak)
    if not args.quick:
        whole(max(3, repeat))
    print(machine_note(BUSY))


if __name__ == "__main__":
    main()
