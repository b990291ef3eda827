"""Frame pacing: slow draws stretch a view's interval; one step draws only what fits its budget."""

from __future__ import annotations

import time

import numpy as np
import pytest

from compneurovis.core import DisplayFrame, FieldAppend
from compneurovis.qt._pacing import FramePacer


def test_pacer_costs_intervals_and_budget():
    pacer = FramePacer(budget=0.030, max_busy=0.5, smoothing=0.5)
    assert pacer.cost("m") == 0.0 and pacer.fits("m", 0.02)
    pacer.record("m", 0.010)
    pacer.record("m", 0.020)
    assert pacer.cost("m") == pytest.approx(0.015)
    pacer.record("t", 0.002)
    pacer.record("t", 0.008, "paint")
    assert pacer.cost("t") == pytest.approx(0.010) and pacer.cost("t", "paint") == pytest.approx(0.008)
    assert pacer.interval("m", 1 / 30) == pytest.approx(1 / 30)  # cheap enough: the cap rules
    pacer.record("m", 0.080)  # slow draws: at most half the wall time goes to this view
    assert pacer.interval("m", 1 / 30) == pytest.approx(pacer.cost("m") / 0.5)
    assert pacer.fits("m", 0.0)  # the first view of a step always draws
    assert not pacer.fits("m", 0.010)
    pacer.forget(["m"])
    assert pacer.cost("m") == 0.0 and pacer.cost("t") > 0.0


def _dirty_both(window, k: int) -> None:
    window.apply_updates([
        DisplayFrame(field_id="display", values=np.full(5, float(k), np.float32)),
        FieldAppend(field_id="history", append_dim="time", values=np.full((1, 1), float(k), np.float32),
                    coord_values=np.array([0.3 + k])),
    ])


def test_views_that_do_not_fit_one_step_alternate(window):
    window.pacer.forget()  # the fixture's real draws were measured already
    window.pacer.budget = 0.009
    window.pacer.smoothing = 0.0  # keep the costs below, whatever the real draws take here
    window.pacer.record("m", 0.008)  # together over the budget, each one under it
    window.pacer.record("t", 0.009, "paint")
    base = time.monotonic() + 10.0
    steps = []
    for k in range(6):
        _dirty_both(window, k)
        steps.append(window.render_due(now=base + k * 0.1))
    assert all(len(drawn) == 1 for drawn in steps)
    assert {"m", "t"} == {drawn[0] for drawn in steps[:2]}  # the one left waiting goes next
    assert sum(drawn == ["m"] for drawn in steps) == 3


def test_views_that_fit_draw_in_one_step_at_their_cap(window):
    window.pacer.budget, window.pacer.max_busy = 10.0, 100.0  # however slow this machine draws
    base = time.monotonic() + 10.0
    _dirty_both(window, 0)
    window.render_due(now=base, force=True)
    drawn = []
    for k in range(1, 61):  # 0.5 s of 8 ms ticks at the default 30 Hz cap
        _dirty_both(window, k)
        drawn += window.render_due(now=base + k * 0.008)
    # the phase is kept: ticks that land late do not cut the rate to 25/s
    assert drawn.count("m") == 14 and drawn.count("t") == 14


def test_plot_paints_count_in_its_cost(window, qtbot):
    plot = window.views["t"].plot
    window.pacer.forget()
    _dirty_both(window, 1)
    window.render_due(force=True)
    qtbot.waitUntil(lambda: window.pacer.cost("t", "paint") > 0.0, timeout=2000)
    assert plot.isVisible()
