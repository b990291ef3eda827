"""The "Write your own view" tutorial's example runs: its spec, its drawing, its demo Scene."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"

pytestmark = pytest.mark.requires("qt")


@pytest.fixture(scope="module")
def example():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import histogram_demo
        import histogram_drawing
        import histogram_view

        yield histogram_view, histogram_drawing, histogram_demo
    finally:
        sys.path.remove(str(EXAMPLES))


def test_the_spec_checks_itself_and_crosses_the_wire(example):
    from compneurovis.core import Field, Scene, SceneError, SceneReady, decode, encode

    view_module, _, demo = example
    scene = demo.make_scene()
    back = decode(encode(SceneReady(scene=scene))).scene
    assert back.views["histogram"] == scene.views["histogram"]
    trace = Field("trace", np.zeros((2, 3)), ("segment", "time"))
    with pytest.raises(SceneError, match=r"view 'h': field 'trace' has dims \('segment', 'time'\) and shape "
                                         r"\(2, 3\), expected 1 dim\(s\) \(one value per entity\)"):
        Scene(fields=[trace], views=[view_module.HistogramViewSpec(id="h", field_id="trace")])
    with pytest.raises(SceneError, match="view 'h': bins must be a positive integer, got 0"):
        Scene(fields=scene.fields, views=[view_module.HistogramViewSpec(id="h", field_id="voltage", bins=0)])


def test_the_window_draws_it_with_the_registered_drawing(example, qtbot):
    from compneurovis.core import FieldReplace
    from compneurovis.qt import CompNeuroVisWindow, drawing_class

    view_module, drawing_module, demo = example
    assert drawing_class(view_module.HistogramViewSpec) is drawing_module.HistogramDrawing
    window = CompNeuroVisWindow(demo.make_scene(), offscreen=True)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    window.render_due(force=True)
    drawing = window.views["histogram"]
    assert drawing.counts.tolist() == [4] * 10  # 40 evenly spread values in 10 bins
    values = np.array([-65.0] * 30 + [10.0] * 10, dtype=np.float32)
    window.apply_updates([FieldReplace(field_id="voltage", values=values)])
    window.render_due(force=True)
    counts, edges = np.histogram(values.astype(np.float64), bins=10)
    np.testing.assert_array_equal(drawing.bars.opts["height"], counts)
    np.testing.assert_array_equal(drawing.bars.opts["x0"], edges[:-1])
    window.close()


def test_render_scene_paints_its_bars(example, tmp_path):
    from PyQt6.QtGui import QColor, QImage

    from compneurovis.qt import render_scene

    _, drawing_module, demo = example
    path = render_scene(demo.make_scene(np.full(40, -20.0)), tmp_path / "histogram.png", size=(900, 500))
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    pixels = pixels.reshape(height, image.bytesPerLine())[:, :3 * width].reshape(height, width, 3)
    bar = QColor(drawing_module.BAR_COLOR)
    near = np.abs(pixels.astype(int) - [bar.red(), bar.green(), bar.blue()]).sum(axis=2) < 30
    _, xs = np.nonzero(near)
    assert near.sum() > 2000  # one tall bar: every value is in one bin
    assert xs.min() > width // 3  # in the right-hand column, where the layout puts the histogram
    assert xs.max() - xs.min() < width // 4  # one bar, not ten
