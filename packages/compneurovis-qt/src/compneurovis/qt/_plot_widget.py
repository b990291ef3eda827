"""A themed pyqtgraph plot for the 2-D views (space plot, kymograph, spike raster)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PyQt6.QtCore import QPointF

from ._grid_axis import grid_axes
from ._theme import PLOT_BACKGROUND, PLOT_FOREGROUND


def axis_label(text: str, unit: str | None) -> str:
    """``"text (unit)"``, or ``text`` without a unit."""
    return f"{text} ({unit})" if unit else text


class ThemedPlot(pg.PlotWidget):
    """A fixed (no mouse zoom) pyqtgraph plot in the window's theme that reports its paint time.

    Args:
        on_paint: Called with each paint's duration in seconds.
    """

    def __init__(self, on_paint: Callable[[float], None] | None = None) -> None:
        super().__init__(background=PLOT_BACKGROUND, axisItems=grid_axes())
        self.on_paint = on_paint
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.18)
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(PLOT_FOREGROUND))
            axis.setTextPen(pg.mkPen(PLOT_FOREGROUND))
            axis.enableAutoSIPrefix(False)
            axis.setZValue(-1000)  # the grid lines under the data, not over it

    def set_labels(self, title: str, x_label: str, y_label: str) -> None:
        """Title and axis labels."""
        item = self.getPlotItem()
        style = {"color": PLOT_FOREGROUND, "font-size": "11pt"}
        item.setTitle(title, color=PLOT_FOREGROUND, size="12pt")
        item.setLabel("bottom", x_label, **style)
        item.setLabel("left", y_label, **style)

    def to_widget(self, x: float, y: float) -> tuple[float, float]:
        """Widget pixel position of the data point ``(x, y)`` (for tests and picking)."""
        scene_point = self.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
        point = self.mapFromScene(scene_point)
        return float(point.x()), float(point.y())

    def paintEvent(self, event: Any) -> None:
        """Paint, and report how long it took."""
        start = time.perf_counter()
        super().paintEvent(event)
        if self.on_paint is not None:
            self.on_paint(time.perf_counter() - start)
