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
