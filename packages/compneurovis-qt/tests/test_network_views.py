"""Pixel tests of the space plot, kymograph, spike raster and category colouring (real Qt, pyqtgraph, VTK)."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from compneurovis.core import (
    CATEGORY_COLORS,
    Field,
    FieldReplace,
    KymographViewSpec,
    LayoutSpec,
    MorphologyGeometry,
    MorphologyViewSpec,
    PanelSpec,
    Scene,
    ScenePatch,
    SpacePlotViewSpec,
    SpikeRasterViewSpec,
    category_field,
    spike_append,
    spike_field,
)
from compneurovis.qt import CompNeuroVisWindow, color_by_patch
from compneurovis.qt._theme import SERIES_COLORS
from compneurovis.qt._vtk_legend import hex_rgb
from compneurovis.vtk import color_table

N = 5  # entities on a straight chain, 10 µm each: centres at path distances 0, 10, ..., 40


def chain() -> MorphologyGeometry:
    start = np.array([[10.0 * i, 0.0, 0.0] for i in range(N)])
    return MorphologyGeometry(
        id="morph", entity_ids=[f"c.dend[{i}]" for i in range(N)], cell_names=["c"] * N,
        section_names=["soma"] + ["dend"] * (N - 1), xloc=np.full(N, 0.5), start=start,
        end=start + np.array([10.0, 0.0, 0.0]), radius=np.full(N, 3.0), length=np.full(N, 10.0),
        parent=np.arange(N) - 1)


def scene_with(*views, fields=()) -> Scene:
    geometry = chain()
    display = Field("v", np.linspace(0.0, 40.0, N).astype(np.float32), ("segment",), unit="mV")
    panels = [PanelSpec(id=f"p_{v.id}", kind="plot", view_ids=(v.id,)) for v in views]
    return Scene(fields=[display, *fields], geometries=[geometry], views=list(views), panels=panels,
                 layout=LayoutSpec(columns=(tuple(p.id for p in panels),)), title="views")


@pytest.fixture
def show(qtbot):
    def make(scene: Scene) -> CompNeuroVisWindow:
        window = CompNeuroVisWindow(scene)
        qtbot.addWidget(window)
        window.resize(900, 600)
        window.show()
        qtbot.waitExposed(window)
        window.render_due(force=True)
        return window
    return make


def plot_pixel(plot, x: float, y: float) -> np.ndarray:
    """RGB of the plot widget's pixel at data point ``(x, y)``."""
    plot.repaint()
    image = plot.grab().toImage()
    px, py = plot.to_widget(x, y)
    color = image.pixelColor(round(px), round(py))
    return np.array([color.red(), color.green(), color.blue()])


def rgb(color: str) -> np.ndarray:
    return np.array(hex_rgb(color))


def test_raster_dot_sits_at_the_spike_time_and_cell_row_in_its_population_colour(show):
    spikes = spike_field(["a", "b", "c"], times=[5.0, 12.5, 20.0], cell_index=[0, 1, 2],
                         populations=["exc", "exc", "inh"])
    window = show(scene_with(SpikeRasterViewSpec(id="r", field_id="spikes"), fields=[spikes]))
    plot = window.views["r"].plot
    exc, inh = rgb(CATEGORY_COLORS[0]), rgb(CATEGORY_COLORS[1])
    assert np.abs(plot_pixel(plot, 12.5, 1) - exc).max() <= 2
    assert np.abs(plot_pixel(plot, 20.0, 2) - inh).max() <= 2
    assert np.abs(plot_pixel(plot, 12.5, 2) - exc).max() > 60  # no spike of cell c at 12.5 ms
    window.apply_updates([spike_append([16.0], [2])])  # a live spike
    window.render_due(force=True)
    assert np.abs(plot_pixel(plot, 16.0, 2) - inh).max() <= 2


def test_an_empty_raster_draws_and_the_window_keeps_going(show):
    window = show(scene_with(SpikeRasterViewSpec(id="r", field_id="spikes"), fields=[spike_field(["a"])]))
    assert window.failed_views() == {} and window.render_counts["r"] >= 1


def test_kymograph_column_at_a_known_time_has_the_colour_of_the_known_value(show):
    view = KymographViewSpec(id="k", geometry_id="morph", field_id="v", color_limits=(0.0, 256.0), time_window=10.0)
    window = show(scene_with(view))
    for k in range(1, 11):  # frame k at t = k ms: value 8 k + 40 j + 0.5 in entity j (the middle of a colour)
        values = (8 * k + 40 * np.arange(N) + 0.5).astype(np.float32)
        window.apply_updates([FieldReplace(field_id="v", values=values, sim_time=float(k))])
        window.render_due(force=True)
    plot = window.views["k"].plot
    table = (color_table("scalar", 256) * 255).round()
    for j, distance in enumerate([1.0, 10.0, 20.0, 30.0, 39.0]):
        pixel = plot_pixel(plot, 5.5, distance)  # between the frames at 5 and 6 ms: frame 5 shows
        assert np.abs(pixel - table[8 * 5 + 40 * j]).max() <= 2, (j, pixel, table[8 * 5 + 40 * j])
    assert np.abs(plot_pixel(plot, 9.5, 20.0) - table[8 * 9 + 80]).max() <= 2


