"""Shared fixtures for compneurovis-qt tests (real Qt widgets and VTK).

The tests run under Xvfb when pytest-xvfb finds it (or on a real display), and
on Qt's ``offscreen`` platform when there is no X server: then each 3-D panel
draws through an offscreen VTK window (``compneurovis.qt._offscreen_view``).
``QT_QPA_PLATFORM=offscreen`` forces the latter even with a display.

Every test must leave no window, no running timer and no pending single-shot
timer behind (checked at teardown, as napari does for leaked widgets).
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import traceback
from pathlib import Path

import pytest

# Sessions run in spawned workers must be importable there: spawn passes sys.path on.
HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.hookimpl(trylast=True)  # after pytest-xvfb's, which sets DISPLAY when it starts Xvfb
def pytest_configure(config: pytest.Config) -> None:
    """Use Qt's offscreen platform when no X server is there (pytest-xvfb found no Xvfb, or ``-p no:xvfb``)."""
    config.addinivalue_line("filterwarnings", "ignore:.*sipPyTypeDict.*:DeprecationWarning")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# ------------------------------------------------------------------ leak checks

#: Single-shot timers started through ``QTimer.singleShot`` that have not fired yet.
_pending_single_shots: dict[int, tuple[int, str, object]] = {}
#: Those reported as leaked: they can not be stopped, so they do nothing when they fire.
_disarmed: set[int] = set()


def _track_single_shots() -> None:
    """Wrap ``QTimer.singleShot`` so a test can tell which of its single-shot timers are still pending.

    The wrapped slot still runs on Qt's timer; one whose receiver object was deleted is skipped,
    as Qt skips it for a bound slot.
    """
    from PyQt6 import sip
    from PyQt6.QtCore import QObject, QTimer

    original = QTimer.singleShot
    if getattr(original, "_cnv_tracked", False):
        return
    counter = iter(range(1 << 62))

    @functools.wraps(original)
    def single_shot(msec, *args):
        *head, slot = args
        if not callable(slot):  # a signal or another overload: leave it alone
            return original(msec, *args)
        receiver = getattr(slot, "__self__", None)
        receiver = receiver if isinstance(receiver, QObject) else None
        key = next(counter)
        where = traceback.format_stack(limit=2)[0].strip()
        _pending_single_shots[key] = (msec, where, receiver)

        def fire():
            _pending_single_shots.pop(key, None)
            if key in _disarmed:
                return
            if receiver is None or not sip.isdeleted(receiver):
                slot()

        return original(msec, *head, fire)

    single_shot._cnv_tracked = True
    QTimer.singleShot = single_shot


def _address(obj) -> int:
    from PyQt6 import sip

    return int(sip.unwrapinstance(obj))


def _active_timers() -> dict[int, object]:
    """Running QTimer objects that Python holds (each ``QTimer()`` made from Python code)."""
    from PyQt6 import sip
    from PyQt6.QtCore import QTimer

    return {_address(t): t for t in gc.get_objects()
            if isinstance(t, QTimer) and not sip.isdeleted(t) and t.isActive()}


def _settle(app) -> None:
    """Run posted events, deferred deletions included, a few times."""
    from PyQt6.QtCore import QCoreApplication, QEvent

    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    gc.collect()


@pytest.fixture(autouse=True)
def no_leaked_qt_objects():
    """Fail a test that leaves a top-level window, a running QTimer or a pending single-shot timer.

    Use ``qtbot.addWidget`` (or close and ``deleteLater`` yourself) for windows, and stop the
    timers you start (a single-shot one in a ``finally``) before the test ends.
    """
    from PyQt6.QtWidgets import QApplication

    _track_single_shots()
    app = QApplication.instance()
    widgets_before = {_address(w) for w in app.topLevelWidgets()} if app is not None else set()
    timers_before = set(_active_timers())
    _pending_single_shots.clear()
    yield
    app = QApplication.instance()
    if app is None:
        return
    _settle(app)
    problems = []
    for widget in app.topLevelWidgets():
        if _address(widget) not in widgets_before and widget.isVisible():
            problems.append(f"visible top-level widget {type(widget).__name__} {widget.windowTitle()!r}")
            widget.close()
    from compneurovis.qt import CompNeuroVisWindow

    for widget in app.topLevelWidgets():
        if _address(widget) not in widgets_before and isinstance(widget, CompNeuroVisWindow):
            problems.append(f"CompNeuroVisWindow {widget.windowTitle()!r} not deleted")
    for address, timer in _active_timers().items():
        if address not in timers_before:
            problems.append(f"running QTimer (interval {timer.interval()} ms, parent {timer.parent()!r})")
            timer.stop()
    from PyQt6 import sip

    for key, (msec, where, receiver) in list(_pending_single_shots.items()):
        if receiver is None or not sip.isdeleted(receiver):
            problems.append(f"pending QTimer.singleShot({msec}) from\n{where}")
        _disarmed.add(key)
    _pending_single_shots.clear()
    assert not problems, "the test left behind: " + "; ".join(problems)


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
