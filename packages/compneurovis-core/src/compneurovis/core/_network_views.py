"""View specs along a path and over events: space plot, kymograph, spike raster.

Each is a frozen dataclass that names the fields it reads (`field_ids`) and
checks itself against a Scene (`validate`), raising `SceneError` naming the
view, the field and the expected versus actual dims.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._errors import SceneError
from ._events import check_spike_field
from ._field import Field
from ._geometry import MorphologyGeometry
from ._paths import default_path, path_profile
from ._view_base import DEFAULT_MAX_REFRESH_HZ, ViewSpec
from ._wire import wire

if TYPE_CHECKING:
    from ._scene import Scene


def _finite(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: object) -> bool:
    return _finite(value) and value > 0  # type: ignore[operator]


def _field(scene: Scene, view_id: str, field_id: str) -> Field:
    try:
        return scene.fields[field_id]
    except KeyError:
        raise SceneError(f"view {view_id!r} points at missing field {field_id!r}; "
                         f"fields are {sorted(scene.fields)}") from None


def _morphology(scene: Scene, view_id: str, geometry_id: str) -> MorphologyGeometry:
    geometry = scene.geometries.get(geometry_id)
    if not isinstance(geometry, MorphologyGeometry):
        raise SceneError(f"view {view_id!r} points at missing MorphologyGeometry {geometry_id!r}")
    return geometry


@dataclass(frozen=True, kw_only=True)
class _PathView(ViewSpec):
    """What the path views share: a geometry, a field and the path's two ends."""

    id: str
    geometry_id: str
    field_id: str
    start: str | None = None
    end: str | None = None

    def field_ids(self) -> tuple[str, ...]:
        """The fields this view reads."""
        return (self.field_id,)

    def value_field_ids(self) -> tuple[str, ...]:
        """None: only the field's dims, shape and dtype are checked."""
        return ()

    def path(self, geometry: MorphologyGeometry) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, distance)``: the path's entities in order and their distance from its start, in µm.

        Unset ends default to `default_path` (soma centre to the farthest tip).

        Raises:
            SceneError: For an unknown entity or ends in different cells.
        """
        start, end = self.start, self.end
        if start is None or end is None:
            d_start, d_end = default_path(geometry)
            start = d_start if start is None else start
            end = d_end if end is None else end
        try:
            return path_profile(geometry, start, end)
        except SceneError as exc:
            raise SceneError(f"view {self.id!r}: {exc}") from None

    def _check_path(self, scene: Scene) -> tuple[MorphologyGeometry, Field]:
        super().validate(scene)
        geometry = _morphology(scene, self.id, self.geometry_id)
        f = _field(scene, self.id, self.field_id)
        self.path(geometry)
        return geometry, f


@wire("space_plot_view_spec")
@dataclass(frozen=True, kw_only=True)
class SpacePlotViewSpec(_PathView):
    """A per-entity field against path distance along a path (NEURON's ``RangeVarPlot``).

    Args:
        id: Id of the view inside its Scene.
        geometry_id: The `MorphologyGeometry` the path runs on.
        field_id: Field with one value per entity (dims ``("segment",)``), e.g. the display field.
        start: Entity id where the path starts (distance 0); ``None``: the soma centre.
        end: Entity id where it ends; ``None``: the tip farthest from ``start``'s default.
        title: Plot title.
        y_label: Y axis label.
        y_unit: Y axis unit (default: the field's unit).
        y_limits: Fixed ``(low, high)`` of the y axis, or ``None`` for auto.
        max_refresh_hz: Cap on redraws per second.
    """

    title: str = "Space plot"
    y_label: str = "Value"
    y_unit: str | None = None
    y_limits: tuple[float, float] | None = None
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ

    def validate(self, scene: Scene) -> None:
        """Check the geometry, the field (``(n_entities,)``) and the path.

        Raises:
            SceneError: Naming the view, the field and expected vs actual dims.
        """
        geometry, f = self._check_path(scene)
        limits = self.y_limits
        if limits is not None and not (isinstance(limits, tuple | list) and len(limits) == 2
                                       and all(_finite(v) for v in limits) and limits[0] < limits[1]):
            raise SceneError(f"view {self.id!r}: y_limits must be None or finite (low, high) with low < high, "
                             f"got {limits!r}")
        if f.dims != ("segment",) or f.shape != (geometry.n_entities,):
            raise SceneError(f"view {self.id!r}: field {f.id!r} has dims {f.dims} and shape {f.shape}, "
                             f"expected ('segment',) and ({geometry.n_entities},)")


@wire("kymograph_view_spec")
@dataclass(frozen=True, kw_only=True)
class KymographViewSpec(_PathView):
    """The path's values as a heat map: distance along the path by time, scrolling live.

    It reads either a history field (dims ``segment`` and ``time``, holding
    every entity of the path) or a per-entity display field (dims
    ``("segment",)``), whose successive frames the frontend stacks at their
    simulation times. Coloured with the same scale as a morphology view.

    Args:
        id: Id of the view inside its Scene.
        geometry_id: The `MorphologyGeometry` the path runs on.
        field_id: History field or per-entity display field.
        start: Entity id where the path starts; ``None``: the soma centre.
        end: Entity id where it ends; ``None``: the farthest tip.
        time_window: Simulated ms shown (the newest at the right).
        color_map: Colour map name (as `MorphologyViewSpec`).
        color_limits: ``(low, high)`` of the colour scale, or ``None`` for auto.
        title: Title of the view.
        max_refresh_hz: Cap on redraws per second.
    """

    time_window: float = 50.0
    color_map: str = "scalar"
    color_limits: tuple[float, float] | None = None
    title: str = "Kymograph"
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ

    def validate(self, scene: Scene) -> None:
        """Check the geometry, the field (per-entity or history) and the path.

        Raises:
            SceneError: Naming the view, the field and expected vs actual dims.
        """
        geometry, f = self._check_path(scene)
        if f.dims == ("segment",):
            if f.shape != (geometry.n_entities,):
                raise SceneError(f"view {self.id!r}: field {f.id!r} has shape {f.shape}, "
                                 f"expected ({geometry.n_entities},)")
        elif sorted(f.dims) != ["segment", "time"]:
            raise SceneError(f"view {self.id!r}: field {f.id!r} has dims {f.dims}, expected ('segment',) "
                             f"or ('segment', 'time')")
        if not _positive(self.time_window):
            raise SceneError(f"view {self.id!r}: time_window must be a finite number > 0, got {self.time_window!r}")
        self.check_color_scale(self.color_limits)


@wire("spike_raster_view_spec")
@dataclass(frozen=True, kw_only=True)
class SpikeRasterViewSpec(ViewSpec):
    """Spike times per cell as dots: time along x, one row per cell.

    Args:
        id: Id of the view inside its Scene.
        field_id: A spike field (see `spike_field`); it may be empty.
        rolling_window: Show only the last this-many ms, or ``None`` for all.
        title: Plot title.
        x_label: X axis label.
        x_unit: X axis unit.
        y_label: Y axis label.
        max_refresh_hz: Cap on redraws per second.
    """

    id: str
    field_id: str
    rolling_window: float | None = None
    title: str = "Spikes"
    x_label: str = "Time"
    x_unit: str | None = "ms"
    y_label: str = "Cell"
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ

    def field_ids(self) -> tuple[str, ...]:
        """The fields this view reads."""
        return (self.field_id,)

    def value_field_ids(self) -> tuple[str, ...]:
        """None: only the field's dims, shape and dtype are checked."""
        return ()

    def validate(self, scene: Scene) -> None:
        """Check that the field exists and is a spike field (empty is fine).

        Raises:
            SceneError: Naming the view, the field and expected vs actual dims.
        """
        super().validate(scene)
        check_spike_field(_field(scene, self.id, self.field_id), self.id)
        if self.rolling_window is not None and not _positive(self.rolling_window):
            raise SceneError(f"view {self.id!r}: rolling_window must be None or a finite number > 0, "
                             f"got {self.rolling_window!r}")

