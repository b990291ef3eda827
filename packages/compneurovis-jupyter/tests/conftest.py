"""Fixtures for compneurovis-jupyter: no thread or child process may outlive a test."""

from __future__ import annotations

import threading
import time

import psutil
import pytest


@pytest.fixture(autouse=True)
def no_leaks():
    threads = set(threading.enumerate())
    yield
    from compneurovis.jupyter import close_all

    close_all()
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t not in threads and t.name.startswith("compneurovis")]
        kids = [p for p in psutil.Process().children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())]
        if not extra and not kids:
            return
        time.sleep(0.1)
    raise AssertionError(f"left behind: threads {extra}, processes {kids}")
