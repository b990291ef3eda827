"""Spike raster drawing: one dot per spike, time along x, one row per cell, coloured by population."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from compneurovis.core import CATEGORY_COLORS, Scene, SpikeRasterViewSpec

from ._plot_widget import ThemedPlot, axis_label
from ._theme import SERIES_COLORS
from ._view_registry import ViewContext, ViewDrawing, register_view

#: Most cells whose names label the y axis (more get plain numbers).
MAX_NAMED_ROWS = 40
#: Dot size, in pixels.
DOT_SIZE = 7


def population_colors(cells: list[str], populations: list[str] | None) -> tuple[list[str], dict[str, str]]:
    """Colour of each cell (by its population, else one colour) and the ``{population: colour}`` legend."""
    if not populations:
        return [SERIES_COLORS[0]] * len(cells), {}
    legend = {p: CATEGORY_COLORS[k % len(CATEGORY_COLORS)] for k, p in enumerate(dict.fromkeys(populations))}
    return [legend[p] for p in populations], legend


@register_view(SpikeRasterViewSpec)
class SpikeRasterDrawing(ViewDrawing[SpikeRasterViewSpec]):
    """A pyqtgraph scatter of a spike field; an empty field draws an empty raster."""

    def __init__(self, spec: SpikeRasterViewSpec, scene: Scene, context: ViewContext) -> None:
        super().__init__(spec, scene, context)
        #: The pyqtgraph plot widget.
        self.plot = ThemedPlot(lambda seconds: context.paint_cost(spec.id, seconds))
        self.widget = self.plot
        self.dots = pg.ScatterPlotItem(size=DOT_SIZE, pen=None, symbol="o")
        self.plot.addItem(self.dots)
        self.times = np.empty(0)
        self.cells = np.empty(0, dtype=np.int64)
        self._names: list[str] = []
        self._brushes: list[object] = []
        self._legend = self.plot.getPlotItem().addLegend(offset=(-10, 10))
        self.configure(spec, scene)

    def _set_cells(self, names: list[str], populations: list[str] | None) -> None:
        colors, legend = population_colors(names, populations)
        self._brushes = [pg.mkBrush(c) for c in colors]
        self._names = names
        axis = self.plot.getPlotItem().getAxis("left")
        if len(names) <= MAX_NAMED_ROWS:
            axis.setTicks([[(k, name) for k, name in enumerate(names)]])
        else:
            axis.setTicks(None)
        self._legend.clear()
        for population, color in legend.items():
            self._legend.addItem(pg.ScatterPlotItem(size=DOT_SIZE, pen=None, brush=pg.mkBrush(color)), population)
        self.plot.getPlotItem().setYRange(-0.5, max(len(names), 1) - 0.5, padding=0.02)

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """The spike times and cells (and the rows, when the cells changed)."""
        f = scene.fields[self.spec.field_id]
        names = list(f.attrs["cells"])
        if names != self._names:
            self._set_cells(names, f.attrs.get("populations"))
        self.times = np.asarray(f.values, dtype=np.float64)
        self.cells = np.asarray(f.coords["spike"], dtype=np.int64)

    def draw(self) -> None:
        """Place the dots; scroll the time axis with the rolling window or the sim time."""
        times, cells = self.times, self.cells
        now = self.context.sim_time
        t_hi = max(float(times.max()) if times.size else 0.0, now if now is not None else 0.0)
        window = self.spec.rolling_window
        t_lo = t_hi - window if window else 0.0
        if window:
            keep = times >= t_lo
            times, cells = times[keep], cells[keep]
        self.dots.setData(x=times, y=cells.astype(np.float64), brush=[self._brushes[c] for c in cells])
        self.plot.getPlotItem().setXRange(t_lo, max(t_hi, t_lo + 1.0), padding=0.0)

    def configure(self, spec: SpikeRasterViewSpec, scene: Scene) -> bool:
        """Labels in place."""
        self.spec = spec
        self.plot.set_labels(spec.title, axis_label(spec.x_label, spec.x_unit), spec.y_label)
        self._names = []
        return True
