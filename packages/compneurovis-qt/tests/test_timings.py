"""The timings display (F2): off by default, toggled by F2, and its numbers are right."""

import time

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from compneurovis.core import DisplayFrame, KeyPressed
from compneurovis.qt import CompNeuroVisWindow
from compneurovis.qt._timings import TimingStats


def _status(window: CompNeuroVisWindow) -> str:
    return window._status_label.text()


def _frame(sim_time: float, produced_at: float | None) -> DisplayFrame:
    return DisplayFrame(field_id="display", values=np.full(5, sim_time, np.float32), sim_time=sim_time,
                        produced_at=produced_at)


def test_off_by_default_and_f2_toggles(window, sent, qtbot):
    window.apply_updates([_frame(1.0, time.monotonic())])
    window.render_due(force=True)
    assert not window.show_timings
    assert "ms/s" not in _status(window)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.show_timings
    assert "ms/s" in _status(window) and "latency" in _status(window)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert not window.show_timings
    assert "ms/s" not in _status(window)
    assert not any(isinstance(c, KeyPressed) and c.key == "F2" for c in sent)  # F2 stays in the window


def test_show_timings_argument(qtbot, scene):
    win = CompNeuroVisWindow(scene, show_timings=True)
    qtbot.addWidget(win)
    assert "ms/s" in _status(win)


def test_latency_is_produced_at_to_end_of_draw(window):
    window.timings.reset()
    produced = time.monotonic() - 0.25
    window.apply_updates([_frame(5.0, produced)])
    before = time.monotonic()
    assert "m" in window.render_due(force=True)
    after = time.monotonic()
    assert len(window.timings.latencies) == 1  # the 3-D view's draw, not the trace plot's
    latency = window.timings.latencies[0]
    assert before - produced <= latency <= after - produced
    # a draw without a new frame (e.g. a camera move) adds no latency sample
    window.mark_dirty("m")
    window.render_due(force=True)
    assert len(window.timings.latencies) == 1


def test_superseded_frames_count_once_with_the_newest_produced_at(window):
    window.timings.reset()
    now = time.monotonic()
    window.apply_updates([_frame(1.0, now - 0.5), _frame(2.0, now - 0.1)])
    before = time.monotonic()
    window.render_due(force=True)
    after = time.monotonic()
    [latency] = window.timings.latencies  # one sample, from the newer frame's produced_at
    assert before - (now - 0.1) <= latency <= after - (now - 0.1)


def test_window_records_sim_time_arrivals(window):
    window.timings.reset()
    for k in range(3):
        window.apply_updates([_frame(float(k), None)])
    assert [s for _, s in window.timings._arrivals] == [0.0, 1.0, 2.0]
    assert not window.timings.latencies  # nothing drawn yet


def test_stats_numbers():
    stats = TimingStats(window_seconds=2.0)
    assert stats.sim_rate() is None and stats.latency() is None
    for k in range(11):  # 0.5 s apart, 20 ms of simulation each: 40 ms/s
        stats.on_sim_time(20.0 * k, now=100.0 + 0.5 * k)
    assert stats.sim_rate() == pytest.approx(40.0)
    assert len(stats._arrivals) == 5  # only the last 2 s count
    stats.on_sim_time(0.0, now=106.0)  # a reset starts over
    assert stats.sim_rate() is None
    stats.on_sim_time(10.0, now=107.0)
    assert stats.sim_rate() == pytest.approx(10.0)
    for k in range(1, 101):  # latencies 1..100 ms
        stats.on_frame_shown(produced_at=50.0, now=50.0 + k / 1000)
    median, p95 = stats.latency()
    assert median == pytest.approx(0.0505)
    assert p95 == pytest.approx(0.09505)
    assert stats.text() == "sim 10.0 ms/s   latency 50 ms (p95 95 ms)"
