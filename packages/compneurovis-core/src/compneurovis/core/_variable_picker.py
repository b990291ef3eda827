"""The variable picker of live morphology sessions: colour by another per-segment quantity while running.

Backends list what their model has (NEURON's range variables, Jaxley's states
and parameters) and read the values; the control, and the updates that
switch the window over, are the same for every backend and live here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ._controls import ChoiceValueSpec, ControlSpec
from ._errors import SceneError
from ._protocol import FieldReplace, ScenePatch, SessionUpdate, StatePatch, Status
from ._scene import Scene
from ._trace_buffer import TraceBuffer

#: Id of the variable picker control (a `ChoiceValueSpec` of variable names).
VARIABLE_CONTROL_ID = "variable"
_CONTROLS_PANEL_ID = "controls"


def variable_picker_spec(options: Sequence[str], current: str, *, help: str) -> ControlSpec:
    """The ``"variable"`` choice control: ``options`` in order, ``current`` chosen.

    Args:
        options: Variable names offered, in order.
        current: The name shown now (must be one of ``options``).
        help: Tooltip of the control.
    """
    return ControlSpec(id=VARIABLE_CONTROL_ID, label="Variable",
                       value_spec=ChoiceValueSpec(options=tuple(options), default=current), help=help)


def add_variable_picker(scene: Scene, options: Sequence[str], current: str, *, help: str) -> None:
    """Add the ``"variable"`` choice control to ``scene``, first in its controls panel.

    Args:
        scene: The Scene to extend (in place).
        options: Variable names offered, in order.
        current: The name shown now (must be one of ``options``).
        help: Tooltip of the control.
    """
    scene.controls[VARIABLE_CONTROL_ID] = variable_picker_spec(options, current, help=help)
    panel = scene.panels.get(_CONTROLS_PANEL_ID)
    if panel is not None and VARIABLE_CONTROL_ID not in panel.control_ids:
        scene.panels[_CONTROLS_PANEL_ID] = dataclasses.replace(
            panel, control_ids=(VARIABLE_CONTROL_ID, *panel.control_ids))
    scene.state[VARIABLE_CONTROL_ID] = current


def variable_switch_updates(*, values: np.ndarray, sim_time: float, variable: str, unit: str,
                            traces: TraceBuffer, entity_ids: Sequence[str], display_field_id: str,
                            history_field_id: str, color_limits: tuple[float, float] | None,
                            morphology_title: str | None = None, note: str = "") -> list[SessionUpdate]:
    """The updates that switch a live morphology window to ``variable``.

    ``traces`` must already hold the new variable's first sample: the history
    restarts with it.

    Args:
        values: The new variable's current ``(n_entities,)`` float32 values.
        sim_time: Simulated time of ``values``.
        variable: Its name (the trace plot's title and y label).
        unit: Its unit (the colour bar's and trace axis' unit).
        traces: The session's fresh history buffer.
        entity_ids: Every entity id of the geometry, in row order.
        display_field_id: Id of the display field.
        history_field_id: Id of the history field.
        color_limits: The morphology's colour limits (``None``: automatic).
        morphology_title: A new title for the morphology view (``None``: keep it).
        note: Appended to the status line.
    """
    times, history = traces.snapshot()
    ids = np.asarray(entity_ids)[traces.rows]
    morphology: dict[str, object] = {"color_limits": color_limits}
    if morphology_title is not None:
        morphology["title"] = morphology_title
    return [
        FieldReplace(field_id=display_field_id, values=values, sim_time=sim_time, unit=unit),
        FieldReplace(field_id=history_field_id, values=history, coords={"time": times, "segment": ids},
                     sim_time=sim_time, unit=unit),
        ScenePatch(views={"morphology": morphology,
                          "trace": {"title": variable, "y_label": variable, "y_unit": unit}}),
        StatePatch(values={VARIABLE_CONTROL_ID: variable}),
        Status(message=f"showing {variable} [{unit or 'no unit'}]{note}", sim_time=sim_time),
    ]


class VariablePickerMixin:
    """Mixed into a `LiveMorphologySession` subclass (before it): the ``"variable"`` choice over `variables`.

    The backend fills `variables` when it builds the model and implements
    `shown_variable` and `switch_variable`; it calls `_add_picker` from
    ``build_scene`` and `_pick` from ``_set_control``. The picker is left out
    when the session defines a ``"variable"`` control itself.

    Attributes:
        variables: ``{name: unit}`` of everything the model can be coloured by.
        picker_help: Tooltip of the control (class attribute).
    """

    variables: dict[str, str]
    picker_help: ClassVar[str] = "The variable the morphology is coloured by"

    @property
    def shown_variable(self) -> str:
        """The name the morphology is coloured by now."""
        raise NotImplementedError

    def switch_variable(self, variable: str) -> None:
        """Colour by ``variable`` from now on (the history restarts with it)."""
        raise NotImplementedError

    def _picker_is_ours(self) -> bool:
        return VARIABLE_CONTROL_ID not in self.control_specs()  # type: ignore[attr-defined]

    def _add_picker(self, scene: Scene) -> None:
        """Add the picker to ``scene`` (unless the session has its own ``"variable"`` control)."""
        if self._picker_is_ours() and getattr(self, "variables", None):
            add_variable_picker(scene, tuple(self.variables), self.shown_variable, help=self.picker_help)

    def _pick(self, control_id: str, value: Any) -> bool:
        """Handle the picker's `SetControl`; ``False`` when it is not the picker's.

        Raises:
            SceneError: For a name the model does not have (listing those it has).
        """
        if control_id != VARIABLE_CONTROL_ID or not self._picker_is_ours():
            return False
        if value not in self.variables:
            raise SceneError(f"unknown variable {value!r}; available: {', '.join(self.variables)}")
        self.switch_variable(str(value))
        return True
