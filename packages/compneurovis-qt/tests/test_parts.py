import numpy as np
import pytest
from cnv_qt_scenes import line_geometry, pixel_at, project

from compneurovis.core import Field, GridGeometry, LinePlotViewSpec, SurfaceViewSpec
from compneurovis.qt._trace_plot import TracePlot, YRange
from compneurovis.qt._view3d_panel import read_pixels
from compneurovis.qt._vtk_surface import SurfaceRenderer
from compneurovis.vtk import ColorScale, color_table, make_lookup_table, map_colors, offscreen_render_window


def test_colour_maps_by_name():
    assert color_table("scalar").shape == (256, 3)
    assert not np.allclose(color_table("viridis"), color_table("scalar"))
    assert np.allclose(color_table("no-such-map"), color_table("scalar"))
    lut = make_lookup_table("viridis", (-1.0, 1.0))
    rgb = [0.0, 0.0, 0.0]
    lut.GetColor(1.0, rgb)
    assert np.allclose(rgb, color_table("viridis")[-1], atol=0.01)
    assert lut.GetRange() == (-1.0, 1.0)


def test_colour_scale_fixed_symmetric_and_auto_hysteresis():
    assert ColorScale((-80.0, 40.0)).update(np.zeros(3)) == (-80.0, 40.0)
    assert ColorScale((-20.0, 50.0), "symmetric").update(np.zeros(3)) == (-50.0, 50.0)
    assert ColorScale(None, "symmetric").update(np.array([-1.0, 3.0]))[0] < -3.0
    scale = ColorScale()
    lo, hi = scale.update(np.array([0.0, 10.0]))
    assert lo < 0 and hi > 10
    assert scale.update(np.array([0.0, 20.0]))[1] >= 20.0  # grows at once
    wide = scale.update(np.array([4.0, 5.0]))
    assert wide[1] >= 20.0  # no flicker: small frames do not shrink it at once
    for _ in range(200):
        last = scale.update(np.array([4.0, 5.0]))
    assert last[1] < 10.0  # ...but it shrinks eventually
    assert scale.update(np.array([np.nan, np.nan])) == last


def test_y_range_expands_fast_and_shrinks_slowly():
    y = YRange()
    first = y.update(-70.0, -60.0)
    assert first[0] < -70 and first[1] > -60
    grown = y.update(-70.0, 30.0)
    assert grown[1] >= 30.0
    shrunk = y.update(-70.0, -60.0)
    assert shrunk[1] > 0  # one frame moves only a little
    assert y.update(5.0, 5.0)[1] - y.limits[0] > 0


def test_trace_plot_labels_rolling_window_and_nan_gaps(qtbot):
    geometry = line_geometry(3)
    spec = LinePlotViewSpec(id="t", field_id="h", rolling_window=5.0, y_label="V", y_unit="mV",
                            geometry_id="morph")
    plot = TracePlot(spec)
    qtbot.addWidget(plot)
    values = np.vstack([np.sin(np.arange(100) / 5.0), np.cos(np.arange(100) / 5.0)])
    values[0, 40:45] = np.nan
    f = Field("h", values, ("segment", "time"),
              {"segment": np.array(["seg0", "seg2"]), "time": np.arange(100) * 0.1}, unit="mV")
    plot.update_from(f, geometry)
    assert set(plot.curves) == {"seg0", "seg2"}
    labels = [item[1].text for item in plot.legend.items]
    assert labels == ["sec0(0.5)", "sec2(0.5)"]
    x_lo, x_hi = plot.getPlotItem().viewRange()[0]
    assert x_hi == pytest.approx(9.9) and x_lo == pytest.approx(4.9)
    assert "mV" in plot.getPlotItem().getAxis("left").labelText + plot.getPlotItem().getAxis("left").labelUnits
    f2 = Field("h", values[:1], ("segment", "time"),
               {"segment": np.array(["seg0"]), "time": np.arange(100) * 0.1})
    plot.update_from(f2, geometry)
    assert set(plot.curves) == {"seg0"}


def test_trace_plot_of_a_history_with_nothing_traced_yet(qtbot):
    """A Scene whose history has no series (nothing traced, no sample yet) draws an empty plot, then the curves."""
    geometry = line_geometry(3)
    plot = TracePlot(LinePlotViewSpec(id="t", field_id="h", series_dim="segment", geometry_id="morph"))
    qtbot.addWidget(plot)
    empty = Field("h", np.zeros((0, 0), np.float32), ("time", "segment"),
                  {"time": np.zeros(0), "segment": np.array([], dtype=str)})
    plot.update_from(empty, geometry)  # raised "cannot reshape array of size 0"
    assert plot.curves == {}
    traced = Field("h", np.array([[-70.0], [-65.0]], np.float32), ("time", "segment"),
                   {"time": np.array([0.0, 0.1]), "segment": np.array(["seg1"])})
    plot.update_from(traced, geometry)
    assert set(plot.curves) == {"seg1"}


