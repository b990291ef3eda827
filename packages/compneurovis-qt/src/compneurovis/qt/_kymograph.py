"""Kymograph drawing: the values along a path as a heat map, distance by time, scrolling live."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF

from compneurovis.core import Field, KymographViewSpec, MorphologyGeometry, Scene
from compneurovis.vtk import ColorScale, color_table

from ._plot_widget import ThemedPlot, axis_label
from ._view_registry import ViewContext, ViewDrawing, register_view

#: Columns (time bins) and rows (distance bins) of the drawn image.
TIME_BINS = 240
DISTANCE_BINS = 200
#: Display frames kept when the view stacks frames of a per-entity field.
MAX_FRAMES = 4000


def resample(times: np.ndarray, samples: np.ndarray, distance: np.ndarray, t_lo: float, t_hi: float,
             n_time: int = TIME_BINS, n_distance: int = DISTANCE_BINS) -> np.ndarray:
    """``(n_distance, n_time)`` image: each bin shows the nearest entity's latest sample at or before its centre.

    Args:
        times: ``(k,)`` increasing sample times.
        samples: ``(k, n_path)`` values of the path's entities.
        distance: ``(n_path,)`` increasing distance of each path entity.
        t_lo: Time at the left edge.
        t_hi: Time at the right edge.
        n_time: Number of time bins.
        n_distance: Number of distance bins.

    Returns:
        The image; NaN where no sample is that old.
    """
    out = np.full((n_distance, n_time), np.nan, dtype=np.float32)
    if times.size == 0 or distance.size == 0:
        return out
    centres_t = t_lo + (np.arange(n_time) + 0.5) * (t_hi - t_lo) / n_time
    column = np.searchsorted(times, centres_t, side="right") - 1
    d_max = float(distance[-1]) or 1.0
    centres_d = (np.arange(n_distance) + 0.5) * d_max / n_distance
    row = np.searchsorted(0.5 * (distance[1:] + distance[:-1]), centres_d) if distance.size > 1 else \
        np.zeros(n_distance, dtype=np.intp)
    valid = column >= 0
    out[:, valid] = samples[column[valid]][:, row].T
    return out


@register_view(KymographViewSpec)
class KymographDrawing(ViewDrawing[KymographViewSpec]):
    """A pyqtgraph `ImageItem` of the path over the last ``time_window`` ms, in the morphology's colours.

    From a history field it shows the stored samples; from a per-entity display
    field it stacks the frames it is given at their sim times (one per draw, so
    at most the view's refresh rate; a reset or a seek back starts it afresh).
    """

    def __init__(self, spec: KymographViewSpec, scene: Scene, context: ViewContext) -> None:
        super().__init__(spec, scene, context)
        #: The pyqtgraph plot widget.
        self.plot = ThemedPlot(lambda seconds: context.paint_cost(spec.id, seconds))
        self.widget = self.plot
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image_item)
        self.scale = ColorScale(spec.color_limits)
        self.rows = np.empty(0, dtype=np.int64)
        self.distance = np.empty(0)
        self._frames_t: list[float] = []
        self._frames_v: list[np.ndarray] = []
        self._history: tuple[np.ndarray, np.ndarray] | None = None
        self._path_key: tuple[object, ...] | None = None
        #: The drawn image, its time span and colour limits (after `draw`).
        self.image = np.empty((0, 0), dtype=np.float32)
        self.span = (0.0, 1.0)
        self.limits = (0.0, 1.0)
        self.configure(spec, scene)

    def _update_path(self, scene: Scene) -> MorphologyGeometry:
        geometry: MorphologyGeometry = scene.geometries[self.spec.geometry_id]  # type: ignore[assignment]
        key = (id(geometry), self.spec.start, self.spec.end)
        if key != self._path_key:
            self.rows, self.distance = self.spec.path(geometry)
            self._path_key = key
            self._frames_t, self._frames_v = [], []
        return geometry

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """Take the path's history, or stack the new display frame at the current sim time."""
        geometry = self._update_path(scene)
        f = scene.fields[self.spec.field_id]
        if f.dims == ("segment",):
            self._history = None
            now = self.context.sim_time
            if self.spec.field_id in changed_field_ids and now is not None:
                if self._frames_t and now < self._frames_t[-1]:  # a reset or a seek back
                    self._frames_t, self._frames_v = [], []
                if self._frames_t and now == self._frames_t[-1]:
                    self._frames_v[-1] = np.asarray(f.values, dtype=np.float32)[self.rows]
                else:
                    self._frames_t.append(float(now))
                    self._frames_v.append(np.asarray(f.values, dtype=np.float32)[self.rows])
                del self._frames_t[:-MAX_FRAMES], self._frames_v[:-MAX_FRAMES]
        else:
            self._history = self._from_history(f, geometry)

    def _from_history(self, f: Field, geometry: MorphologyGeometry) -> tuple[np.ndarray, np.ndarray]:
        times = np.asarray(f.coord("time"), dtype=np.float64)
        index = {str(e): k for k, e in enumerate(f.coord("segment"))}
        wanted = [index.get(geometry.entity_ids[r], -1) for r in self.rows]
        values = np.asarray(f.values, dtype=np.float32)
        if f.dims[0] == "segment":
            values = values.T
        samples = np.full((times.size, len(wanted)), np.nan, dtype=np.float32)
        have = np.array([w >= 0 for w in wanted], dtype=bool)
        if have.any():
            samples[:, have] = values[:, [w for w in wanted if w >= 0]]
        return times, samples

    def draw(self) -> None:
        """Resample the last ``time_window`` ms onto the image and colour it."""
        if self._history is not None:
            times, samples = self._history
        else:
            times = np.asarray(self._frames_t)
            samples = np.stack(self._frames_v) if self._frames_v else np.empty((0, self.rows.size))
        now = self.context.sim_time
        t_hi = max(float(times[-1]) if times.size else 0.0, now if now is not None else -np.inf)
        t_lo = t_hi - self.spec.time_window
        self.span = (t_lo, t_hi)
        self.image = resample(times, samples, self.distance, t_lo, t_hi)
        visible = self.image[np.isfinite(self.image)]
        self.limits = self.scale.update(visible)
        d_max = float(self.distance[-1]) if self.distance.size else 1.0
        self.image_item.setImage(self.image, levels=self.limits, lut=self._lut, autoLevels=False)
        self.image_item.setRect(QRectF(t_lo, 0.0, t_hi - t_lo, d_max or 1.0))
        item = self.plot.getPlotItem()
        item.setXRange(t_lo, t_hi, padding=0.0)
        item.setYRange(0.0, d_max or 1.0, padding=0.0)

    def configure(self, spec: KymographViewSpec, scene: Scene) -> bool:
        """Colour map, limits and labels in place; new path ends start the image afresh."""
        self.spec = spec
        self._lut = (color_table(spec.color_map, 256) * 255).round().astype(np.uint8)
        self.scale.configure(spec.color_limits, "auto")
        unit = scene.fields[spec.field_id].unit
        self.plot.set_labels(f"{spec.title}{f' ({unit})' if unit else ''}", axis_label("Time", "ms"),
                             "Path distance (µm)")
        self._path_key = None
        return True
