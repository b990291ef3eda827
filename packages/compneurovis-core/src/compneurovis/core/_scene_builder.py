"""The default morphology-plus-trace Scene shared by the simulator backends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ._controls import ActionSpec, ControlSpec
from ._field import Field
from ._geometry import MorphologyGeometry
from ._layout import LayoutSpec, PanelSpec
from ._scene import Scene
from ._views import LinePlotViewSpec, MorphologyViewSpec

#: Ids of the pieces of the default Scene.
MORPHOLOGY_VIEW_ID = "morphology"
TRACE_VIEW_ID = "trace"
CONTROLS_PANEL_ID = "controls"


def _ordered(items: Mapping[str, Any] | Iterable[Any] | None, order: tuple[str, ...] | None) -> list[Any]:
    if items is None:
        return []
    pool = dict(items) if isinstance(items, Mapping) else {item.id: item for item in items}
    if order is None:
        return list(pool.values())
    missing = [i for i in order if i not in pool]
    if missing:
        raise ValueError(f"order names unknown id(s) {missing}; known: {sorted(pool)}")
    return [pool[i] for i in order] + [v for k, v in pool.items() if k not in order]


class MorphologySceneBuilder:
    """Build the default Scene: 3-D morphology, trace plot and controls panel.

    The morphology is coloured by the display field, the trace plot shows the
    history field. Backends subclass it to add a ``build_morphology_geometry`` for their simulator.
    """

    DISPLAY_FIELD_ID = "segment_display"
    HISTORY_FIELD_ID = "segment_history"
    TRACE_FIELD_ID = HISTORY_FIELD_ID

    @staticmethod
    def build_scene(
        *,
        geometry: MorphologyGeometry,
        display_values: np.ndarray,
        trace_values: np.ndarray,
        trace_segment_ids: np.ndarray,
        trace_times: np.ndarray,
        display_field_id: str | None = None,
        history_field_id: str | None = None,
        display_unit: str | None = None,
        history_unit: str | None = None,
        morphology_color_map: str = "scalar",
        morphology_color_limits: tuple[float, float] | None = None,
        morphology_color_norm: str = "auto",
        trace_title: str = "Trace",
        trace_y_label: str = "Value",
        trace_y_unit: str | None = None,
        controls: Mapping[str, ControlSpec] | Iterable[ControlSpec] | None = None,
        actions: Mapping[str, ActionSpec] | Iterable[ActionSpec] | None = None,
        title: str = "CompNeuroVis",
        control_ids: tuple[str, ...] | None = None,
        action_ids: tuple[str, ...] | None = None,
    ) -> Scene:
        """Build the default morphology-plus-trace Scene.

        Args:
            geometry: Where the segments are.
            display_values: ``(n_segments,)`` latest value per segment.
            trace_values: ``(n_times, n_traced)`` history of the traced segments,
                time-major like the history field.
            trace_segment_ids: Entity ids of the traced segments.
            trace_times: ``(n_times,)`` sample times of the history.
            display_field_id: Id of the display field (default ``"segment_display"``).
            history_field_id: Id of the history field (default ``"segment_history"``).
            display_unit: Unit of the display values.
            history_unit: Unit of the history values (default: ``display_unit``).
            morphology_color_map: Colour map of the morphology view.
            morphology_color_limits: Colour limits, or ``None`` for auto.
            morphology_color_norm: ``"auto"``, ``"linear"`` or ``"symmetric"``.
            trace_title: Title of the trace plot.
            trace_y_label: Y label of the trace plot.
            trace_y_unit: Y unit of the trace plot (default: ``history_unit``).
            controls: Controls to show, as ``{id: spec}`` or specs.
            actions: Actions to show, as ``{id: spec}`` or specs.
            title: Window title.
            control_ids: Order of the controls (others follow in given order).
            action_ids: Order of the actions (others follow in given order).

        Returns:
            The Scene.
        """
        display_id = display_field_id or MorphologySceneBuilder.DISPLAY_FIELD_ID
        history_id = history_field_id or MorphologySceneBuilder.HISTORY_FIELD_ID
        history_unit = history_unit if history_unit is not None else display_unit
        ids = np.asarray(geometry.entity_ids)
        display = Field(display_id, np.asarray(display_values, dtype=np.float32), ("segment",),
                        {"segment": ids}, display_unit)
        trace = np.asarray(trace_values, dtype=np.float32)
        expected = (len(trace_times), len(trace_segment_ids))
        if trace.shape != expected and not (trace.size == 0 and 0 in expected):
            raise ValueError(f"trace_values has shape {trace.shape}, expected (n_times, n_traced) = {expected}")
        history = Field(
            history_id,
            trace.reshape(expected),
            ("time", "segment"),
            {"time": np.asarray(trace_times, dtype=np.float64),
             "segment": np.asarray(trace_segment_ids, dtype=ids.dtype if len(ids) else str)},
            history_unit,
        )
        control_list = _ordered(controls, control_ids)
        action_list = _ordered(actions, action_ids)
        views = [
            MorphologyViewSpec(
                id=MORPHOLOGY_VIEW_ID, geometry_id=geometry.id, color_field_id=display_id,
                color_map=morphology_color_map, color_limits=morphology_color_limits,
                color_norm=morphology_color_norm, title=title,
            ),
            LinePlotViewSpec(
                id=TRACE_VIEW_ID, field_id=history_id, x_dim="time", series_dim="segment",
                title=trace_title, y_label=trace_y_label,
                y_unit=trace_y_unit if trace_y_unit is not None else history_unit,
                geometry_id=geometry.id,
            ),
        ]
        panels = [
            PanelSpec(id=MORPHOLOGY_VIEW_ID, kind="view_3d", view_ids=(MORPHOLOGY_VIEW_ID,)),
            PanelSpec(id=TRACE_VIEW_ID, kind="line_plot", view_ids=(TRACE_VIEW_ID,), title=trace_title),
            PanelSpec(id=CONTROLS_PANEL_ID, kind="controls", title="Controls",
                      control_ids=tuple(c.id for c in control_list),
                      action_ids=tuple(a.id for a in action_list)),
        ]
        layout = LayoutSpec(columns=((MORPHOLOGY_VIEW_ID,), (TRACE_VIEW_ID, CONTROLS_PANEL_ID)),
                            column_weights=(3.0, 2.0))
        return Scene(fields=[display, history], geometries=[geometry], views=views,
                     controls=control_list, actions=action_list, panels=panels,
                     layout=layout, title=title)
