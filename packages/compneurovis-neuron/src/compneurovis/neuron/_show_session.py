"""`ShowSession`: a `NeuronSession` over sections the user already built, sampled, never stepped."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from compneurovis.core import (
    VARIABLE_CONTROL_ID,
    ActionSpec,
    ControlSpec,
    DisplayFrame,
    FieldAppend,
    FieldReplace,
    HistoryCaptureMode,
    SceneError,
    SessionCommand,
    variable_picker_spec,
)

from ._marks import find_marks, segment_marks
from ._sampler import RefSampler
from ._session import NeuronSession, _HocClock
from ._variables import model_variables, variable_refs
from ._voltage_span import time_value

MORPHOLOGY_VIEW_ID = "morphology"
#: Display steps kept between two sends before they are handed over as one block anyway.
PENDING_SAMPLES = 256


class ShowSession(NeuronSession):
    """The session behind `show`: the user's sections, read at each display step.

    NEURON is advanced by the user's own ``h.run()`` / ``h.continuerun()``;
    `step` only reads the current values. `show()` calls `sample` from a
    ``cvode.event`` at every display step and `emit_pending` when the window
    is due an update (`advance` does both). Sections are never deleted.

    Args:
        sections: The sections to show.
        variable: The range variable to colour by.
        display_dt: Simulated ms between display steps.
        color_limits: Colour scale ``(low, high)``, or ``None`` for automatic.
        color_map: Colour map name.
        max_samples: Most history samples kept per traced segment.
        title: Window title.
    """

    def __init__(self, sections: list[Any], *, variable: str = "v", display_dt: float = 0.5,
                 color_limits: tuple[float, float] | None = None, color_map: str = "scalar",
                 max_samples: int = 2000, title: str = "CompNeuroVis: NEURON") -> None:
        super().__init__(display_dt=display_dt, max_samples=max_samples, title=title,
                         history_capture_mode=HistoryCaptureMode.ON_DEMAND)
        self._given = sections
        self.variables = model_variables(sections)
        if variable not in self.variables:
            raise ValueError(f"unknown variable {variable!r}; available: {', '.join(self.variables)}")
        self.variable = variable
        self._limits = None if color_limits is None else (float(color_limits[0]), float(color_limits[1]))
        self._color_map = color_map
        self._nan_keep: Any = None
        self.missing = 0  # segments without the variable (drawn as "no value")
        #: ``(segment, label)`` pairs given to `show`, drawn as marks with the ones found.
        self.marks: list[tuple[Any, str]] = []
        self._latest: np.ndarray | None = None
        self._pending = (np.empty(0), np.empty((0, 0)))  # (times, traced rows' values) not yet emitted
        self._pending_count = 0
        self._raw: np.ndarray | None = None  # the latest copy of the voltages' storage rows
        self._latest_order: np.ndarray | None = None  # `_raw[_latest_order]`: the latest values in segment order
        self._offsets_key: tuple[Any, Any, np.ndarray] | None = None

    # ---------------------------------------------------------- presentation

    def build_sections(self) -> list[Any]:
        """The user's sections."""
        return self._given

    def display_variable(self) -> str:
        """The variable shown now."""
        return self.variable

    def display_unit(self) -> str | None:
        """NEURON's unit of the variable shown."""
        return self.variables.get(self.variable) or None

    def trace_title(self) -> str:
        """The variable's name."""
        return self.variable

    def trace_y_label(self) -> str:
        """The variable's name."""
        return self.variable

    def morphology_color_map(self) -> str:
        """The colour map given to `show`."""
        return self._color_map

    def morphology_color_limits(self) -> tuple[float, float] | None:
        """The limits given to `show` for ``v``; automatic for any other variable unless given."""
        if self._limits is not None:
            return self._limits
        return (-80.0, 40.0) if self.variable == "v" else None

    def history_every_step(self) -> bool:
        """One sample per display step: the user's run takes its own steps."""
        return False

    def history_interval(self) -> float:
        """Simulated ms between two history samples: the display step."""
        return float(self.display_dt or self.dt)

    def control_specs(self) -> dict[str, ControlSpec]:
        """The variable picker: every range variable of the model."""
        return {VARIABLE_CONTROL_ID: variable_picker_spec(self.variables, self.variable,
                                                          help="The range variable the morphology is coloured by")}

    #: Whether the window may hold the run (a notebook widget cannot resume a run its cell holds).
    pausable = True

    def action_specs(self) -> dict[str, ActionSpec]:
        """Pause / resume only (when `pausable`): the user's script owns initialisation."""
        if not self.pausable:
            return {}
        return {"pause": ActionSpec(id="pause", label="Pause / resume", shortcuts=("P",),
                                    help="Hold the run at the next display step, or let it go on")}

    def segment_marks(self) -> tuple[Any, ...]:
        """Every stimulus, synapse and point process found on the sections, plus the ``marks`` given to `show`."""
        return (*find_marks(self.sections), *segment_marks(self.marks, self.sections))

    # -------------------------------------------------------------- sampling

    def build_model(self) -> Any:
        """The geometry of the given sections; refs to the variable (NaN where a section lacks it)."""
        from neuron import h

        self.sections = list(self._given)
        geometry = self.scene_builder.build_morphology_geometry(self.sections)
        self._use_refs(self.variable)
        self._fadvance = h.fadvance
        clock = time_value()  # a c_double of 0.0 is falsy: test for None
        self._clock = clock if clock is not None else _HocClock(h._ref_t)
        return geometry

    def _use_refs(self, variable: str) -> None:
        from neuron import h

        refs, keep, missing = variable_refs(self.sections or [], variable)
        self._display = RefSampler([*refs, h._ref_t])
        self._display_refs, self._nan_keep, self.missing = refs, keep, missing
        self._span, self._span_token, self._spannable = None, None, variable == "v" and missing == 0
        self._traced = self._sampled_rows = None

    def initialize_state(self) -> tuple[float, np.ndarray]:
        """The current time and values (the user's code initialises NEURON).

        Also lays out the voltages' storage span now (in ``show()`` and at each
        ``finitialize``), not at the first display step: laying it out takes
        tens of ms on a cell of thousands of segments, a stall the run would
        otherwise take at its start.
        """
        assert self._display is not None
        self._voltage_span()
        sample = self._display.read()
        return float(sample[-1]), sample[:-1]

    def step(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Read the current values; NEURON is advanced by the user's run."""
        return self._sample_display()

    def advance(self) -> None:
        """Read the model once and queue the display frame and one history sample (`sample`, then `emit_pending`).

        Unlike a stepping session, a NaN is not an error here: it marks a
        segment without the variable shown (drawn as "no value").
        """
        self.sample()
        self.emit_pending()

    def sample(self) -> None:
        """Read the model once and keep the values; no update is made yet (`emit_pending` makes them).

        What runs at every display step of the user's run, so it does little:
        one contiguous copy of the voltages' storage rows (put into segment
        order only when sent) and one row of the traced segments, into arrays
        made once. The window draws ~30 times a second, so the updates are
        built only as often as they are sent.
        """
        k = self._pending_count
        if k == PENDING_SAMPLES:  # a long stretch with nothing sent: hand over a block, go on
            self.emit_pending()
            k = 0
        pending_times, pending_rows = self._pending
        span = self._voltage_span()
        if span is not None:
            if span.fill is not None:
                span.fill()
            raw = self._raw
            if raw is None or raw.shape != span.window.shape:
                raw = self._raw = np.empty(span.window.shape)
            np.copyto(raw, span.window)
            self._latest_order = span.offsets
            # the offsets are in range: "wrap" only picks numpy's faster loop (see VoltageSpan.order)
            np.take(raw, self._traced_offsets(span), out=pending_rows[k], mode="wrap")
            pending_times[k] = self._clock.value
        else:  # another variable, or no storage view: read through the refs
            times, values = self._sample_display()
            self._latest, self._latest_order = values[-1], None
            pending_rows[k] = values[-1][self._traces.rows]  # type: ignore[union-attr]
            pending_times[k] = times[-1]
        self._pending_count = k + 1

    def _traced_offsets(self, span: Any) -> np.ndarray:
        """Where the traced segments' values sit in ``span``'s window (kept until the span or the rows change)."""
        rows = self._traces.rows  # type: ignore[union-attr]
        key = self._offsets_key
        if key is None or key[0] is not span or key[1] is not rows:
            self._offsets_key = (span, rows, span.offsets[rows])
        return self._offsets_key[2]

    @property
    def has_pending(self) -> bool:
        """Whether samples were taken since the last `emit_pending`."""
        return self._pending_count > 0

    def emit_pending(self) -> None:
        """Queue the latest display frame and the history of every sample taken since the last call."""
        k = self._pending_count
        if k == 0:
            return
        traces = self._traces
        assert traces is not None, "initialize() must run before sampling"
        pending_times, pending_rows = self._pending
        times = pending_times[:k].copy()
        rows = pending_rows[:k].astype(np.float32)
        if self._latest_order is not None:  # read from the storage rows: segment order now
            self._latest = self._raw[self._latest_order].astype(np.float32)
        self._pending_count = 0
        self.time = now_sim = float(times[-1])
        now = time.monotonic()
        self.emit(DisplayFrame(field_id=self.display_field_id(), values=self._latest, sim_time=now_sim,
                               produced_at=now))
        self.emit(FieldAppend(field_id=self.history_field_id(), append_dim="time",
                              values=traces.append_rows(times, rows), coord_values=times,
                              max_length=traces.capacity, sim_time=now_sim, produced_at=now))

    def _fresh_traces(self, rows: list[int]) -> Any:
        """A new history (the samples taken for the old one are queued first), and an empty pending block."""
        self.emit_pending()
        traces = super()._fresh_traces(rows)
        self._pending = (np.empty(PENDING_SAMPLES), np.empty((PENDING_SAMPLES, len(traces.rows))))
        self._pending_count = 0
        return traces

    def handle(self, command: SessionCommand) -> None:
        """Queue the samples taken so far, then react to ``command`` (it may restart the history)."""
        self.emit_pending()
        super().handle(command)

    def add_trace(self, entity_id: str) -> bool:
        """Start keeping history for ``entity_id`` (the samples taken so far are queued first)."""
        self.emit_pending()
        added = super().add_trace(entity_id)
        if added:
            self._pending = (self._pending[0], np.empty((PENDING_SAMPLES, len(self._traces.rows))))
        return added

    def apply_control(self, control_id: str, value: Any) -> bool:
        """The variable picker switches what the morphology shows."""
        if control_id != VARIABLE_CONTROL_ID:
            return False
        self.switch_variable(str(value))
        return True

    @property
    def shown_variable(self) -> str:
        """The range variable the morphology is coloured by now."""
        return self.variable

    def switch_variable(self, variable: str) -> None:
        """Colour by ``variable`` from now on; the history restarts with it.

        Raises:
            ValueError: If the model has no such variable (listing the available ones).
        """
        if variable not in self.variables:
            raise ValueError(f"unknown variable {variable!r}; available: {', '.join(self.variables)}")
        self._use_refs(variable)
        self.variable = variable
        self.control_values[VARIABLE_CONTROL_ID] = variable
        unit = self.display_unit() or ""
        time_now, values = self.initialize_state()
        values = values.astype(np.float32)
        self._emit_variable_switch(variable, unit, values, time_now, missing=self.missing,
                                   color_limits=self.morphology_color_limits(), morphology_title=variable)

    def _emit_history_replace(self, unit: str | None = None) -> None:
        assert self._traces is not None and self.geometry is not None
        times, values = self._traces.snapshot()
        ids = np.asarray(self.geometry.entity_ids)[self._traces.rows]
        self.emit(FieldReplace(field_id=self.history_field_id(), values=values,
                               coords={"time": times, "segment": ids}, sim_time=self.time, unit=unit))

    def _set_control(self, control_id: str, value: Any) -> None:
        if control_id == VARIABLE_CONTROL_ID and value not in self.variables:
            raise SceneError(f"unknown variable {value!r}; available: {', '.join(self.variables)}")
        super()._set_control(control_id, value)

    def _release_model(self) -> None:
        """Forget the refs; the sections are the user's and stay."""
        self.sections = None
        super()._release_model()
