"""Test setup: the shared test models are importable here and in spawned workers."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)  # spawned workers inherit sys.path


def pytest_configure(config):
    pass