def test_kymograph_from_a_history_field_reads_the_path_entities(show):
    times = np.arange(0.0, 20.0, 0.5)
    values = np.outer(np.arange(N) * 50 + 10.5, np.ones(times.size)).astype(np.float32)  # constant in time
    history = Field("h", values, ("segment", "time"), {"segment": np.array([f"c.dend[{i}]" for i in range(N)]),
                                                      "time": times})
    view = KymographViewSpec(id="k", geometry_id="morph", field_id="h", color_limits=(0.0, 256.0), time_window=10.0)
    window = show(scene_with(view, fields=[history]))
    table = (color_table("scalar", 256) * 255).round()
    pixel = plot_pixel(window.views["k"].plot, 15.0, 30.0)
    assert np.abs(pixel - table[3 * 50 + 10]).max() <= 2


def test_space_plot_curve_passes_through_each_entitys_distance_and_value(show):
    view = SpacePlotViewSpec(id="s", geometry_id="morph", field_id="v", y_limits=(-10.0, 90.0))
    window = show(scene_with(view))
    plot = window.views["s"].plot
    curve = rgb(SERIES_COLORS[0])
    for d, v in zip([0.0, 10.0, 20.0, 30.0, 40.0], [0.0, 10.0, 20.0, 30.0, 40.0], strict=True):
        assert np.abs(plot_pixel(plot, d, v) - curve).max() <= 10, (d, v)
    assert np.abs(plot_pixel(plot, 20.0, 70.0) - curve).max() > 60  # off the curve
    window.apply_updates([FieldReplace(field_id="v", values=np.array([80, 60, 40, 20, 0], dtype=np.float32))])
    window.render_due(force=True)
    assert np.abs(plot_pixel(plot, 10.0, 60.0) - curve).max() <= 10
    assert np.abs(plot_pixel(plot, 10.0, 10.0) - curve).max() > 60


def test_morphology_switches_to_category_colours_with_a_legend_and_back(show):
    kinds = category_field("kind", ["soma", "dend", "dend", "axon", "axon"])
    view = MorphologyViewSpec(id="m", geometry_id="morph", color_field_id="v", category_field_id="kind",
                              color_limits=(0.0, 40.0))
    window = show(scene_with(view, fields=[kinds]))
    window.apply_updates([color_by_patch(window.scene, "m", True)])  # what the View menu does
    window.render_due(force=True)
    drawing = window.views["m"]
    image = drawing.panel.image()
    h, w = image.shape[:2]
    colors = [rgb(c) for c in kinds.attrs["colors"]]
    for (name, color), (cx, cy) in zip(drawing.legend.entries, drawing.legend.swatch_centers(), strict=True):
        pixel = image[h - 1 - round(cy * h), round(cx * w)]
        assert np.abs(pixel - np.array(color)).max() <= 2, name  # the legend draws the exact colours
    centres = drawing.renderer.world_to_display(window.scene.geometries["morph"].centers)
    for i, xy in enumerate(centres):  # shaded tubes: near their category's colour, nearest to it
        pixel = image[h - 1 - round(xy[1]), round(xy[0])].astype(float)
        distances = [np.abs(pixel - c).max() for c in colors]
        assert int(np.argmin(distances)) == int(kinds.values[i]) and min(distances) < 60, (i, pixel)
    window.apply_updates([ScenePatch(views={"m": {"color_by": "field"}})])
    window.render_due(force=True)
    assert drawing.legend.entries == [] and drawing.renderer.scalar_bar.GetVisibility()


def _click(window, qtbot, entity: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    holder, renderer = window.views["m"].panel, window.views["m"].renderer
    target = renderer.world_to_display(window.scene.geometries["morph"].centers[entity:entity + 1])[0]
    widget = holder._widget  # the VTK widget, or the offscreen image on the offscreen platform
    ratio = widget.devicePixelRatioF()
    point = QPoint(round(target[0] / ratio), round(widget.height() - target[1] / ratio))
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, modifier=modifier, pos=point)


def test_shift_click_retargets_the_space_plot_within_the_cell_only(show, qtbot):
    space = SpacePlotViewSpec(id="s", geometry_id="morph", field_id="v")
    morphology = MorphologyViewSpec(id="m", geometry_id="morph", color_field_id="v")
    window = show(scene_with(morphology, space))
    drawing = window.views["s"]
    assert drawing.distance.tolist() == [0.0, 10.0, 20.0, 30.0, 40.0]  # soma to the farthest tip
    _click(window, qtbot, 2)  # a plain click only selects
    window.render_due(force=True)
    assert drawing.end_override is None
    _click(window, qtbot, 2, Qt.KeyboardModifier.ShiftModifier)
    window.render_due(force=True)
    assert drawing.end_override == "c.dend[2]" and drawing.distance.tolist() == [0.0, 10.0, 20.0]


def test_view_menu_toggles_category_colours(show):
    kinds = category_field("kind", ["soma", "dend", "dend", "axon", "axon"])
    view = MorphologyViewSpec(id="m", geometry_id="morph", color_field_id="v", category_field_id="kind")
    window = show(scene_with(view, fields=[kinds]))
    window.view_menu.aboutToShow.emit()
    (action,) = [a for a in window.view_menu.actions() if a.isCheckable() and a is not window.resolution_action]
    assert action.text() == "Colour m by kind" and not action.isChecked()
    action.trigger()
    assert window.scene.views["m"].color_by == "category"
    window.render_due(force=True)
    assert [name for name, _ in window.views["m"].legend.entries] == ["soma", "dend", "axon"]
    window.view_menu.aboutToShow.emit()
    (action,) = [a for a in window.view_menu.actions() if a.isCheckable() and a is not window.resolution_action]
    assert action.isChecked()
    action.trigger()
    assert window.scene.views["m"].color_by == "field"
