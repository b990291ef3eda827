"""The colour-scale tools above a morphology: real superqt widgets, real VTK pixels."""

import numpy as np
import pytest
from cmap import Colormap
from cnv_qt_scenes import pixel_at
from PyQt6.QtCore import Qt

from compneurovis.core import ScenePatch
from compneurovis.vtk import color_table, is_color_map, map_colors


def _segment_colours(window) -> np.ndarray:
    drawing = window.views["m"]
    window.render_due(force=True)
    image = drawing.panel.image()
    centres = drawing.renderer.world_to_display(window.scene.geometries["morph"].centers)
    return np.array([pixel_at(image, xy) for xy in centres])


def _assert_colours(window, name: str, limits: tuple[float, float]) -> None:
    values = window.scene.fields["display"].values
    expected = map_colors(name, values, limits) * 255
    got = _segment_colours(window)
    # shading changes brightness a little; each segment must be nearest its own expected colour
    other = map_colors("CET-L1" if name != "CET-L1" else "scalar", values, limits) * 255
    for i, pixel in enumerate(got):
        distances = np.abs(expected - pixel).max(axis=1)
        assert distances[i] < 60, (name, i, pixel, expected[i])
        assert distances[i] < np.abs(other[i] - pixel).max(), (name, i, pixel)  # not another map's colour


def test_cmap_names_resolve_and_reverse():
    assert is_color_map("viridis_r") and is_color_map("RdBu_r") and is_color_map("coolwarm")
    assert is_color_map("scalar") and is_color_map("CET-D1")
    assert not is_color_map("no-such-map") and not is_color_map("")
    np.testing.assert_allclose(color_table("coolwarm_r"), color_table("coolwarm")[::-1], atol=1e-6)
    np.testing.assert_allclose(color_table("RdBu_r", 16), Colormap("colorbrewer:RdBu_r").lut(16)[:, :3], atol=1e-6)
    assert not np.allclose(color_table("coolwarm"), color_table("scalar"))


def test_the_maps_named_as_pyqtgraph_names_them_keep_their_colours():
    # compneurovis.vtk takes its tables from cmap alone (no Qt); pyqtgraph's bundled copies are an
    # independent source for the same colorcet and matplotlib maps, shifted cyclic ones included
    from pyqtgraph import colormap as pg_colormap

    dropped = {"PAL-relaxed", "PAL-relaxed_bright"}  # pyqtgraph's own palettes, not colorcet's
    redrawn = {"cividis"}  # matplotlib's cividis, where pyqtgraph ships its own variant
    names = sorted(set(pg_colormap.listMaps()) - dropped - redrawn)
    assert len(names) >= 60 and "CET-C1s" in names
    for name in names:
        theirs = pg_colormap.get(name).getLookupTable(nPts=256, alpha=False) / 255.0
        assert is_color_map(name), name
        assert np.abs(color_table(name) - theirs).max() <= 1.5 / 255, name
    assert not any(is_color_map(name) for name in dropped)


def test_typing_a_cmap_name_recolours_the_view_through_a_scene_patch(window, qtbot):
    tools = window.views["m"].tools.color
    assert tools.isVisible()
    recorded = []
    window.recording.updates = recorded.extend  # what the window's recording would receive
    tools.color_map.setCurrentText("viridis_r")
    assert window.scene.views["m"].color_map == "viridis_r"
    assert any(isinstance(u, ScenePatch) and u.views == {"m": {"color_map": "viridis_r"}} for u in recorded)
    _assert_colours(window, "viridis_r", (-60.0, 20.0))
    tools.color_map.setCurrentText("no_such_map_at_all")  # not a map: nothing changes
    assert window.scene.views["m"].color_map == "viridis_r"


def test_limits_slider_and_auto(window, qtbot):
    tools = window.views["m"].tools.color
    assert not tools.auto.isChecked() and tools.limits.isEnabled()
    assert tools.limits.value() == pytest.approx((-60.0, 20.0))
    tools.limits.setValue((-20.0, 0.0))
    assert window.scene.views["m"].color_limits == pytest.approx((-20.0, 0.0))
    _assert_colours(window, "scalar", (-20.0, 0.0))
    qtbot.mouseClick(tools.auto, Qt.MouseButton.LeftButton)
    assert tools.auto.isChecked() and not tools.limits.isEnabled()
    assert window.scene.views["m"].color_limits is None
    window.render_due(force=True)
    lo, hi = window.views["m"].renderer.limits
    assert lo < -60.0 and hi > 20.0  # the data's range, padded
    assert tools.limits.value() == pytest.approx((lo, hi), abs=1e-3)
    _assert_colours(window, "scalar", (lo, hi))
    tools.auto.setChecked(False)  # fixes the limits shown now
    assert window.scene.views["m"].color_limits == pytest.approx((lo, hi), abs=1e-3)


def test_a_patch_from_elsewhere_moves_the_tools(window):
    tools = window.views["m"].tools.color
    window.apply_updates([ScenePatch(views={"m": {"color_map": "magma", "color_limits": (-100.0, 50.0)}})])
    assert tools.color_map.currentText() == "magma"
    assert tools.limits.value() == pytest.approx((-100.0, 50.0))
    _assert_colours(window, "magma", (-100.0, 50.0))


def test_offscreen_window_hides_the_tools(qtbot, scene):
    from compneurovis.qt import CompNeuroVisWindow

    win = CompNeuroVisWindow(scene, offscreen=True)
    qtbot.addWidget(win)
    win.show()
    assert not win.views["m"].tools.row.isVisible()
    win.close()
