"""`NeuronSceneBuilder`: the default Scene of a NEURON session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from compneurovis.core import ActionSpec, ControlSpec, MorphologyGeometry, MorphologySceneBuilder, Scene

from ._geometry import build_morphology_geometry


class NeuronSceneBuilder(MorphologySceneBuilder):
    """Build default morphology geometry and Scene objects for NEURON sessions."""

    @staticmethod
    def build_morphology_geometry(sections: Iterable[Any]) -> MorphologyGeometry:
        """Convert NEURON sections with pt3d data into MorphologyGeometry.

        One entity per segment, with id ``"<cell>.<section>[<index>]"`` and
        label ``"<section name>(<x>)"``; sections without 3-D points get them
        from ``h.define_shape()``.

        Args:
            sections: The sections, in the order their segments should appear.

        Returns:
            The geometry.
        """
        return build_morphology_geometry(sections)

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
        """Build the default morphology-plus-trace Scene for a NEURON session.

        The arguments are those of `MorphologySceneBuilder.build_scene`: the
        geometry, the display values, the traced history and the look of the
        morphology and trace views, plus controls and actions.

        Returns:
            The Scene.
        """
        return MorphologySceneBuilder.build_scene(
            geometry=geometry, display_values=display_values, trace_values=trace_values,
            trace_segment_ids=trace_segment_ids, trace_times=trace_times, display_field_id=display_field_id,
            history_field_id=history_field_id, display_unit=display_unit, history_unit=history_unit,
            morphology_color_map=morphology_color_map, morphology_color_limits=morphology_color_limits,
            morphology_color_norm=morphology_color_norm, trace_title=trace_title, trace_y_label=trace_y_label,
            trace_y_unit=trace_y_unit, controls=controls, actions=actions, title=title,
            control_ids=control_ids, action_ids=action_ids,
        )
