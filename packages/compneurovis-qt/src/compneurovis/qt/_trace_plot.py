"""Line plot views: a history field with pyqtgraph, one curve per drawn series, steady y range."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget

from compneurovis.core import Field, LinePlotViewSpec, MorphologyGeometry, Scene, SceneError

from ._grid_axis import grid_axes
from ._plot_marks import MarkLines
from ._selection import Selection
from ._theme import PLOT_BACKGROUND, PLOT_FOREGROUND, SERIES_COLORS
from ._view_registry import ViewContext, ViewDrawing, register_view


def _label(text: str, unit: str | None) -> str:
    return f"{text} ({unit})" if unit else text


#: Most curves one plot draws (a FULL-capture history can hold thousands of series).
MAX_CURVES = 16


def _chosen(keys: list[str], preferred: list[str] | None) -> list[int]:
    """Indices of the series to draw: ``preferred`` ones first, then the others, at most `MAX_CURVES`."""
    if len(keys) <= MAX_CURVES:
        return list(range(len(keys)))
    index = {k: i for i, k in enumerate(keys)}
    chosen = list(dict.fromkeys(index[k] for k in (preferred or []) if k in index))[:MAX_CURVES]
    taken = set(chosen)
    for i in range(len(keys)):
        if len(chosen) >= MAX_CURVES:
            break
        if i not in taken:
            chosen.append(i)
    return chosen


class YRange:
    """Y limits that expand at once and shrink slowly, so the axis does not jitter."""

    SHRINK_RATE = 0.08

    def __init__(self) -> None:
        self.limits: tuple[float, float] | None = None

    def update(self, lo: float, hi: float) -> tuple[float, float]:
        """Return the limits to show for data in ``[lo, hi]``."""
        floor = 0.02 * max(abs(lo), abs(hi)) or 1.0
        if hi - lo < floor:
            mid = 0.5 * (lo + hi)
            lo, hi = mid - floor / 2, mid + floor / 2
        span = hi - lo
        lo, hi = lo - 0.06 * span, hi + 0.06 * span
        if self.limits is None:
            self.limits = (lo, hi)
            return self.limits
        cur_lo, cur_hi = self.limits
        new_lo = lo if lo < cur_lo else cur_lo + self.SHRINK_RATE * (lo - cur_lo)
        new_hi = hi if hi > cur_hi else cur_hi + self.SHRINK_RATE * (hi - cur_hi)
        self.limits = (new_lo, new_hi)
        return self.limits

    def reset(self) -> None:
        """Forget the limits (after a reset of the data)."""
        self.limits = None


class TracePlot(pg.PlotWidget):
    """One pyqtgraph plot for a `LinePlotViewSpec`.

    Args:
        spec: The view.
        parent: Parent widget.
    """

    def __init__(self, spec: LinePlotViewSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=PLOT_BACKGROUND, axisItems=grid_axes())
        self.spec = spec
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.y_range = YRange()
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.18)
        item.setMenuEnabled(False)
        self.legend = item.addLegend(offset=(-10, 10), labelTextColor=PLOT_FOREGROUND,
                                     brush=pg.mkBrush(20, 21, 25, 200), labelTextSize="10pt")
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(PLOT_FOREGROUND))
            axis.setTextPen(pg.mkPen(PLOT_FOREGROUND))
            axis.enableAutoSIPrefix(False)  # the unit is in the label; no "(x0.001)"
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        #: The spec's `AxisMark`s as vertical lines at their x (sim time), scrolling with the data.
        self.mark_lines = MarkLines(item)
        #: Called with each paint's duration in seconds (the window's frame pacer counts it).
        self.on_paint: Callable[[float], None] | None = None
        self.configure(spec)

    def paintEvent(self, event: Any) -> None:
        """Paint, and report how long it took to `on_paint`."""
        start = time.perf_counter()
        super().paintEvent(event)
        if self.on_paint is not None:
            self.on_paint(time.perf_counter() - start)

    def configure(self, spec: LinePlotViewSpec) -> None:
        """Apply titles, labels, units and marks of ``spec``.

        A new y label or unit (the variable picker switched quantity) drops
        the y limits, so the axis fits the new values at once instead of
        shrinking slowly from the old ones.
        """
        previous = getattr(self, "spec", None)
        if previous is not None and (previous.y_label, previous.y_unit) != (spec.y_label, spec.y_unit):
            self.y_range.reset()
        self.spec = spec
        item = self.getPlotItem()
        style = {"color": PLOT_FOREGROUND, "font-size": "11pt"}
        item.setTitle(spec.title, color=PLOT_FOREGROUND, size="12pt")
        item.setLabel("bottom", _label(spec.x_label, spec.x_unit), **style)
        item.setLabel("left", _label(spec.y_label, spec.y_unit), **style)
        self.mark_lines.set_marks(spec.marks)

    def _series(self, f: Field, preferred: list[str] | None) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Series keys, the x coordinates and ``(n_series, n_x)`` float values of the curves to draw.

        Only the drawn series (at most `MAX_CURVES`: those in ``preferred``
        first) are taken from the field and converted.
        """
        spec = self.spec
        x = np.asarray(f.coord(spec.x_dim), dtype=np.float64)
        if spec.series_dim is None:
            return [f.id], x, np.asarray(f.values, dtype=np.float64).reshape(1, -1)
        series_axis = f.axis(spec.series_dim)
        keys = [str(k) for k in f.coord(spec.series_dim)]
        chosen = _chosen(keys, preferred)
        rows = np.take(f.values, chosen, axis=series_axis)  # a copy of the drawn series only
        values = np.moveaxis(rows, [series_axis, f.axis(spec.x_dim)], [0, 1]).astype(np.float64, copy=False)
        if not chosen:  # no series yet (nothing traced): an empty plot, not a reshape of nothing
            return [], x, np.empty((0, x.size))
        return [keys[i] for i in chosen], x, values.reshape(len(chosen), -1)

    def update_from(self, f: Field, geometry: MorphologyGeometry | None,
                    preferred: list[str] | None = None) -> None:
        """Redraw the curves from field ``f`` (labels from ``geometry`` when given).

        At most `MAX_CURVES` series are drawn: those in ``preferred`` (e.g. the
        clicked segments, most recent first) before the others.
        """
        keys, x, values = self._series(f, preferred)
        for key in [k for k in self.curves if k not in keys]:
            self.removeItem(self.curves.pop(key))
            self.legend.removeItem(key)
        for i, key in enumerate(keys):
            curve = self.curves.get(key)
            if curve is None:
                label = key
                if geometry is not None:
                    try:
                        label = geometry.label_of(key)
                    except SceneError:
                        label = key
                color = SERIES_COLORS[len(self.curves) % len(SERIES_COLORS)]
                curve = self.plot([], [], pen=pg.mkPen(color, width=2), name=label, connect="finite")
                curve.setClipToView(True)
                curve.setDownsampling(auto=True, method="peak")
                self.curves[key] = curve
            curve.setData(x, values[i], connect="finite")
        self._set_ranges(x, values)

    def _set_ranges(self, x: np.ndarray, values: np.ndarray) -> None:
        finite_x = x[np.isfinite(x)]
        if finite_x.size == 0:
            return
        x_hi = float(finite_x.max())
        window = self.spec.rolling_window
        x_lo = x_hi - window if window else float(finite_x.min())
        if x_hi <= x_lo:
            x_hi = x_lo + (window or 1.0)
        item = self.getPlotItem()
        item.setXRange(x_lo, x_hi, padding=0.0)
        visible = values[:, (x >= x_lo) & (x <= x_hi)] if values.size else values
        finite = visible[np.isfinite(visible)]
        if finite.size:
            lo, hi = self.y_range.update(float(finite.min()), float(finite.max()))
            item.setYRange(lo, hi, padding=0.0)
            self.mark_lines.place_labels(lo, hi)


