"""`LiveMorphologySession`: what every live compartmental-simulator session shares.

A backend subclass (NEURON, Jaxley, or your own) implements three abstract
hooks and gets display/history fields, capture modes, controls, actions,
clicks, shortcuts and reset for free:

- `build_model` ``() -> MorphologyGeometry``: create the model; return its geometry.
- `initialize_state` ``() -> (t, values)``: (re)initialise the simulation state
  and return the time and the ``(n_entities,)`` display values.
- `step` ``(n) -> (times, values)``: advance ``n`` steps (one display frame, or
  several: `frames_per_advance`); return ``(k,)`` times
  and ``(k, n_entities)`` display values, one row per sampled step: every step
  (``k = n``), or only the last one (``k = 1``) when `history_every_step` is
  false. A backend that always returns every step is fine: the base keeps the
  last row then.

Labels, units and colours come from one frozen `MorphologyStyle` (`style`).
"""

from __future__ import annotations

import math
import time
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._controls import ActionSpec, ControlSpec
from ._errors import SceneError
from ._geometry import MorphologyGeometry
from ._history import HistoryCaptureMode
from ._protocol import (
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    Reset,
    ScenePatch,
    SessionCommand,
    SessionUpdate,
    SetControl,
    StatePatch,
    Status,
    StopSession,
)
from ._scene import Scene
from ._scene_builder import TRACE_VIEW_ID, MorphologySceneBuilder
from ._session import PREVIEW_PREFIX, BufferedSession
from ._style import MorphologyStyle
from ._trace_buffer import TraceBuffer
from ._variable_picker import variable_switch_updates

_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)  # compared every frame


@dataclass
class CommandContext:
    """What a command hook (``on_action``, ``on_key_press``, ...) may use.

    Attributes:
        session: The session handling the command.
        command: The command being handled.
    """

    session: LiveMorphologySession
    command: SessionCommand

    def emit(self, update: SessionUpdate) -> None:
        """Send an update to the frontend."""
        self.session.emit(update)

    def status(self, message: str) -> None:
        """Show ``message`` in the frontend's status bar."""
        self.session.emit(Status(message=message, sim_time=self.session.time))


