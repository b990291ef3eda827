"""The built-in view specs: what to draw, and from which field (see `ViewSpec`)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._camera import Camera
from ._categories import check_category_field
from ._errors import SceneError
from ._geometry import GridGeometry, MorphologyGeometry
from ._segment_marks import SegmentMark, as_segment_marks, check_segment_marks
from ._view_base import DEFAULT_MAX_REFRESH_HZ, ViewSpec, finite_real
from ._wire import wire

if TYPE_CHECKING:
    from ._scene import Scene


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
class MorphologyViewSpec(ViewSpec):
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
        category_field_id: A category field (see `category_field`) the view can
            be coloured by instead, with a legend, or ``None``.
        color_by: ``"field"`` (the colour field) or ``"category"`` (the category field).
        camera: Where the view looks from (`Camera`; a preset name such as
            ``"top"`` is turned into ``Camera(preset="top")``), or ``None`` to
            frame the whole morphology from the front.
        marks: Labelled glyphs on segments (`SegmentMark`, or
            ``(entity_id, label)`` pairs, stored as `SegmentMark`): stimuli,
            synapses, the user's own notes.
    """

    id: str
    geometry_id: str
    color_field_id: str
    color_map: str = "scalar"
    color_limits: tuple[float, float] | None = None
    color_norm: str = "auto"
    title: str = ""
    max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ
    category_field_id: str | None = None
    color_by: str = "field"
    camera: Camera | None = None
    marks: tuple[SegmentMark, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "marks", as_segment_marks(self.marks))
        if isinstance(self.camera, str):
            try:
                object.__setattr__(self, "camera", Camera.of(self.camera))
            except SceneError as exc:
                raise SceneError(f"view {self.id!r}: {exc}") from None

    def field_ids(self) -> tuple[str, ...]:
        """The colour field (and the category field, when one is named)."""
        if self.category_field_id is None:
            return (self.color_field_id,)
        return (self.color_field_id, self.category_field_id)

    def value_field_ids(self) -> tuple[str, ...]:
        """The category field, if any: its indices must name its categories."""
        return () if self.category_field_id is None else (self.category_field_id,)

    def validate(self, scene: Scene) -> None:
        """The geometry is a `MorphologyGeometry`; the colour field holds one number per entity.

        Raises:
            SceneError: Naming the view, the field and the expected and actual dims.
        """
        super().validate(scene)
        geometry = self.scene_geometry(scene, self.geometry_id, MorphologyGeometry)
        self.scene_field(scene, self.color_field_id, role="colour field", shape=(geometry.n_entities,),
                         numeric=True, expected=f"one value per entity of geometry {geometry.id!r}")
        self.check_color_scale(self.color_limits, self.color_norm)
        self.check_text("color_map")
        if self.camera is not None:
            if not isinstance(self.camera, Camera):
                raise SceneError(f"view {self.id!r}: camera must be a Camera, a preset name or None, "
                                 f"got {self.camera!r}")
            self.camera.check(f"view {self.id!r}: camera")
        check_segment_marks(self.id, self.marks, geometry)
        if self.color_by not in ("field", "category"):
            raise SceneError(f"view {self.id!r}: color_by is {self.color_by!r}, expected 'field' or 'category'")
        if self.category_field_id is None:
            if self.color_by == "category":
                raise SceneError(f"view {self.id!r}: color_by 'category' needs a category_field_id")
            return
        check_category_field(scene.fields[self.category_field_id], self.id, geometry.n_entities)


@wire("line_plot_view_spec")
@dataclass(frozen=True, kw_only=True)
class LinePlotViewSpec(ViewSpec):
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

    def field_ids(self) -> tuple[str, ...]:
        """The plotted field."""
        return (self.field_id,)

    def value_field_ids(self) -> tuple[str, ...]:
        """None: only the field's dims and dtype are checked."""
        return ()

    def validate(self, scene: Scene) -> None:
        """The field is numeric with ``x_dim`` (and ``series_dim``) among its dims; the marks are sane.

        Raises:
            SceneError: Naming the view, the field and the expected and actual dims.
        """
        super().validate(scene)
        self.check_text("x_dim", "x_label", "y_label")
        self.check_text("x_unit", "y_unit", "geometry_id", "series_dim", optional=True)
        self.check_positive("rolling_window", optional=True)
        ndim = 1 if self.series_dim is None else 2
        f = self.scene_field(scene, self.field_id, ndim=ndim, numeric=True,
                             expected=f"x_dim {self.x_dim!r}" + (f" and series_dim {self.series_dim!r}"
                                                                  if self.series_dim is not None else ""))
        self.scene_dim(f, self.x_dim, "x_dim")
        if self.series_dim is not None:
            self.scene_dim(f, self.series_dim, "series_dim")
        if self.geometry_id is not None:
            self.scene_geometry(scene, self.geometry_id, MorphologyGeometry)
        _validate_marks(self)


@wire("surface_view_spec")
@dataclass(frozen=True, kw_only=True)
class SurfaceViewSpec(ViewSpec):
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

    def field_ids(self) -> tuple[str, ...]:
        """The surface's field."""
        return (self.field_id,)

    def value_field_ids(self) -> tuple[str, ...]:
        """None: only the field's shape and dtype are checked."""
        return ()

    def validate(self, scene: Scene) -> None:
        """The geometry is a `GridGeometry` and the field numeric with its shape.

        Raises:
            SceneError: Naming the view, the field and the expected and actual shape.
        """
        super().validate(scene)
        grid = self.scene_geometry(scene, self.geometry_id, GridGeometry)
        self.scene_field(scene, self.field_id, shape=grid.shape, numeric=True,
                         expected=f"the shape of grid {grid.id!r}")
        self.check_color_scale(self.color_limits)
        self.check_text("color_map")
        if not finite_real(self.z_scale):
            raise SceneError(f"view {self.id!r}: z_scale must be a finite number, got {self.z_scale!r}")


def _validate_marks(view: LinePlotViewSpec) -> None:
    marks = view.marks
    if not isinstance(marks, tuple):
        raise SceneError(f"view {view.id!r}: marks must be a sequence of AxisMark, got {type(marks).__name__}")
    for k, mark in enumerate(marks):
        if not isinstance(mark, AxisMark):
            raise SceneError(f"view {view.id!r}: mark {k} is a {type(mark).__name__}, not an AxisMark "
                             f"or an (x, label) pair")
        if isinstance(mark.x, bool) or not isinstance(mark.x, numbers.Real) or not math.isfinite(mark.x):
            raise SceneError(f"view {view.id!r}: mark {k} has x = {mark.x!r}; it must be a finite number")
        if not isinstance(mark.label, str) or not isinstance(mark.kind, str):
            raise SceneError(f"view {view.id!r}: mark {k} needs a str label and kind, got "
                             f"{mark.label!r}, {mark.kind!r}")
