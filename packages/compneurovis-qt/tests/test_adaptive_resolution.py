"""Reduced-resolution live frames in the 3-D views, and the sharp frame a still view ends on (real Qt + VTK)."""

import os
from typing import Any

import numpy as np
import pytest
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QApplication

from compneurovis.core import DisplayFrame
from compneurovis.qt import CompNeuroVisWindow
from compneurovis.qt._view3d_panel import read_pixels
from compneurovis.qt._vtk_reduction import AdaptiveResolution
from compneurovis.vtk import offscreen_render_window


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    return data.reshape(h, image.bytesPerLine())[:, :3 * w].reshape(h, w, 3).copy()


def _shown(panel) -> np.ndarray:
    """What the user sees in the 3-D panel: the label's image, or the X server's copy of the GL window."""
    if panel.offscreen:
        return _rgb(panel._image.pixmap().toImage())
    QApplication.processEvents()
    return _rgb(QApplication.primaryScreen().grabWindow(int(panel._vtk.winId())).toImage())


def _make_window(qtbot, scene, offscreen: bool) -> CompNeuroVisWindow:
    if not offscreen and QApplication.platformName() == "offscreen":
        reason = "the on-screen VTK widget needs an X server (pytest-xvfb)"
        if os.environ.get("CNV_REQUIRE_ALL") == "1":
            pytest.fail(f"CNV_REQUIRE_ALL=1: {reason}")
        pytest.skip(reason)
    win = CompNeuroVisWindow(scene, offscreen=offscreen)
    qtbot.addWidget(win)
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    win.render_due(force=True)
    return win


def _go_live(win, qtbot, frames: int = 8) -> None:
    """New colours drawn in quick succession, as from a running session."""
    rng = np.random.default_rng(1)
    for _ in range(frames):
        values = rng.uniform(-60.0, 20.0, 5).astype(np.float32)
        win.apply_updates([DisplayFrame(field_id="display", values=values)])
        win.render_due(force=True)
        qtbot.wait(10)


@pytest.mark.parametrize("offscreen", [pytest.param(False, id="on-screen", marks=pytest.mark.on_screen),
                                       pytest.param(True, id="offscreen")])
def test_still_view_ends_at_full_resolution_pixel_identical(qtbot, scene, offscreen):
    win = _make_window(qtbot, scene, offscreen)
    panel = win.views["m"].panel
    control = panel.resolution
    control.live_scale_cap = 0.5  # whatever this machine measures, live frames are reduced
    _go_live(win, qtbot)
    assert control.scale <= 0.5, control.counts
    assert sum(n for s, n in control.counts.items() if s < 1.0) >= 3
    width, height = panel.render_window.GetSize()
    assert control.region()[0] < width and control.region()[1] < height
    live = _shown(panel)
    # the picture stopped changing: the panel draws once more, sharp
    qtbot.waitUntil(lambda: control.scale == 1.0, timeout=5000)
    still, still_pixels = _shown(panel), read_pixels(panel.render_window)
    # reference: the same picture drawn now at full resolution by VTK's own path, the feature off
    win.set_adaptive_resolution(False)
    assert not win.resolution_action.isChecked()
    reference = panel.image()
    panel.render()
    # as shown (the X server's copy or the label's pixmap, both at the display's colour depth)
    assert np.array_equal(still, _shown(panel))
    assert np.array_equal(still_pixels, reference)  # as rendered
    assert not np.array_equal(live, still)  # the live frame was a stretched smaller image
    win.close()


@pytest.mark.on_screen
def test_drag_renders_are_reduced_then_refined(qtbot, scene):
    """Renders the VTK interactor makes itself (a camera drag) go through the same reduction."""
    win = _make_window(qtbot, scene, offscreen=False)
    panel = win.views["m"].panel
    control = panel.resolution
    control.live_scale_cap = 0.35
    camera = win.views["m"].renderer.renderer.GetActiveCamera()
    for _ in range(6):
        camera.Azimuth(4.0)
        panel.render_window.GetInteractor().Render()  # what vtkInteractorStyleTrackballCamera calls
        qtbot.wait(10)
    assert sum(n for s, n in control.counts.items() if s <= 0.35) >= 3
    qtbot.waitUntil(lambda: control.scale == 1.0, timeout=5000)
    still, still_pixels = _shown(panel), read_pixels(panel.render_window)
    assert np.array_equal(still_pixels, panel.image())
    panel.set_adaptive_resolution(False)  # VTK's own presentation
    assert np.array_equal(still, _shown(panel))
    win.close()


