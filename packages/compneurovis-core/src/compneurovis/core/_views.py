"""View specs: what to draw, and from which field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._wire import wire

#: Default maximum redraws per second of one view.
DEFAULT_MAX_REFRESH_HZ = 30.0


@wire("axis_mark")
@dataclass(frozen=True, kw_only=True)
class AxisMark:
    """A labelled position on a line plot's x axis, e.g. when a control changed.

    Args:
        x: Position in the plot's x units (for a time axis, the simulation time).
        label: Short text shown beside the mark, e.g. ``"stimulus = 0.3"``.
        kind: Free-form category a frontend may colour by; CompNeuroVis uses
            ``"control"``, ``"action"`` and ``"reset"``.
    """

    x: float
    label: str = ""
    kind: str = ""


def _as_marks(marks: Sequence[AxisMark | tuple[float, str]]) -> tuple[AxisMark, ...]:
    """``marks`` as a tuple, ``(x, label)`` pairs turned into `AxisMark`; anything else kept for validation."""
    out = []
    for mark in marks:
        if isinstance(mark, list | tuple) and len(mark) == 2 and isinstance(mark[1], str):
            try:
                mark = AxisMark(x=float(mark[0]), label=mark[1])
            except (TypeError, ValueError):
                pass  # left as it is: Scene validation names it
        out.append(mark)
    return tuple(out)


@wire("morphology_view_spec")
@dataclass(frozen=True, kw_only=True)
class MorphologyViewSpec:
    """A 3-D morphology coloured by a per-entity field.

    Args:
        id: Id of the view inside its Scene.
        geometry_id: The `MorphologyGeometry` to draw.
        color_field_id: Field with one value per entity (dims ``("segment",)``).
        color_map: Colour map name; ``"scalar"`` is the default sequential map.
        color_limits: ``(low, high)`` of the colour scale, or ``None`` for auto.
        color_norm: ``"auto"``, ``"linear"`` or ``"symmetric"`` (centred at 0).
        title: Title shown above the view.
        max_refresh_hz: Cap on redraws per second.
    """

    id: str
    geometry_id: str
    color_field_id: str
    color_map: str = "scalar"
    color_limits: tuple[float, float] | None = None
    color_norm: str = "auto"
    title: str = ""
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ


@wire("line_plot_view_spec")
@dataclass(frozen=True, kw_only=True)
class LinePlotViewSpec:
    """Line plot of a field: one curve per entry of ``series_dim`` against ``x_dim``.

    Args:
        id: Id of the view inside its Scene.
        field_id: The field to plot (2-D, or 1-D with no ``series_dim``).
        x_dim: Dim along the x axis, usually ``"time"``.
        series_dim: Dim whose entries become separate curves, or ``None``.
        rolling_window: Show only the last this-many x units, or ``None`` for all.
        title: Plot title.
        x_label: X axis label.
        x_unit: X axis unit.
        y_label: Y axis label.
        y_unit: Y axis unit.
        geometry_id: Geometry whose labels name the series (legend), or ``None``.
        max_refresh_hz: Cap on redraws per second.
        marks: Labelled x positions drawn as vertical lines (`AxisMark`, or
            ``(x, label)`` pairs, stored as `AxisMark`), e.g. the control
            changes of a replayed recording.
    """

    id: str
    field_id: str
    x_dim: str = "time"
    series_dim: str | None = "segment"
    rolling_window: float | None = None
    title: str = "Trace"
    x_label: str = "Time"
    x_unit: str | None = "ms"
    y_label: str = "Value"
    y_unit: str | None = None
    geometry_id: str | None = None
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ
    marks: tuple[AxisMark, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.marks, str) and isinstance(self.marks, Sequence):
            object.__setattr__(self, "marks", _as_marks(self.marks))


@wire("surface_view_spec")
@dataclass(frozen=True, kw_only=True)
class SurfaceViewSpec:
    """A field on a `GridGeometry` drawn as a 3-D height surface.

    Args:
        id: Id of the view inside its Scene.
        geometry_id: The `GridGeometry` the field lives on.
        field_id: 2-D field with shape ``geometry.shape``.
        color_map: Colour map name.
        color_limits: ``(low, high)`` or ``None`` for auto.
        z_scale: Multiplier from field value to surface height.
        title: Title shown above the view.
        max_refresh_hz: Cap on redraws per second.
    """

    id: str
    geometry_id: str
    field_id: str
    color_map: str = "scalar"
    color_limits: tuple[float, float] | None = None
    z_scale: float = 1.0
    title: str = ""
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ


ViewSpec = MorphologyViewSpec | LinePlotViewSpec | SurfaceViewSpec
