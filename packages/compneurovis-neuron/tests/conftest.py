"""Test setup: shared test models importable here and in spawned workers; no leaked sections."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)  # spawned workers inherit sys.path

REQUIRE_ALL = os.environ.get("CNV_REQUIRE_ALL") == "1"


def require(module: str):
    """Import an optional test dependency; skip without it, fail when CNV_REQUIRE_ALL=1."""
    try:
        return __import__(module)
    except ImportError as exc:
        if REQUIRE_ALL:
            pytest.fail(f"{module} is required when CNV_REQUIRE_ALL=1: {exc}")
        pytest.skip(f"{module} not installed")


@pytest.fixture(autouse=True)
def no_leaked_sections():
    """Every test leaves NEURON with the sections it found."""
    from neuron import h

    before = len(list(h.allsec()))
    yield
    after = len(list(h.allsec()))
    assert after == before, f"test leaked {after - before} NEURON section(s)"
