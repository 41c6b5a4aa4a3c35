"""Tests of the bridge to PyTorch and ONNX (export and import), with torch and onnxruntime as
independent oracles. They skip (visibly, through pytest.importorskip) where an extra is not
installed; CI installs the extras and sets ARCHCALC_REQUIRE_EXTRAS=1, which turns a missing
torch, onnx or onnxruntime into an error instead of a skip. Heavier runs are marked
`@pytest.mark.slow` and deselected unless a -m expression names them."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable

import numpy as np
import pytest

EXTRAS = ("torch", "onnx", "onnxruntime")


@pytest.fixture
def hide_onnx(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make the onnx package unimportable for the bridge (whose imports of the
    extras go through archcalc.bridge.extras) for the rest of the test."""
    real = importlib.import_module

    def without_onnx(name: str, *args: object) -> object:
        if name.split(".")[0] == "onnx":
            raise ImportError(name)
        return real(name, *args)  # type: ignore[arg-type]

    return lambda: monkeypatch.setattr("archcalc.bridge.extras.importlib.import_module",
                                       without_onnx)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long runs (the large specs); deselected unless "
                                       "-m slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run without the extras under ARCHCALC_REQUIRE_EXTRAS; deselect the slow
    tests of this directory unless a -m expression names them."""
    if os.environ.get("ARCHCALC_REQUIRE_EXTRAS"):
        missing = [name for name in EXTRAS if importlib.util.find_spec(name) is None]
        if missing:
            raise pytest.UsageError("ARCHCALC_REQUIRE_EXTRAS is set but "
                                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'}"
                                    " not installed")
    if "slow" in (config.getoption("markexpr") or ""):
        return
    here = os.path.dirname(__file__)
    slow = [item for item in items if item.get_closest_marker("slow")
            and str(item.fspath).startswith(here)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        dropped = {id(item) for item in slow}
        items[:] = [item for item in items if id(item) not in dropped]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def exported():
    """Build a graph's exported PyTorch source: `exported(graph)` → (the network's nn.Module
    class, the source's namespace: INPUT_SIZE, the helper classes)."""
    torch = pytest.importorskip("torch")
    from archcalc.bridge.torch_export import export_torch

    def build(graph):  # type: ignore[no-untyped-def]
        namespace = {"__name__": "exported"}
        exec(compile(export_torch(graph), f"<export of {graph.network}>", "exec"), namespace)
        classes = [v for v in namespace.values() if isinstance(v, type)
                   and issubclass(v, torch.nn.Module) and v.__module__ == "exported"]
        return classes[-1], namespace  # the network's class is the last one written

    return build


# ---- import tests (test_import_*.py, test_assert_matches.py) ------------------------------


@pytest.fixture(scope="session")
def zoo_models():  # type: ignore[no-untyped-def]
    """tests/torch/zoo_models.py: plain-torch references of six torchvision models."""
    pytest.importorskip("torch")
    import importlib.util
    import sys
    from pathlib import Path

    if "zoo_models" not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "torch" / "zoo_models.py"
        spec = importlib.util.spec_from_file_location("zoo_models", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["zoo_models"] = module
        spec.loader.exec_module(module)
    return sys.modules["zoo_models"]


@pytest.fixture(scope="session")
def torch_figures():  # type: ignore[no-untyped-def]
    """`torch_figures(model, (H, W, C))` → torch's own figures of one image, eval mode: params
    (numel), buffers (BN running mean and variance), MACs (FlopCounterMode's count, 2·MACs of
    the conv and matmul products), each module's output shapes in call order (H×W×C, or a
    vector's length; under "last" as channels-last N×H×W×C would be) and the output's. A model
    built on the meta device is measured without computing (shapes and counts only)."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    def hwc(shape):  # type: ignore[no-untyped-def]
        return (shape[2], shape[3], shape[1]) if len(shape) == 4 else tuple(shape[1:])

    def measure(model, shape):  # type: ignore[no-untyped-def]
        model.eval()
        shapes: dict[str, list[tuple[int, ...]]] = {}
        last: dict[str, list[tuple[int, ...]]] = {}

        def hook(key, out):  # type: ignore[no-untyped-def]
            shapes.setdefault(key, []).append(hwc(out.shape))
            last.setdefault(key, []).append(tuple(out.shape[1:]))

        hooks = [m.register_forward_hook(lambda _m, _i, out, key=key: hook(key, out))
                 for key, m in model.named_modules() if key]
        size = (1, shape[2], shape[0], shape[1]) if len(shape) == 3 else (1, shape[0])
        device = next(model.parameters()).device
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            out = model(torch.zeros(size, device=device))
        for hook in hooks:
            hook.remove()
        buffers = sum(b.numel() for name, b in model.named_buffers()
                      if name.endswith(("running_mean", "running_var")))
        flops = counter.get_total_flops()
        assert flops % 2 == 0
        return {"params": sum(p.numel() for p in model.parameters()), "buffers": buffers,
                "macs": flops // 2, "shapes": shapes, "last": last, "output": hwc(out.shape)}

    return measure
