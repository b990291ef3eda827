"""The plots' grid axes: clipped to their own rectangle, the same picture as pyqtgraph's own axes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from compneurovis.qt import _plot_widget
from compneurovis.qt._grid_axis import GridAxis
from compneurovis.qt._plot_widget import ThemedPlot


def _picture(qtbot, monkeypatch, axes, grid: bool = True) -> np.ndarray:
    """A 700x300 themed plot of one sine, with ``axes()`` as its axes, grabbed as RGB."""
    monkeypatch.setattr(_plot_widget, "grid_axes", axes)
    plot = ThemedPlot()
    qtbot.addWidget(plot)
    plot.getPlotItem().showGrid(x=grid, y=grid, alpha=0.18)
    x = np.linspace(0.0, 40.0, 2000)
    plot.plot(x, np.sin(x))
    plot.set_labels("trace", "t (ms)", "v (mV)")
    plot.resize(700, 300)
    plot.show()
    qtbot.waitExposed(plot)
    image = plot.grab().toImage().convertToFormat(pg.QtGui.QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    rgb = data.reshape(image.height(), image.bytesPerLine())[:, :3 * image.width()]
    return rgb.reshape(image.height(), image.width(), 3).copy()


def _pyqtgraph_axes() -> dict[str, pg.AxisItem]:
    return {"left": pg.AxisItem("left"), "bottom": pg.AxisItem("bottom")}


def test_clipped_grid_axes_draw_the_same_pixels_as_pyqtgraphs_own(qtbot, monkeypatch):
    ours = _picture(qtbot, monkeypatch, _plot_widget.grid_axes)
    theirs = _picture(qtbot, monkeypatch, _pyqtgraph_axes)
    no_grid = _picture(qtbot, monkeypatch, _pyqtgraph_axes, grid=False)
    assert ours.shape == theirs.shape == (300, 700, 3)
    # the grid is there: hundreds of pixels differ from the plot without it ...
    assert (theirs != no_grid).any(axis=2).sum() > 500
    # ... and the clip changed none of them
    assert (ours == theirs).all()


def test_themed_plots_use_grid_axes(qtbot):
    plot = ThemedPlot()
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    assert isinstance(item.getAxis("left"), GridAxis) and isinstance(item.getAxis("bottom"), GridAxis)
