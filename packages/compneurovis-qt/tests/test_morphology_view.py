import numpy as np
from cnv_qt_scenes import line_geometry
from PyQt6.QtCore import QPoint, Qt

from compneurovis.core import EntityClicked
from compneurovis.qt import MorphologyRenderer, color_table
from compneurovis.qt._colormaps import map_colors
from compneurovis.qt._synthetic import branching_geometry
from compneurovis.qt._tube_mesh import build_lod_mesh
from compneurovis.qt._view3d_panel import read_pixels
from compneurovis.qt._vtk_scene import offscreen_render_window


def _pixel(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    h = image.shape[0]
    x, y = round(xy[0]), round(xy[1])
    return image[h - 1 - y, x].astype(float)


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
    widget = holder._vtk
    ratio = widget.devicePixelRatioF()
    point = QPoint(round(target[0] / ratio), round(widget.height() - target[1] / ratio))
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)
    assert EntityClicked(entity_id="seg3", view_id="m") in sent
    assert "sec3(0.5)" in window.selection_text
    assert renderer.selected == 3


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
    assert image.shape == (300, 400, 3) and image.std() > 5
    window.Finalize()


def test_lod_mesh_keeps_every_piece_and_its_entity():
    geometry = line_geometry(40)
    mesh = build_lod_mesh(geometry.piece_start, geometry.piece_end, geometry.piece_start_radius,
                          geometry.piece_end_radius)
    assert set(np.unique(mesh.triangle_piece)) == set(range(40))
    assert mesh.triangles.max() < len(mesh.points)
    assert mesh.point_piece.shape[0] == mesh.points.shape[0]


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
