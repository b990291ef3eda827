import time

import numpy as np
import pytest
from cnv_qt_scenes import make_scene
from PyQt6.QtCore import Qt

from compneurovis.core import (
    DisplayFrame,
    Error,
    FieldAppend,
    InvokeAction,
    KeyPressed,
    LayoutReplace,
    LayoutSpec,
    PanelPatch,
    ScenePatch,
    SceneReady,
    SetControl,
    StatePatch,
    Status,
)
from compneurovis.qt import CompNeuroVisWindow
from compneurovis.qt._controls_panel import ControlsPanel


def _controls(window) -> ControlsPanel:
    return next(p for p in window.panels.values() if isinstance(p, ControlsPanel))


def test_shortcut_sends_its_action(window, sent, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert InvokeAction(action_id="kick") in sent


def test_other_keys_are_sent_as_key_pressed(window, sent, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_J)
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert KeyPressed(key="J") in sent
    assert KeyPressed(key="Shift+Left") in sent


def test_action_button_sends_its_action(window, sent, qtbot):
    qtbot.mouseClick(_controls(window).buttons["reset"], Qt.MouseButton.LeftButton)
    assert sent[-1] == InvokeAction(action_id="reset")


def test_slider_sends_set_control_within_bounds(window, sent):
    slider = _controls(window).controls["gain"].widget
    slider.setValue(1.5)
    assert sent[-1] == SetControl(control_id="gain", value=pytest.approx(1.5))
    slider.setValue(7.0)  # beyond max: clamped by the widget and the panel
    assert isinstance(sent[-1], SetControl) and 0.0 <= sent[-1].value <= 2.0


def test_each_value_spec_gets_its_widget(window, sent):
    from PyQt6.QtWidgets import QCheckBox, QComboBox, QSpinBox

    from compneurovis.qt._xy_pad import XYPad

    controls = _controls(window).controls
    assert isinstance(controls["count"].widget, QSpinBox)
    assert isinstance(controls["mode"].widget, QComboBox)
    assert isinstance(controls["on"].widget, QCheckBox)
    assert isinstance(controls["pos"].widget, XYPad)
    controls["count"].widget.setValue(5)
    controls["mode"].widget.setCurrentText("b")
    controls["on"].widget.setChecked(False)
    controls["pos"].widget.setValue((0.5, -0.25))
    controls["rate"].widget.setValue(10.0)
    assert SetControl(control_id="count", value=5) in sent
    assert SetControl(control_id="mode", value="b") in sent
    assert SetControl(control_id="on", value=False) in sent
    assert SetControl(control_id="pos", value=(0.5, -0.25)) in sent
    rate = [c.value for c in sent if isinstance(c, SetControl) and c.control_id == "rate"]
    assert rate and rate[-1] == pytest.approx(10.0, rel=0.01)


def test_state_patch_moves_widgets_without_sending(window, sent):
    window.apply_updates([StatePatch(values={"gain": 0.5, "mode": "b", "on": False, "pos": (0.1, 0.2)})])
    controls = _controls(window).controls
    assert controls["gain"].widget.value() == pytest.approx(0.5)
    assert controls["mode"].widget.currentText() == "b"
    assert not controls["on"].widget.isChecked()
    assert sent == []


def test_every_update_type_applies(window, qtbot):
    scene = window.scene
    window.apply_updates([DisplayFrame(field_id="display", values=np.zeros(5, np.float32), sim_time=4.0)])
    assert window.sim_time == 4.0
    window.apply_updates([FieldAppend(field_id="history", append_dim="time", values=np.ones((1, 2), np.float32),
                                      coord_values=np.array([0.3, 0.4]), max_length=4, sim_time=0.4)])
    assert scene.fields["history"].values.shape == (1, 4)
    window.render_due(force=True)
    curve = window.views["t"].plot.curves["seg0"]
    assert len(curve.getData()[0]) == 4
    window.apply_updates([StatePatch(values={"gain": 2.0})])
    assert scene.state["gain"] == 2.0
    window.apply_updates([ScenePatch(views={"m": {"color_map": "viridis"}, "t": {"title": "New"}}, title="T2")])
    assert window.windowTitle() == "T2"
    assert window.views["m"].renderer.color_map == "viridis"
    window.apply_updates([PanelPatch(panel_id="pctl", changes={"visible": False})])
    assert "pctl" not in window.panels
    window.apply_updates([LayoutReplace(layout=LayoutSpec(columns=(("ptrace",), ("p3d",))))])
    assert set(window.panels) == {"ptrace", "p3d"}
    window.apply_updates([Status(message="hello", sim_time=5.0)])
    assert "hello" in window._status_label.text()
    window.apply_updates([Error(message="bad thing", traceback="Traceback ...")])
    assert window.error_banner.isVisible() and "bad thing" in window.error_banner.message
    fresh = make_scene(np.full(7, 1.0), n=7)
    window.apply_updates([SceneReady(scene=fresh)])
    assert window.scene is fresh and window.views["m"].renderer.geometry.n_entities == 7
    assert window.render_due(force=True)


def test_bad_update_shows_error_and_keeps_scene(window):
    window.apply_updates([DisplayFrame(field_id="display", values=np.zeros(3, np.float32))])
    assert window.error_banner.isVisible()
    assert window.scene.fields["display"].values.shape == (5,)


def test_redraws_are_capped_per_view(window):
    window.pacer.budget, window.pacer.max_busy = 10.0, 100.0  # the cap alone, however slow this machine draws
    window.apply_updates([ScenePatch(views={"m": {"max_refresh_hz": 10.0}})])
    base = time.monotonic() + 10.0
    window.render_due(now=base, force=True)
    drawn = 0
    for k in range(20):
        window.apply_updates([DisplayFrame(field_id="display", values=np.full(5, float(k), np.float32))])
        drawn += "m" in window.render_due(now=base + 0.1 + k * 0.01)
    assert drawn == 2  # 0.2 s at 10 Hz
    assert window.scene.fields["display"].values[0] == 19.0  # the data is always current


def test_light_theme_and_static_window(qtbot):
    win = CompNeuroVisWindow(make_scene(), theme="light", offscreen=True)
    qtbot.addWidget(win)
    win.resize(600, 400)
    win.show()
    image = win.grab_image()
    assert image.width() == 600


def test_r_resets_the_camera_and_is_not_sent(window, sent, qtbot):
    holder, renderer = window.views["m"].panel, window.views["m"].renderer
    camera = renderer.renderer.GetActiveCamera()
    framed = camera.GetPosition()
    camera.Dolly(3.0)
    holder.user_camera = True
    assert camera.GetPosition() != framed
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert camera.GetPosition() == pytest.approx(framed)
    assert not holder.user_camera
    assert sent == []


def test_grab_image_paints_the_3d_view(window):
    image = window.grab_image()
    holder, renderer = window.views["m"].panel, window.views["m"].renderer
    xy = renderer.world_to_display(window.scene.geometries["morph"].centers[:1])[0]
    origin = holder.mapTo(window, holder.rect().topLeft())
    ratio = image.devicePixelRatio()
    top = origin.y() * ratio + holder.height() * ratio - 1
    px = image.pixelColor(round(origin.x() * ratio + xy[0]), round(top - xy[1]))
    assert px.blue() > 150 and px.red() < 100  # the blue low end of the "scalar" map


class _SlowSource:
    """Hands out one history append and one display frame per poll, slowly."""

    def __init__(self, n: int) -> None:
        self.left = n
        self.k = 0

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None):
        if not self.left:
            return []
        self.left -= 1
        self.k += 1
        time.sleep(0.002)
        t = 0.2 + 0.1 * self.k
        return [DisplayFrame(field_id="display", values=np.full(5, float(self.k), np.float32), sim_time=t),
                FieldAppend(field_id="history", append_dim="time", values=np.full((1, 1), float(self.k), np.float32),
                            coord_values=np.array([t]))]


