"""Shared fixtures for compneurovis-qt tests (real Qt widgets and VTK under Xvfb)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Sessions run in spawned workers must be importable there: spawn passes sys.path on.
HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore:.*sipPyTypeDict.*:DeprecationWarning")


@pytest.fixture
def scene():
    from cnv_qt_scenes import make_scene

    return make_scene()


@pytest.fixture
def sent() -> list:
    return []


@pytest.fixture
def window(qtbot, scene, sent):
    from compneurovis.qt import CompNeuroVisWindow

    win = CompNeuroVisWindow(scene, send=sent.append)
    qtbot.addWidget(win)
    win.resize(1000, 650)
    win.show()
    qtbot.waitExposed(win)
    win.render_due(force=True)
    return win
