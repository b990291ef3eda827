"""Space plot drawing: a per-entity field against path distance (NEURON's ``RangeVarPlot``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QGuiApplication

from compneurovis.core import MorphologyGeometry, Scene, SceneError, SpacePlotViewSpec, entity_path

from ._plot_widget import ThemedPlot, axis_label
from ._selection import Selection
from ._theme import SERIES_COLORS
from ._trace_plot import YRange
from ._view_registry import ViewContext, ViewDrawing, register_view

#: Holding this key while clicking a segment makes it the space plot's new path end.
RETARGET_MODIFIER = Qt.KeyboardModifier.ShiftModifier


@register_view(SpacePlotViewSpec)
class SpacePlotDrawing(ViewDrawing[SpacePlotViewSpec]):
    """A curve through ``(distance along the path, value)`` of each entity on the path.

    Shift-clicking a segment of the same cell in a 3-D view makes it the path's
    end (in this window only; the spec keeps its own ends).
    """

    def __init__(self, spec: SpacePlotViewSpec, scene: Scene, context: ViewContext) -> None:
        super().__init__(spec, scene, context)
        #: The pyqtgraph plot widget.
        self.plot = ThemedPlot(lambda seconds: context.paint_cost(spec.id, seconds))
        self.widget = self.plot
        self.curve = self.plot.plot([], [], pen=pg.mkPen(SERIES_COLORS[0], width=2))
        self.y_range = YRange()
        #: Path end picked in the window (Shift-click), overriding the spec's.
        self.end_override: str | None = None
        self.rows = np.empty(0, dtype=np.int64)
        self.distance = np.empty(0)
        self.values = np.empty(0)
        self._path_key: tuple[object, ...] | None = None
        #: The geometry the path runs on (from the latest update).
        self.geometry: MorphologyGeometry | None = None
        self.configure(spec, scene)

    def _update_path(self, scene: Scene) -> None:
        geometry: MorphologyGeometry = scene.geometries[self.spec.geometry_id]  # type: ignore[assignment]
        self.geometry = geometry
        key = (id(geometry), self.spec.start, self.spec.end, self.end_override)
        if key != self._path_key:
            spec = self.spec if self.end_override is None else replace(self.spec, end=self.end_override)
            self.rows, self.distance = spec.path(geometry)
            self._path_key = key

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """The path (when its ends or geometry changed) and the values along it."""
        self._update_path(scene)
        self.values = np.asarray(scene.fields[self.spec.field_id].values, dtype=np.float64)[self.rows]

    def draw(self) -> None:
        """Set the curve and the axis ranges."""
        self.curve.setData(self.distance, self.values)
        item = self.plot.getPlotItem()
        if self.distance.size:
            item.setXRange(0.0, float(self.distance.max()) or 1.0, padding=0.02)
        if self.spec.y_limits is not None:
            item.setYRange(*self.spec.y_limits, padding=0.0)
        elif np.isfinite(self.values).any():
            finite = self.values[np.isfinite(self.values)]
            item.setYRange(*self.y_range.update(float(finite.min()), float(finite.max())), padding=0.0)

    def configure(self, spec: SpacePlotViewSpec, scene: Scene) -> bool:
        """Labels and path ends in place."""
        self.spec = spec
        unit = spec.y_unit if spec.y_unit is not None else scene.fields[spec.field_id].unit
        self.plot.set_labels(spec.title, "Path distance (µm)", axis_label(spec.y_label, unit))
        self._path_key = None
        return True

    def on_selection(self, selection: Selection) -> bool:
        """Shift-click on a segment of the path's cell: it becomes the path's end."""
        entity = selection.entity_id
        if entity is None or not QGuiApplication.keyboardModifiers() & RETARGET_MODIFIER:
            return False
        return self.retarget(entity)

    def retarget(self, entity_id: str) -> bool:
        """End the path at ``entity_id``; ``False`` (nothing changes) if it is not on the start's cell."""
        geometry = self.geometry
        if geometry is None:
            return False
        start = int(self.rows[0]) if self.rows.size else 0
        try:
            entity_path(geometry, start, entity_id)
        except SceneError:
            return False
        self.end_override = entity_id
        return True

    def close(self) -> None:
        """Nothing to release (Qt owns the widget)."""
