import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from compneurovis.core import EntityClicked
from compneurovis.qt._offscreen_view import ImageView
from compneurovis.qt._synthetic import branching_geometry
from compneurovis.qt._view3d_panel import read_pixels
from compneurovis.vtk import MorphologyRenderer, color_table, map_colors, offscreen_render_window


def _pixel(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    h = image.shape[0]
    x, y = round(xy[0]), round(xy[1])
    return image[h - 1 - y, x].astype(float)


def _colour_distance_near(image: np.ndarray, xy: np.ndarray, colour: np.ndarray) -> float:
    """The smallest difference to ``colour`` in the 3x3 pixels around ``xy`` (lines are 1-2 px wide)."""
    h = image.shape[0]
    x, y = round(xy[0]), h - 1 - round(xy[1])
    patch = image[max(0, y - 1):y + 2, max(0, x - 1):x + 2].reshape(-1, 3).astype(float)
    return float(np.abs(patch - colour).max(axis=1).min())


def test_segments_have_their_lookup_table_colours(window, scene):
    holder, renderer = window.views["m"].panel, window.views["m"].renderer
    image = holder.image()
    geometry = scene.geometries["morph"]
    values = scene.fields["display"].values
    expected = map_colors("scalar", values, (-60.0, 20.0)) * 255
    screen = renderer.world_to_display(geometry.centers)
    for i, xy in enumerate(screen):
        pixel = _pixel(image, xy)
        distances = np.abs(expected - pixel).max(axis=1)
        assert distances[i] < 60, (i, pixel, expected[i])
        assert int(np.argmin(distances)) == i


def test_colour_update_rewrites_only_the_scalar_array(window, scene, qtbot):
    from compneurovis.core import DisplayFrame

    holder, renderer = window.views["m"].panel, window.views["m"].renderer
    points_mtime = renderer.polydata.GetPoints().GetMTime()
    window.apply_updates([DisplayFrame(field_id="display", values=np.full(5, 20.0, dtype=np.float32))])
    window.render_due(force=True)
    image = holder.image()
    top = color_table("scalar")[-1] * 255
    for xy in renderer.world_to_display(scene.geometries["morph"].centers):
        assert np.abs(_pixel(image, xy) - top).max() < 60
    assert renderer.polydata.GetPoints().GetMTime() == points_mtime


def test_click_on_a_segment_sends_entity_clicked(window, sent, qtbot):
    holder, renderer = window.views["m"].panel, window.views["m"].renderer
    target = renderer.world_to_display(window.scene.geometries["morph"].centers[3:4])[0]
    widget = holder._widget  # the VTK widget under a display, the offscreen image on Qt's offscreen platform
    ratio = widget.devicePixelRatioF()
    point = QPoint(round(target[0] / ratio), round(widget.height() - target[1] / ratio))
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)
    assert EntityClicked(entity_id="seg3", view_id="m") in sent
    assert "sec3(0.5)" in window.selection_text
    assert renderer.selected == 3


@pytest.fixture
def offscreen_window(qtbot, scene, sent):
    """A window whose 3-D panel draws offscreen into an image (as on Qt's offscreen platform)."""
    from compneurovis.qt import CompNeuroVisWindow

    win = CompNeuroVisWindow(scene, send=sent.append, offscreen=True)
    qtbot.addWidget(win)
    win.resize(1000, 650)
    win.show()
    qtbot.waitExposed(win)
    win.render_due(force=True)
    return win


def _widget_point(widget, xy) -> QPoint:
    ratio = widget.devicePixelRatioF()
    return QPoint(round(xy[0] / ratio), round(widget.height() - 1 - xy[1] / ratio))