@register_view(LinePlotViewSpec)
class LinePlotDrawing(ViewDrawing[LinePlotViewSpec]):
    """A `TracePlot` (``self.plot``) for a line plot view; the picked entities' curves come first."""

    def __init__(self, spec: LinePlotViewSpec, scene: Scene, context: ViewContext) -> None:
        super().__init__(spec, scene, context)
        #: The pyqtgraph plot widget.
        self.plot = TracePlot(spec)
        self.plot.on_paint = lambda seconds: context.paint_cost(spec.id, seconds)
        self.widget = self.plot
        self._scene = scene

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """Remember the Scene; the curves are taken from it when drawn."""
        self._scene = scene

    def draw(self) -> None:
        """Set the drawn curves from the field (picked entities first)."""
        scene, spec = self._scene, self.spec
        geometry = scene.geometries.get(spec.geometry_id) if spec.geometry_id else None
        selection = self.context.selection
        self.plot.update_from(scene.fields[spec.field_id],
                              geometry if isinstance(geometry, MorphologyGeometry) else None,
                              preferred=selection.recent_first() if selection is not None else None)

    def configure(self, spec: LinePlotViewSpec, scene: Scene) -> bool:
        """Titles, labels, units and marks in place."""
        self.spec = spec
        self.plot.configure(spec)
        return True

    def on_selection(self, selection: Selection) -> bool:
        """Redraw: the picked entities' curves come first."""
        return True