def test_frame_loop_keeps_to_its_budget_and_drops_no_history(window):
    from compneurovis.qt import FrameLoop

    source = _SlowSource(60)
    loop = FrameLoop(window, source, budget=0.01)
    start = time.perf_counter()
    loop.tick()
    assert time.perf_counter() - start < 0.5  # one tick: the budget plus one redraw, not the whole backlog
    assert source.left > 0
    while source.left:
        loop.tick()
    loop.tick()
    history = window.scene.fields["history"]
    assert history.values.shape == (1, 3 + 60)
    assert history.values[0, -60:].tolist() == [float(k) for k in range(1, 61)]
    assert window.scene.fields["display"].values[0] == 60.0


def test_control_patches_keep_the_3d_view(window, sent):
    holder_before = window.views["m"].panel
    window.apply_updates([ScenePatch(controls={"gain": {"label": "Gain (new)"}})])
    window.apply_updates([PanelPatch(panel_id="pctl", changes={"control_ids": ("gain",)})])
    assert window.views["m"].panel is holder_before
    panel = _controls(window)
    assert list(panel.controls) == ["gain"]
    panel.controls["gain"].widget.setValue(0.5)
    assert sent[-1] == SetControl(control_id="gain", value=pytest.approx(0.5))


def test_rebuild_with_a_resize_render_still_queued(window, qtbot):
    """A resize queues a 3-D render; a SceneReady rebuilds the panels before it runs."""
    old = [d.panel for d in window.views.values() if hasattr(d, "panel")]
    assert old
    window.resize(1100, 700)  # resize events queue QTimer.singleShot(0, render) in each 3-D panel
    for panel in old:
        panel.resize(panel.width() + 20, panel.height() + 20)
    window.apply_updates([SceneReady(scene=make_scene(n=6))])  # another structure: finalizes the old panels first
    qtbot.wait(50)  # the queued renders run now: they must not draw into a finalized window
    assert all(panel.view is None for panel in old)
    new = [d.panel for d in window.views.values() if hasattr(d, "panel")]
    assert new and all(panel.view is not None for panel in new)
    assert window.grab_image().width() > 0