def test_offscreen_panel_orbits_with_a_drag_and_still_picks(offscreen_window, sent, qtbot):
    holder, renderer = offscreen_window.views["m"].panel, offscreen_window.views["m"].renderer
    widget = holder._widget
    assert isinstance(widget, ImageView)
    camera = renderer.renderer.GetActiveCamera()
    before_position = np.array(camera.GetPosition())
    before_image = holder.image()
    centre = QPoint(widget.width() // 2, widget.height() // 2)
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=centre)
    for step in range(1, 6):
        qtbot.mouseMove(widget, centre + QPoint(12 * step, 6 * step))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=centre + QPoint(60, 30))
    assert holder.user_camera
    assert np.linalg.norm(np.array(camera.GetPosition()) - before_position) > 1e-3
    assert not [c for c in sent if isinstance(c, EntityClicked)]  # a drag is not a click
    # The label shows the new view, and a click lands on the segment now under the cursor.
    shown = widget.pixmap().toImage()
    after_image = holder.image()
    assert (shown.width(), shown.height()) == (after_image.shape[1], after_image.shape[0])
    assert np.abs(after_image.astype(int) - before_image.astype(int)).max() > 50
    geometry = offscreen_window.scene.geometries["morph"]
    screen = renderer.world_to_display(geometry.centers)
    visible = [i for i, xy in enumerate(screen)
               if 5 < xy[0] < after_image.shape[1] - 5 and 5 < xy[1] < after_image.shape[0] - 5]
    assert visible
    target = visible[len(visible) // 2]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=_widget_point(widget, screen[target]))
    assert EntityClicked(entity_id=f"seg{target}", view_id="m") in sent
    assert renderer.selected == target


def test_offscreen_panel_zooms_with_the_wheel(offscreen_window, qtbot):
    from PyQt6.QtCore import QPointF
    from PyQt6.QtGui import QWheelEvent
    from PyQt6.QtWidgets import QApplication

    holder, renderer = offscreen_window.views["m"].panel, offscreen_window.views["m"].renderer
    widget = holder._widget
    camera = renderer.renderer.GetActiveCamera()
    distance = camera.GetDistance()
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    for _ in range(3):
        QApplication.sendEvent(widget, event)
    assert camera.GetDistance() < 0.8 * distance
    assert holder.user_camera
    # Zoomed in: the cell covers more of the image than before.
    background = np.array(holder.image()[2, 2], dtype=int)
    covered = (np.abs(holder.image().astype(int) - background).max(axis=2) > 30).mean()
    holder.reset_camera()
    covered_reset = (np.abs(holder.image().astype(int) - background).max(axis=2) > 30).mean()
    assert covered > 1.3 * covered_reset


def test_click_on_background_selects_nothing(window, sent):
    holder, _ = window.views["m"].panel, window.views["m"].renderer
    assert holder.click_at(2, 2) is None
    assert not [c for c in sent if isinstance(c, EntityClicked)]


def test_offscreen_renderer_picks_and_frames_a_branching_cell():
    geometry = branching_geometry(800)
    window = offscreen_render_window((400, 300))
    view = MorphologyRenderer(geometry, unit="mV")
    window.AddRenderer(view.renderer)
    view.set_values(np.linspace(-70, 30, geometry.n_entities))
    view.reset_camera()
    window.Render()
    screen = view.world_to_display(np.concatenate(geometry.bounds()).reshape(2, 3))
    assert (screen[:, :2] >= 0).all() and (screen[:, 0] <= 400).all() and (screen[:, 1] <= 300).all()
    soma = view.world_to_display(geometry.centers[:1])[0]
    assert view.pick(soma[0], soma[1]) == 0
    image = read_pixels(window)
    assert image.shape == (300, 400, 3)
    values = np.linspace(-70, 30, geometry.n_entities)
    expected = map_colors("scalar", values, view.limits) * 255
    assert np.abs(_pixel(image, soma) - expected[0]).max() < 60
    # Thin pieces cross each other on screen: where the picker finds an entity on top at its own
    # centre, that pixel has the entity's colour.
    sample = range(0, geometry.n_entities, 10)
    on_top = [(i, xy) for i, xy in zip(sample, view.world_to_display(geometry.centers[list(sample)]), strict=True)
              if view.pick(xy[0], xy[1]) == i]
    assert len(on_top) >= 0.3 * len(sample)
    wrong = [i for i, xy in on_top if _colour_distance_near(image, xy, expected[i]) >= 60]
    assert len(wrong) <= 0.1 * len(on_top), wrong
    window.Finalize()


def test_big_morphology_draws_thin_pieces_as_pickable_lines():
    geometry = branching_geometry(6000, seed=3)
    window = offscreen_render_window((800, 600))
    view = MorphologyRenderer(geometry, color_limits=(0.0, 1.0))
    assert view.line_actor is not None
    window.AddRenderer(view.renderer)
    values = np.zeros(geometry.n_entities)
    values[1::2] = 1.0
    view.set_values(values)
    view.reset_camera()
    window.Render()
    image = read_pixels(window)
    line_entities = view._cell_entity[id(view.line_actor)]
    sample = line_entities[::50]
    picked_right = coloured_right = 0
    for entity in sample:
        xy = view.world_to_display(geometry.centers[entity:entity + 1])[0]
        picked_right += view.pick(xy[0], xy[1]) == entity
        pixel = image[image.shape[0] - 1 - round(xy[1]), round(xy[0])].astype(float)
        expected = map_colors("scalar", values[entity:entity + 1], (0.0, 1.0))[0] * 255
        coloured_right += np.abs(pixel - expected).max() < 60
    # Pieces are ~3 px long here and cross each other: a neighbour may cover the centre pixel.
    assert picked_right >= 0.6 * len(sample)
    assert coloured_right >= 0.6 * len(sample)
    window.Finalize()


def test_a_field_that_changes_unit_retitles_the_colour_bar_and_draws_nan_grey(window, scene):
    """The variable picker's FieldReplace(unit=...): the bar takes the new unit; a NaN segment is "no value" grey."""
    from compneurovis.core import FieldReplace
    from compneurovis.vtk import NAN_COLOR

    holder, renderer = window.views["m"].panel, window.views["m"].renderer
    assert renderer.scalar_bar.GetTitle() == "mV"
    values = np.array([1e-4, 2e-4, np.nan, 3e-4, 4e-4], dtype=np.float32)
    window.apply_updates([FieldReplace(field_id="display", values=values, unit="mM")])
    window.render_due(force=True)
    assert window.scene.fields["display"].unit == "mM"
    assert renderer.scalar_bar.GetTitle() == "mM"
    image = holder.image()
    centre = renderer.world_to_display(scene.geometries["morph"].centers)[2]
    grey = np.asarray(NAN_COLOR, dtype=float) * 255
    assert np.abs(_pixel(image, centre) - grey).max() < 60