class LiveMorphologySession(BufferedSession, ABC):
    """Base of live sessions on a morphology: display field, history field, commands.

    Subclasses implement `build_model`, `initialize_state` and `step`, and set
    `style` (class attribute) for their labels, units and colours.

    Args:
        dt: Integration time step, in ms.
        v_init: Initial membrane potential, in mV.
        max_samples: Most history samples kept per traced entity.
        display_dt: Simulated time between display frames, in ms; ``None``
            means one frame per step.
        history_capture_mode: `HistoryCaptureMode` or its string value.
        title: Window title.
    """

    HISTORY_CAPTURE_ON_DEMAND = HistoryCaptureMode.ON_DEMAND
    HISTORY_CAPTURE_FULL = HistoryCaptureMode.FULL
    #: Most wall-clock seconds between two checks of the display values for NaN/inf.
    FINITE_CHECK_INTERVAL = 0.005
    #: Wall-clock seconds one `advance` aims to take once `allow_batched_advance` was called; ``0`` (the
    #: default): one display frame per call all the same. Above ``0``, frames that simulate faster than
    #: this are advanced several per call (`frames_per_advance`): one `step` and one update pair for all
    #: of them. A backend whose `step` takes any ``n_steps`` sets it (NEURON: 4 ms, Jaxley: 2 ms; Jaxley
    #: rounds the count down to a power of two, each compiled once).
    ADVANCE_TARGET_S = 0.0
    #: Most display frames one `advance` simulates (when `ADVANCE_TARGET_S` is set).
    MAX_FRAMES_PER_ADVANCE = 8
    #: Most bytes of float32 display values (steps x entities) one `advance` produces: larger blocks
    #: leave the processor's cache the simulator works in.
    MAX_ADVANCE_BYTES = 384 * 1024
    scene_builder: type[MorphologySceneBuilder] = MorphologySceneBuilder
    #: Labels, units and colours of what the session shows.
    style: MorphologyStyle = MorphologyStyle()

    def __init__(
        self,
        *,
        dt: float = 0.1,
        v_init: float = -65.0,
        max_samples: int = 1000,
        display_dt: float | None = 0.1,
        history_capture_mode: HistoryCaptureMode | str = HistoryCaptureMode.ON_DEMAND,
        title: str = "CompNeuroVis",
    ) -> None:
        super().__init__()
        self.dt = dt
        self.v_init = v_init
        self.max_samples = max_samples
        self.display_dt = display_dt
        self.history_capture_mode = HistoryCaptureMode(history_capture_mode)
        self.title = title
        self.geometry: MorphologyGeometry | None = None
        self.time = 0.0
        self.control_values: dict[str, Any] = {}
        self._traces: TraceBuffer | None = None
        #: Whether the history samples every step (set from `history_every_step` at initialise).
        self._history_each_step = True
        self._field_ids = (self.scene_builder.DISPLAY_FIELD_ID, self.scene_builder.HISTORY_FIELD_ID)
        self._running = True
        self._stopped = False
        #: Entities that have no value of what is shown (NaN by design, drawn grey), or ``None``.
        self._absent: np.ndarray | None = None
        self._next_finite_check = 0.0  # `time.monotonic()` of the next NaN/inf check (`_check_finite`)
        self._frames = 1  # display frames the next `advance` simulates (`frames_per_advance`)
        self._batched = False  # `allow_batched_advance` was called

    # ----------------------------------------------------------- backend hooks

    @abstractmethod
    def build_model(self) -> MorphologyGeometry:
        """Create the model (called by `initialize`); return its geometry, one entity per compartment."""

    @abstractmethod
    def initialize_state(self) -> tuple[float, np.ndarray]:
        """(Re)initialise the simulation state (at `initialize` and every reset).

        Returns:
            The time, in ms, and the ``(n_entities,)`` display values.
        """

    @abstractmethod
    def step(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Advance ``n_steps`` integration steps (one display frame or several, `frames_per_advance`).

        Returns:
            ``(k,)`` times and ``(k, n_entities)`` display values, one row per
            sampled step: every step (``k = n_steps``), or only the last one
            (``k = 1``) when `history_every_step` is false. The values may be
            a view of a buffer the session writes again at its next step (their
            ``base`` is then set): `advance` copies what it keeps.
        """

    # ------------------------------------------------------- customisation API

    def control_specs(self) -> dict[str, ControlSpec]:
        """Controls to show; override to add sliders etc. Default: none."""
        return {}

    def action_specs(self) -> dict[str, ActionSpec]:
        """Actions to show. Default: ``reset`` (Space) and ``pause`` (P).

        Override and extend ``super().action_specs()`` to keep them.
        """
        return {
            "reset": ActionSpec(id="reset", label="Reset", shortcuts=("Space",),
                                help="Re-initialise the simulation"),
            "pause": ActionSpec(id="pause", label="Pause / resume", shortcuts=("P",),
                                help="Pause or resume the simulation"),
        }

    def control_order(self) -> tuple[str, ...] | None:
        """Order of the controls in the panel, or ``None`` for definition order."""
        return None

    def action_order(self) -> tuple[str, ...] | None:
        """Order of the action buttons, or ``None`` for definition order."""
        return None

    def trace_view_updates(self) -> dict[str, Any]:
        """Attribute overrides for the trace `LinePlotViewSpec`, e.g. ``{"rolling_window": 50.0}``."""
        return {}

    def display_field_id(self) -> str:
        """Id of the per-segment display field (`style`, else the scene builder's)."""
        return self.style.display_field_id or self.scene_builder.DISPLAY_FIELD_ID

    def history_field_id(self) -> str:
        """Id of the per-segment history field (`style`, else the scene builder's)."""
        return self.style.history_field_id or self.scene_builder.HISTORY_FIELD_ID

    def display_unit(self) -> str | None:
        """Unit of the display values (`style`; default ``"mV"``, membrane voltage)."""
        return self.style.display_unit

    def history_unit(self) -> str | None:
        """Unit of the history values (`style`; default: the display unit)."""
        return self.style.history_unit or self.display_unit()

    def morphology_color_map(self) -> str:
        """Colour map of the morphology view (`style`; default ``"scalar"``)."""
        return self.style.color_map

    def morphology_color_limits(self) -> tuple[float, float] | None:
        """Colour limits of the morphology view (`style`; default ``(-80, 40)`` mV; ``None`` is auto)."""
        return self.style.color_limits

    def morphology_color_norm(self) -> str:
        """Colour normalisation of the morphology view (`style`; default ``"auto"``)."""
        return self.style.color_norm

    def trace_title(self) -> str:
        """Title of the trace plot (`style`; default ``"Membrane potential"``)."""
        return self.style.trace_title

    def trace_y_label(self) -> str:
        """Y label of the trace plot (`style`; default ``"V"``)."""
        return self.style.trace_y_label

    def trace_y_unit(self) -> str:
        """Y unit of the trace plot (`style`; default: the history unit)."""
        return self.style.trace_y_unit or self.history_unit() or ""

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Apply a new control value to the model. Return whether it was handled."""
        return False

    def apply_action(self, action_id: str, payload: dict[str, object]) -> bool:
        """Default action handling (``reset``, ``pause``). Return whether handled."""
        if action_id == "reset":
            self._reset()
            return True
        if action_id == "pause":
            self._running = not self._running
            self.emit(Status(message="running" if self._running else "paused", sim_time=self.time))
            return True
        return False

    def on_action(self, action_id: str, payload: dict[str, Any], context: CommandContext) -> bool:
        """Hook run before `apply_action`; return ``True`` to stop there."""
        return False

    def on_key_press(self, key: str, context: CommandContext) -> bool:
        """Hook for a key no action claims; return ``True`` if handled."""
        return False

    def on_entity_clicked(self, entity_id: str, context: CommandContext) -> bool:
        """Hook for a click on a segment; return ``True`` to skip the default."""
        return False

    def should_capture_trace_on_click(self, entity_id: str, context: CommandContext) -> bool:
        """Whether a click starts a trace of ``entity_id`` (``ON_DEMAND`` mode)."""
        return True

    def history_every_step(self) -> bool:
        """Whether history keeps every integration step, or one sample per display frame.

        Default ``True``: the complete record in both modes (every traced
        entity in ``ON_DEMAND``, every entity in ``FULL``), so a spike shorter
        than a display frame is not aliased. Override to return ``False`` to
        keep one sample per display frame (at ``display_dt``) instead: fewer
        samples for the window and a recording to hold when every entity of a
        large model is kept. The display frames themselves are the same
        either way.
        """
        return True

    def history_interval(self) -> float:
        """Simulated ms between two history samples: ``dt``, or one display frame."""
        return self.dt if self.history_every_step() else self.dt * self.steps_per_update()

    def default_trace_entities(self) -> list[str]:
        """Entities traced from the start in ``ON_DEMAND`` mode: the first one."""
        assert self.geometry is not None
        return list(self.geometry.entity_ids[:1])

    # ---------------------------------------------------------------- running

    def steps_per_update(self) -> int:
        """Simulation steps per display frame: ``round(display_dt / dt)``, at least 1."""
        if self.display_dt is None:
            return 1
        return max(1, round(self.display_dt / self.dt))

    def allow_batched_advance(self) -> None:
        """Let `advance` simulate several display frames per call when each is fast (`frames_per_advance`).

        The worker, the server and the notebook's source call it; code that
        calls `advance` itself keeps one display frame per call.
        """
        self._batched = True

    def frames_per_advance(self) -> int:
        """Display frames the next `advance` simulates: 1, or more for a fast model in a transport's loop.

        After `allow_batched_advance`, and with `ADVANCE_TARGET_S` set (NEURON
        and Jaxley set it), frames that simulate in less wall-clock time than
        that are advanced several per call, as one `step` of all their steps:
        the history keeps every step as before, and the display frame of the
        call is its last one (a window shows at most tens of frames a second; the
        frames in between would be skipped on the way anyway). Each call
        costs Python objects and calls, which a 2,536-segment NEURON cell's
        frame of 4 steps felt as 3-5 % of its speed. At most
        `MAX_FRAMES_PER_ADVANCE` frames and `MAX_ADVANCE_BYTES` of values;
        1 after every command (so its effect shows in the next frame), and
        while history keeps one sample per frame (`history_every_step` false).
        """
        return self._frames

    def _measured_frames(self, seconds_per_frame: float, steps: int) -> int:
        """How many frames the next `advance` simulates, after frames of ``steps`` steps, ``seconds_per_frame`` each."""
        target = self.ADVANCE_TARGET_S
        if not self._batched or target <= 0 or not self._history_each_step or self.geometry is None:
            return 1
        frame_bytes = 4 * steps * max(1, self.geometry.n_entities)
        cap = min(self.MAX_FRAMES_PER_ADVANCE, self.MAX_ADVANCE_BYTES // frame_bytes)
        if seconds_per_frame <= 0:
            return max(1, cap)
        return max(1, min(cap, int(target / seconds_per_frame)))

    def idle_sleep(self) -> float:
        """Seconds to sleep per loop turn while paused."""
        return 0.02

    def is_live(self) -> bool:
        """Whether the simulation is running (not paused, stopped or failed)."""
        return self._running and not self._stopped

    def history_length(self) -> int:
        """Samples kept per traced entity: ``max_samples``, or fewer for a rolling window."""
        window = self.trace_view_updates().get("rolling_window")
        if window:
            return max(1, min(self.max_samples, math.ceil(window / self.history_interval() - 1e-9) + 1))
        return self.max_samples

    def morphology_preview(self, geometry: MorphologyGeometry, status: str) -> Scene:
        """The morphology alone, grey (no values yet), status `PREVIEW_PREFIX` + ``status``: for `show_preview`.

        Its segments and entity ids are those of the session's own Scene; it
        has no controls (they may need the model's state).
        """
        scene = self.scene_builder.build_scene(
            geometry=geometry, display_values=np.full(geometry.n_entities, np.nan, dtype=np.float32),
            trace_values=np.zeros((0, 0), dtype=np.float32), trace_segment_ids=np.array([], dtype=str),
            trace_times=np.zeros(0), display_field_id=self.display_field_id(),
            history_field_id=self.history_field_id(), display_unit=self.display_unit(),
            morphology_color_map=self.morphology_color_map(), morphology_color_limits=self.morphology_color_limits(),
            morphology_color_norm=self.morphology_color_norm(), trace_title=self.trace_title(),
            trace_y_label=self.trace_y_label(), trace_y_unit=self.trace_y_unit(), title=self.title,
        )
        scene.status = f"{PREVIEW_PREFIX}{status}"
        return scene

    def build_scene(self, *, geometry: MorphologyGeometry, display_values: np.ndarray,
                    time_value: float) -> Scene:
        """Build the initial Scene from sampled values and morphology geometry."""
        del time_value  # the frames carry the time; a status line "t = 0 ms" went stale with the first of them
        assert self._traces is not None
        times, values = self._traces.snapshot()
        controls = self.control_specs()
        scene = self.scene_builder.build_scene(
            geometry=geometry, display_values=display_values, trace_values=values,
            trace_segment_ids=np.asarray(geometry.entity_ids)[self._traces.rows],
            trace_times=times,
            display_field_id=self.display_field_id(), history_field_id=self.history_field_id(),
            display_unit=self.display_unit(), history_unit=self.history_unit(),
            morphology_color_map=self.morphology_color_map(),
            morphology_color_limits=self.morphology_color_limits(),
            morphology_color_norm=self.morphology_color_norm(),
            trace_title=self.trace_title(), trace_y_label=self.trace_y_label(),
            trace_y_unit=self.trace_y_unit(), controls=controls, actions=self.action_specs(),
            title=self.title, control_ids=self.control_order(), action_ids=self.action_order(),
        )
        trace_updates = self.trace_view_updates()
        if trace_updates:
            scene.apply(ScenePatch(views={TRACE_VIEW_ID: trace_updates}))
        scene.state.update(self.control_values)
        return scene

    def initialize(self) -> Scene:
        """Build the model, sample it once, and return the first Scene."""
        self.geometry = self.build_model()
        if self.geometry.n_entities == 0:
            raise ValueError(f"{type(self).__name__}: the model has no segments to show")
        self.control_values = {cid: spec.default for cid, spec in self.control_specs().items()}
        self._history_each_step = self.history_every_step()
        self._field_ids = (self.display_field_id(), self.history_field_id())
        self.time, values = self.initialize_state()
        self._traces = self._fresh_traces(list(self._initial_trace_rows()))
        self._traces.append(np.array([self.time]), values[None, :])
        return self.build_scene(geometry=self.geometry, display_values=values, time_value=self.time)

    def _initial_trace_rows(self) -> np.ndarray:
        assert self.geometry is not None
        if self.history_capture_mode is HistoryCaptureMode.FULL:
            return np.arange(self.geometry.n_entities)
        return self.geometry.indices_of(self.default_trace_entities())

    def _fresh_traces(self, rows: list[int]) -> TraceBuffer:
        # FULL traces every entity from the start: nothing here reads its past back (the consumers keep it)
        return TraceBuffer(self.history_length(), rows,
                           keep_history=self.history_capture_mode is not HistoryCaptureMode.FULL)

    def _emit_variable_switch(self, variable: str, unit: str, values: np.ndarray, now: float, *, missing: int,
                              color_limits: tuple[float, float] | None, morphology_title: str | None = None,
                              noun: str = "segments") -> None:
        """Restart the history with ``values``, the first sample of ``variable`` at ``now``, and switch the window.

        ``missing`` entities (``noun``) lack the variable: the status line says so (they are drawn grey).
        """
        assert self._traces is not None and self.geometry is not None
        self._traces = self._fresh_traces(list(self._traces.rows))
        self._traces.append(np.array([now]), values[None, :])
        note = f"; {missing} {noun} have no {variable} (grey)" if missing else ""
        for update in variable_switch_updates(
                values=values, sim_time=now, variable=variable, unit=unit, traces=self._traces,
                entity_ids=self.geometry.entity_ids, display_field_id=self.display_field_id(),
                history_field_id=self.history_field_id(), color_limits=color_limits,
                morphology_title=morphology_title, note=note):
            self.emit(update)

    def advance(self) -> None:
        """Simulate `frames_per_advance` display intervals; emit the last display frame and their history."""
        traces = self._traces
        assert traces is not None, "initialize() must run before advance()"
        frames, steps = self.frames_per_advance(), self.steps_per_update()
        started = time.monotonic()
        times, values = self.step(steps * frames)
        if not self._history_each_step and len(times) > 1:
            times, values = times[-1:], values[-1:]
        if values.dtype != _FLOAT32:  # every value leaves the session as float32
            with np.errstate(over="ignore"):  # a state beyond float32 becomes inf: reported below
                values = values.astype(np.float32)
        if times.dtype != _FLOAT64:
            times = times.astype(np.float64)
        latest = values[-1] if values.base is None else values[-1].copy()  # a step may reuse its frame's buffer
        self.time = now_sim = float(times[-1])
        now = time.monotonic()
        self._frames = self._measured_frames((now - started) / frames, steps)
        if now >= self._next_finite_check:
            self._check_finite(latest, now_sim, now)
        # the frame: the latest display values, then the history block (one update each)
        display_id, history_id = self._field_ids
        self.emit(DisplayFrame(field_id=display_id, values=latest, sim_time=now_sim, produced_at=now))
        self.emit(FieldAppend(field_id=history_id, append_dim="time", values=traces.append(times, values),
                              coord_values=times, max_length=traces.capacity, sim_time=now_sim, produced_at=now))

    def _check_finite(self, latest: np.ndarray, now_sim: float, now: float) -> None:
        """Pause with an `Error` if a display value that should be finite is NaN or inf.

        Runs at most every `FINITE_CHECK_INTERVAL` seconds of wall-clock time
        (every frame of a model slower than that) and at the first frame after
        any command: a NaN or inf stays so in the next steps, and a pass over
        thousands of values after every frame cost a 2,536-segment NEURON cell
        ~3 % of its speed.
        """
        self._next_finite_check = now + self.FINITE_CHECK_INTERVAL
        # one dot product is far cheaper than isfinite over thousands of entities; NaN/inf survive it
        if math.isfinite(float(np.dot(latest, latest))):
            return
        absent = self._absent
        not_finite = ~np.isfinite(latest) & (~absent if absent is not None else True)
        if not not_finite.any():
            return
        bad = self.geometry.entity_ids[int(np.flatnonzero(not_finite)[0])]  # type: ignore[union-attr]
        self._running = False
        self.emit(Error(message=(f"simulation state became NaN/inf by t = {now_sim:.3f} ms "
                                 f"(first at {bad}); paused: change parameters and reset")))

    def _reset(self) -> None:
        assert self._traces is not None
        self.time, values = self.initialize_state()
        self._traces = self._fresh_traces(list(self._traces.rows))
        self._traces.append(np.array([self.time]), values[None, :])
        self._running = True
        self.emit(DisplayFrame(field_id=self.display_field_id(),
                               values=np.asarray(values, dtype=np.float32), sim_time=self.time))
        self._emit_history_replace()
        self.emit(Status(message="reset", sim_time=self.time))

    def _emit_history_replace(self) -> None:
        assert self._traces is not None and self.geometry is not None
        times, values = self._traces.snapshot()
        ids = np.asarray(self.geometry.entity_ids)[self._traces.rows]
        self.emit(FieldReplace(field_id=self.history_field_id(), values=values,
                               coords={"time": times, "segment": ids}, sim_time=self.time))

    def add_trace(self, entity_id: str) -> bool:
        """Start keeping history for ``entity_id``; return ``False`` if already traced."""
        assert self._traces is not None and self.geometry is not None
        row = self.geometry.index_of(entity_id)
        if row in self._traces.rows:
            return False
        self._traces.add_row(row)
        self._emit_history_replace()
        return True

    # --------------------------------------------------------------- commands

    def handle(self, command: SessionCommand) -> None:
        """Dispatch one command; a bad command becomes an `Error` update, not a crash."""
        self._next_finite_check = 0.0  # a command may break the model: check the next frame
        self._frames = 1  # ... and show its effect in it
        context = CommandContext(self, command)
        try:
            self._dispatch(command, context)
        except SceneError as exc:
            self.emit(Error(message=str(exc)))

    def _dispatch(self, command: SessionCommand, context: CommandContext) -> None:
        if isinstance(command, Reset):
            self._reset()
        elif isinstance(command, SetControl):
            self._set_control(command.control_id, command.value)
        elif isinstance(command, InvokeAction):
            self._invoke(command.action_id, dict(command.payload), context)
        elif isinstance(command, KeyPressed):
            if not self.on_key_press(command.key, context):
                for action in self.action_specs().values():
                    if command.key in action.shortcuts:
                        self._invoke(action.id, dict(action.payload), context)
                        break
        elif isinstance(command, EntityClicked):
            if self.geometry is not None:
                self.geometry.index_of(command.entity_id)  # unknown ids raise SceneError
            if not self.on_entity_clicked(command.entity_id, context) and (
                self.history_capture_mode is HistoryCaptureMode.ON_DEMAND
                and self.should_capture_trace_on_click(command.entity_id, context)
            ):
                self.add_trace(command.entity_id)
        elif isinstance(command, StopSession):
            self._stopped = True

    def _set_control(self, control_id: str, value: Any) -> None:
        specs = self.control_specs()
        if control_id not in specs:
            raise SceneError(f"unknown control {control_id!r}; this session has {sorted(specs)}")
        value = specs[control_id].validate(value)
        previous = self.control_values.get(control_id)
        self.control_values[control_id] = value
        try:
            handled = self.apply_control(control_id, value)
        except Exception as exc:  # noqa: BLE001 - a failing control must not stop the session
            self.control_values[control_id] = previous
            self.emit(Error(message=f"control {control_id!r} = {value!r} failed: {exc}",
                            traceback=traceback.format_exc()))
            return
        self.emit(StatePatch(values={control_id: value}))
        if not handled:
            self.emit(Status(message=f"control {control_id!r} is not used by this session"))

    def _invoke(self, action_id: str, payload: dict[str, Any], context: CommandContext) -> None:
        specs = self.action_specs()
        if action_id not in specs:
            raise SceneError(f"unknown action {action_id!r}; this session has {sorted(specs)}")
        if not self.on_action(action_id, payload, context) and not self.apply_action(action_id, payload):
            self.emit(Status(message=f"action {action_id!r} is not handled by this session"))

    def shutdown(self) -> None:
        """Stop advancing; subclasses release simulator resources."""
        self._stopped = True