def test_waiting_message_until_the_first_scene(qtbot):
    win = CompNeuroVisWindow()
    qtbot.addWidget(win)
    win.resize(600, 400)
    win.show()
    qtbot.waitExposed(win)
    assert win.waiting_label.isVisible() and "Starting the session" in win.waiting_label.text()
    win.apply_updates([SceneReady(scene=make_scene())])
    assert not win.waiting_label.isVisible()
    assert win.views  # the Scene's panels replaced the message


@pytest.mark.parametrize("label, unit, shown_in_bar, shown_in_corner", [
    ("t", "ms", "t = 4.00 ms", "t = 4.0 ms"), ("iteration", "", "iteration 4", "iteration 4")])
def test_the_status_bar_and_the_3d_corner_print_time_as_the_scene_names_it(qtbot, label, unit, shown_in_bar,
                                                                             shown_in_corner):
    scene = make_scene()
    scene.time_label, scene.time_unit = label, unit
    win = CompNeuroVisWindow(scene)
    qtbot.addWidget(win)
    win.show()
    win.apply_updates([DisplayFrame(field_id="display", values=np.zeros(5, np.float32), sim_time=4.0)])
    win.render_due(force=True)
    assert win._status_label.text().split("   |   ")[0] == shown_in_bar
    assert win.views["m"].renderer.info_actor.GetInput() == shown_in_corner


def test_a_scene_of_the_same_structure_is_swapped_in_without_building_the_panels_again(window):
    """A demo's preview, then the session's own first Scene: the values and status change, the panels stay."""
    panels, drawing = dict(window.panels), window.views["m"]
    own = make_scene(np.linspace(20.0, -60.0, 5))
    own.status = "the session's own"
    own.state["gain"] = 1.5
    window.apply_updates([SceneReady(scene=own)])
    assert window.scene is own and window.panels == panels and window.views["m"] is drawing
    window.render_due(force=True)
    np.testing.assert_array_equal(drawing.renderer.values, own.fields["display"].values)
    assert "the session's own" in window._status_label.text()
    assert _controls(window).controls["gain"].widget.value() == pytest.approx(1.5)
    # another structure (one more segment) builds the panels anew
    window.apply_updates([SceneReady(scene=make_scene(n=6))])
    assert window.views["m"] is not drawing and window.panels["p3d"] is not panels["p3d"]