def test_switched_off_every_frame_is_full_resolution_and_screenshots_always_are(qtbot, scene):
    win = _make_window(qtbot, scene, offscreen=True)
    panel = win.views["m"].panel
    control = panel.resolution
    control.live_scale_cap = 0.5
    _go_live(win, qtbot, frames=4)
    assert control.scale < 1.0
    # a screenshot taken while live is drawn at full resolution
    shot = win.views["m"].snapshot()
    assert shot is not None and np.array_equal(shot[1], panel.image())
    win.resolution_action.setChecked(False)  # the View menu switch
    assert not win.adaptive_resolution
    before = dict(control.counts)
    _go_live(win, qtbot, frames=4)
    assert {s: n for s, n in control.counts.items() if s < 1.0} == {s: n for s, n in before.items() if s < 1.0}
    assert control.scale == 1.0
    win.close()


def test_run_app_window_option_reaches_new_views(qtbot, scene):
    win = CompNeuroVisWindow(scene, offscreen=True, adaptive_resolution=False)
    qtbot.addWidget(win)
    assert not win.views["m"].panel.resolution.enabled
    assert not win.resolution_action.isChecked()
    win.set_adaptive_resolution(True)
    assert win.views["m"].panel.resolution.enabled
    win.close()


@pytest.fixture
def make_control():
    """``make_control(**kwargs)``: an `AdaptiveResolution` on a small offscreen window, both released after the test."""
    made: list[tuple[Any, AdaptiveResolution]] = []

    def make(**kwargs: Any) -> AdaptiveResolution:
        window = offscreen_render_window((64, 48))
        made.append((window, AdaptiveResolution(window, **kwargs)))
        return made[-1][1]

    yield make
    for window, control in made:
        control.detach()
        window.Finalize()


def test_choice_follows_measured_costs(make_control):
    control = make_control(budget=0.020, levels=(1.0, 0.5, 0.25))
    assert control.choose(10.0) == 1.0  # never rendered: not live
    control._last_start = 9.95
    assert control.choose(10.0) == 1.0  # live, nothing measured: the sharpest level first
    control.record(1.0, 0.060, now=10.0)  # CPU time = wall time when not given
    assert control.choose(10.0) == 0.5  # predicted from the pixel count: 15 ms fits
    control.record(0.5, 0.058, now=10.0)
    assert control.choose(10.0) == 0.25  # 0.5 measured too slow; 0.25 predicted 14.5 ms
    control.record(0.25, 0.055, now=10.0)
    # nothing fits and reducing buys nothing: stay sharp
    assert control.choose(10.0) == 1.0
    # reducing saves CPU time though the (loaded) wall clock says otherwise: reduce
    control.record(0.25, 0.070, cpu=0.020, now=10.0)
    assert control.cost(0.25, cpu=True) < 0.050
    assert control.choose(10.0) == 0.25
    control.record(0.25, 0.055, cpu=0.200, now=10.0)
    for _ in range(5):  # a few fast renders at 0.5: the median of the latest is fast
        control.record(0.5, 0.010, now=10.0)
    assert control.cost(0.5) < 0.020
    assert control.choose(10.0) == 0.5
    assert control.choose(30.0) == 1.0  # long after the last render: still, full resolution
    with control.full_resolution():
        assert control.choose(10.0) == 1.0
    control.enabled = False
    assert control.choose(10.0) == 1.0


def test_one_slow_render_does_not_reduce_and_an_expired_full_level_is_measured_again(make_control):
    control = make_control(budget=0.020, levels=(1.0, 0.5), memory=5.0)
    control._last_start = 9.95
    for _ in range(4):
        control.record(1.0, 0.012, now=10.0)
    control.record(1.0, 0.045, now=10.0)  # a render the scheduler delayed
    assert control.choose(10.0) == 1.0  # the median of the latest renders still fits
    for _ in range(5):
        control.record(1.0, 0.030, now=10.0)  # now every render is too slow
    assert control.choose(10.0) == 0.5
    # at 0.5 the view costs about as much: the cost is not in the pixels, so the pixel-count
    # prediction for 1.0 (4 x 11 ms) is wrong; once 1.0's renders are 5 s old, it is measured again
    control.record(0.5, 0.011, now=12.0)
    control._last_start = 15.95
    control.record(0.5, 0.011, now=15.9)
    assert control.choose(16.0) == 1.0
    control.record(1.0, 0.012, now=16.0)
    assert control.choose(16.0) == 1.0  # and it fits again


def test_a_full_level_far_over_the_budget_is_not_measured_again(make_control):
    control = make_control(budget=0.020, levels=(1.0, 0.5), memory=5.0)
    control._last_start = 9.95
    control.record(1.0, 0.090, now=10.0)  # a big network: 4.5 budgets at full resolution
    control.record(0.5, 0.018, now=10.0)
    control._last_start = 15.95
    control.record(0.5, 0.018, now=15.9)
    assert control.choose(16.0) == 0.5  # 1.0 expired, but a 90 ms probe would stall the window
