"""Tests with PyTorch as an independent oracle. They skip (visibly) where torch is not
installed; CI installs it and sets ARCHCALC_REQUIRE_EXTRAS=1, which turns a missing torch into
an error instead of a skip."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("ARCHCALC_REQUIRE_EXTRAS") and importlib.util.find_spec("torch") is None:
        raise pytest.UsageError("ARCHCALC_REQUIRE_EXTRAS is set but torch is not installed")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
