"""Fixtures of the executor tests: a seeded generator and a fresh MAC counter."""

import numpy as np
import pytest

from archcalc.executor.gemm import MacCounter


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def counter() -> MacCounter:
    return MacCounter()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long runs (more hypothesis examples, the large "
                                       "specs); deselected unless -m slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the slow tests unless a -m expression names them."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