def test_surface_renderer_draws_a_warped_grid():
    grid = GridGeometry("g", np.linspace(-1, 1, 30), np.linspace(-1, 1, 20))
    x, y = np.meshgrid(grid.x, grid.y, indexing="ij")
    view = SurfaceRenderer(grid, z_scale=0.5, unit="mV", title="Surface")
    window = offscreen_render_window((320, 240))
    window.AddRenderer(view.renderer)
    limits = view.set_values(np.exp(-(x**2 + y**2)))
    view.reset_camera()
    window.Render()
    assert limits[0] < 0.2 and limits[1] > 0.9
    bounds = view.polydata.GetBounds()
    assert bounds[5] == pytest.approx(0.5, abs=0.01)
    # The peak (value 1) and the corners (value e^-2) are drawn in their colours where they project.
    image = read_pixels(window)
    expected = map_colors("scalar", np.array([1.0, np.exp(-2.0)]), view.limits) * 255
    peak = project(view.renderer, [[0.0, 0.0, 0.5]])[0]
    assert np.abs(pixel_at(image, peak) - expected[0]).max() < 60, (pixel_at(image, peak), expected[0])
    near_corner = project(view.renderer, [[-0.9, -0.9, 0.5 * np.exp(-1.62)]])[0]
    corner_value = map_colors("scalar", np.array([np.exp(-1.62)]), view.limits)[0] * 255
    assert np.abs(pixel_at(image, near_corner) - corner_value).max() < 60, (pixel_at(image, near_corner), corner_value)
    assert np.abs(expected[0] - corner_value).max() > 100  # the two checks tell the colours apart
    window.Finalize()


def test_surface_view_in_window(qtbot):
    from compneurovis.core import FieldReplace, LayoutSpec, PanelSpec, Scene
    from compneurovis.qt import CompNeuroVisWindow

    grid = GridGeometry("g", np.linspace(0, 1, 10), np.linspace(0, 1, 8))
    scene = Scene(fields=[Field("s", np.zeros((10, 8)), ("x", "y"))], geometries=[grid],
                  views=[SurfaceViewSpec(id="sv", geometry_id="g", field_id="s")],
                  panels=[PanelSpec(id="p", kind="view_3d", view_ids=("sv",))],
                  layout=LayoutSpec(columns=(("p",),)))
    window = CompNeuroVisWindow(scene, offscreen=True)
    qtbot.addWidget(window)
    window.resize(400, 300)
    window.show()
    window.apply_updates([FieldReplace(field_id="s", values=np.random.default_rng(0).random((10, 8)))])
    assert window.render_due(force=True) == ["sv"]


def test_trace_plot_caps_curves_and_prefers_clicked(qtbot):
    from compneurovis.qt._trace_plot import MAX_CURVES

    geometry = line_geometry(40)
    plot = TracePlot(LinePlotViewSpec(id="t", field_id="h", geometry_id="morph"))
    qtbot.addWidget(plot)
    f = Field("h", np.random.default_rng(0).random((40, 20)), ("segment", "time"),
              {"segment": np.array(geometry.entity_ids), "time": np.arange(20.0)})
    plot.update_from(f, geometry, preferred=["seg39", "seg30"])
    assert len(plot.curves) == MAX_CURVES
    assert "seg39" in plot.curves and "seg30" in plot.curves


def test_trace_plot_fits_a_new_quantity_at_once_after_the_variable_picker_switches(qtbot):
    import dataclasses

    geometry = line_geometry(3)
    spec = LinePlotViewSpec(id="t", field_id="h", y_label="V", y_unit="mV", geometry_id="morph")
    plot = TracePlot(spec)
    qtbot.addWidget(plot)
    times = {"segment": np.array(["seg0"]), "time": np.arange(50) * 0.1}
    plot.update_from(Field("h", np.linspace(-80.0, 40.0, 50)[None, :], ("segment", "time"), times), geometry)
    assert plot.getPlotItem().viewRange()[1][0] < -80
    plot.configure(dataclasses.replace(spec, y_label="HH_m", y_unit=""))  # what the picker's ScenePatch does
    plot.update_from(Field("h", np.linspace(0.0, 1.0, 50)[None, :], ("segment", "time"), times), geometry)
    lo, hi = plot.getPlotItem().viewRange()[1]
    assert -0.2 < lo < 0.0 and 1.0 < hi < 1.2
    plot.configure(dataclasses.replace(spec, y_label="HH_m", y_unit="", title="again"))  # same quantity: kept
    plot.update_from(Field("h", np.linspace(0.4, 0.5, 50)[None, :], ("segment", "time"), times), geometry)
    assert plot.getPlotItem().viewRange()[1][0] < 0.3  # shrinks slowly, as for any data
