"""Camera presets, reset and saved views above a morphology: real Qt buttons, a real VTK camera and pixels."""

import numpy as np
import pytest
from cnv_qt_scenes import make_scene, pixel_at
from PyQt6.QtCore import Qt

from compneurovis.core import Camera, ScenePatch


def _vtk_camera(window):
    return window.views["m"].renderer.renderer.GetActiveCamera()


def _is_background(window, xy) -> bool:
    drawing = window.views["m"]
    window.render_due(force=True)
    image = drawing.panel.image()
    corner = image[5, 5].astype(float)  # no cell there
    return bool(np.abs(pixel_at(image, xy) - corner).max() < 10)


def test_presets_turn_the_camera_and_the_pixels_follow(window, qtbot):
    tools = window.views["m"].tools.camera
    renderer = window.views["m"].renderer
    centres = window.scene.geometries["morph"].centers
    first = renderer.world_to_display(centres[:1])[0]
    assert not _is_background(window, first)  # the front view shows segment 0 at the left
    qtbot.mouseClick(tools.preset_buttons["side"], Qt.MouseButton.LeftButton)
    assert window.scene.views["m"].camera == Camera(preset="side")
    np.testing.assert_allclose(_vtk_camera(window).GetDirectionOfProjection(), (-1.0, 0.0, 0.0), atol=1e-9)
    assert tools.preset_buttons["side"].isChecked() and not tools.preset_buttons["front"].isChecked()
    screen = renderer.world_to_display(centres)
    assert np.ptp(screen[:, 0]) < 2.0  # the cell along x is seen end-on
    assert _is_background(window, first)  # where segment 0 was is empty now
    assert not _is_background(window, screen[0])
    qtbot.mouseClick(tools.preset_buttons["top"], Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(_vtk_camera(window).GetDirectionOfProjection(), (0.0, -1.0, 0.0), atol=1e-9)
    qtbot.mouseClick(tools.preset_buttons["isometric"], Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(_vtk_camera(window).GetDirectionOfProjection(), -np.ones(3) / np.sqrt(3), atol=1e-9)
    for xy in renderer.world_to_display(centres):  # framed: the whole cell stays on screen
        width, height = renderer.renderer.GetSize()
        assert 0 <= xy[0] < width and 0 <= xy[1] < height
    qtbot.mouseClick(tools.reset_button, Qt.MouseButton.LeftButton)
    assert window.scene.views["m"].camera is None
    np.testing.assert_allclose(_vtk_camera(window).GetDirectionOfProjection(), (0.0, 0.0, -1.0), atol=1e-9)
    assert not _is_background(window, first)


def test_save_and_restore_a_view(window, qtbot):
    tools = window.views["m"].tools.camera
    camera = _vtk_camera(window)
    camera.Azimuth(35.0)
    camera.Elevation(20.0)
    camera.OrthogonalizeViewUp()
    saved = tools.save_view()
    np.testing.assert_allclose(saved.position, camera.GetPosition())
    assert tools.views_button.isEnabled() and [a.text() for a in tools.views_menu.actions()] == ["View 1"]
    qtbot.mouseClick(tools.preset_buttons["front"], Qt.MouseButton.LeftButton)  # undoes the mouse
    assert not np.allclose(camera.GetPosition(), saved.position)
    before = window.views["m"].panel.image()
    tools.views_menu.actions()[0].trigger()
    assert window.scene.views["m"].camera == saved
    np.testing.assert_allclose(camera.GetPosition(), saved.position, atol=1e-6)
    np.testing.assert_allclose(camera.GetFocalPoint(), saved.focal_point, atol=1e-6)
    window.render_due(force=True)
    assert np.abs(window.views["m"].panel.image().astype(int) - before.astype(int)).max() > 50
    with pytest.raises(KeyError, match="no saved view 'nope'"):
        tools.restore_view("nope")
    assert window.views["m"].current_camera() == Camera(position=camera.GetPosition(),
                                                        focal_point=camera.GetFocalPoint(),
                                                        view_up=camera.GetViewUp())


def test_a_spec_camera_is_used_offscreen_and_by_patches(qtbot):
    from compneurovis.qt import CompNeuroVisWindow

    scene = make_scene()
    scene.apply(ScenePatch(views={"m": {"camera": "top"}}))
    win = CompNeuroVisWindow(scene, offscreen=True)
    qtbot.addWidget(win)
    win.resize(900, 600)
    win.show()
    win.render_due(force=True)
    np.testing.assert_allclose(_vtk_camera(win).GetDirectionOfProjection(), (0.0, -1.0, 0.0), atol=1e-9)
    exact = Camera(position=(24.0, 5.0, 300.0), focal_point=(24.0, 5.0, 0.0), view_up=(0.0, 1.0, 0.0))
    win.apply_updates([ScenePatch(views={"m": {"camera": exact}})])
    np.testing.assert_allclose(_vtk_camera(win).GetPosition(), exact.position)
    win.resize(700, 500)  # a resize keeps an exact view
    win.render_due(force=True)
    np.testing.assert_allclose(_vtk_camera(win).GetPosition(), exact.position)
    win.close()
