"""`show(module)`: a window on a Jaxley module the user built, coloured by any per-compartment array."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import numpy as np

from compneurovis.core import (
    VARIABLE_CONTROL_ID,
    DisplayFrame,
    EntityClicked,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    MorphologySceneBuilder,
    ScenePatch,
    SceneReady,
    SessionCommand,
    SessionUpdate,
    SetControl,
    StatePatch,
    Status,
    Viewer,
    open_viewer_link,
    variable_picker_spec,
)

from ._scene_builder import JaxleySceneBuilder
from ._show_playback import FPS, PLAY_ID, PLAY_KEYS, RUN, SPEED_ID, TIME_ID, RunPlayback
from ._variables import module_variables, values_of

#: Picker entry of the array given as ``show(color=...)``.
GIVEN = "color"
class _JaxleyDriver:
    """Colours the morphology by a state or parameter, or plays the recorded run; serves the window from a thread."""

    def __init__(self, module: Any, link: Any, variables: dict[str, str], given: np.ndarray | None,
                 variable: str, playback: RunPlayback | None = None) -> None:
        self.module, self.link, self.variables, self.given = module, link, variables, given
        self.variable = variable
        self.playback = playback
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="cnv-jaxley-show", daemon=True)
        self._thread.start()

    def values(self, name: str) -> np.ndarray:
        """The per-compartment values of ``name`` (``"color"``: the array given to `show`; `RUN`: now in the run)."""
        if name == GIVEN and self.given is not None:
            return self.given
        if name == RUN and self.playback is not None:
            return self.playback.frames[self.playback.index]
        return values_of(self.module, name)

    def _serve(self) -> None:
        last = time.monotonic()
        while not self._stop.is_set():
            playing = self.playback is not None and self.playback.playing
            for command in self.link.wait_command(1.0 / FPS if playing else 0.05):
                try:
                    self._handle(command)
                except ValueError as exc:
                    self.link.emit([Status(message=str(exc))])
            now = time.monotonic()
            if self.playback is not None:
                with self._lock:
                    self._emit_playback(self.playback.tick(now - last))
            last = now
            if not self.link.alive:
                return

    def _handle(self, command: SessionCommand) -> None:
        if isinstance(command, SetControl):
            self.set_control(command.control_id, command.value)
        elif self.playback is None:
            return
        elif _is_play(command):
            with self._lock:
                if not self.playback.playing and self.variable != RUN:
                    self._switch(RUN)
                self._emit_playback(self.playback.toggle())
        elif isinstance(command, EntityClicked):
            with self._lock:
                self.link.emit(self.playback.add_trace(command.entity_id))

    def _emit_playback(self, updates: list[SessionUpdate]) -> None:
        """Send playback updates; the morphology's frames only while it shows the run."""
        if self.variable != RUN:
            updates = [u for u in updates if not isinstance(u, DisplayFrame)]
        if updates:
            self.link.emit(updates)

    def variable_name(self) -> str:
        """The variable shown now."""
        return self.variable

    def set_variable(self, name: str) -> None:
        """Colour by ``name`` (raises ``ValueError`` listing the available ones)."""
        if name not in self.variables:
            raise ValueError(f"unknown variable {name!r}; available: {', '.join(self.variables)}")
        with self._lock:
            self._switch(name)

    def _switch(self, name: str) -> None:
        self.variable = name
        if name != RUN and self.playback is not None:
            self.playback.playing = False
        unit = self.variables[name]
        values = self.values(name)
        missing = int(np.isnan(values).sum())
        note = f"; {missing} compartments have no {name} (grey)" if missing else ""
        at = float(self.playback.times[self.playback.index]) if name == RUN and self.playback is not None else None
        self.link.emit([
            FieldReplace(field_id=MorphologySceneBuilder.DISPLAY_FIELD_ID, values=values, unit=unit, sim_time=at),
            ScenePatch(views={"morphology": {"title": name, "color_limits": _limits(name)}}),
            StatePatch(values={VARIABLE_CONTROL_ID: name}),
            Status(message=f"showing {name} [{unit or 'no unit'}]{note}")])

    def set_control(self, control_id: str, value: Any) -> None:
        """The variable picker, and with a played run its ``time`` (ms) and ``speed`` (ms/s) sliders."""
        if control_id == VARIABLE_CONTROL_ID:
            self.set_variable(str(value))
            return
        known = [VARIABLE_CONTROL_ID, *([TIME_ID, SPEED_ID] if self.playback is not None else [])]
        if control_id not in known:
            raise ValueError(f"unknown control {control_id!r}; this viewer has {known}")
        assert self.playback is not None
        with self._lock:
            if control_id == TIME_ID:
                self._emit_playback(self.playback.seek(float(value)))
            else:
                self.playback.speed = float(value)

    def flush(self) -> None:
        """Nothing to do: the playback thread hands every frame over as it makes it."""

    def detach(self) -> None:
        """Stop the thread that serves the window."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(2.0)


def _is_play(command: SessionCommand) -> bool:
    return (isinstance(command, InvokeAction) and command.action_id == PLAY_ID) or (
        isinstance(command, KeyPressed) and command.key in PLAY_KEYS)


def _limits(name: str) -> tuple[float, float] | None:
    return (-80.0, 40.0) if name in ("v", RUN) else None


def _v_recordings(module: Any, traces: Any, delta_t: float, n: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """``(times, (n_v, n_times) values, compartment of each)`` of the ``v`` recordings ``jx.integrate`` returned."""
    recordings = module.recordings
    rows = [int(r) for r, state in zip(recordings["rec_index"], recordings["state"], strict=True) if state == "v"]
    which = [i for i, state in enumerate(recordings["state"]) if state == "v"]
    data = np.asarray(traces, dtype=np.float32)
    if data.ndim != 2 or data.shape[0] != len(recordings):
        raise ValueError(f"traces: expected jx.integrate's ({len(recordings)}, n_times) array for this module's "
                         f"{len(recordings)} recordings, got shape {data.shape}")
    if any(not 0 <= r < n for r in rows):
        raise ValueError("traces: a recording points outside the module's compartments")
    times = np.arange(data.shape[1]) * float(delta_t)
    return times, data[which], rows


def show(module: Any, color: str | np.ndarray = "v", *, traces: Any = None, delta_t: float = 0.025,
         color_limits: tuple[float, float] | None = None, color_map: str = "scalar",
         screenshot: str | os.PathLike[str] | None = None, size: tuple[int, int] = (1200, 800)) -> Viewer:
    """Open a window on a ``jx.Cell`` / ``jx.Network`` you built, coloured per compartment.

    In a Jupyter notebook with ``compneurovis-jupyter`` installed, the view is a
    widget in the cell's output instead of a window.

    Args:
        module: The Jaxley module (its compartments in ``module.nodes`` order).
        color: A state or parameter name (``"v"``, ``"HH_m"``, ``"radius"``...) or a numpy
            array of one value per compartment.
        traces: What ``jx.integrate(module)`` returned: its ``v`` recordings are drawn in
            the trace plot, each on its compartment. Where ``v`` was recorded in every
            compartment (``module.record("v")``), the window plays the run on the
            morphology: picker entry ``"v (recorded)"`` (the default for ``color="v"``),
            a ``time`` slider in ms, a ``speed`` slider (ms of the run per second),
            Play / pause (P or Space), and a click on a compartment adds its trace.
        delta_t: The time step ``traces`` were integrated with, in ms.
        color_limits: ``(low, high)`` of the colour scale; ``None``: automatic (``v``: -80..40 mV).
        color_map: Colour map name.
        screenshot: Draw offscreen and write a PNG here when the viewer closes.
        size: Window size in pixels.

    Returns:
        The `Viewer` (``variable`` switches between the module's states and parameters;
        ``set_control("time", t)`` shows a played run at ``t`` ms).

    Raises:
        ValueError: For an unknown name (listing the available ones), an array of the
            wrong length, or ``traces`` that do not match the module's recordings.
    """
    if module.xyzr and any(np.isnan(np.asarray(b)[:, :3]).any() for b in module.xyzr):
        module.compute_xyz()
    geometry = JaxleySceneBuilder.build_morphology_geometry(module.nodes, xyzr=module.xyzr)
    n = geometry.n_entities
    variables = module_variables(module)
    playback = None
    if traces is not None:
        times, data, rows = _v_recordings(module, traces, delta_t, n)
        playback = RunPlayback.from_traces(data, rows, times, np.asarray(geometry.entity_ids))
        if playback is not None:
            variables = {RUN: "mV", **variables}
    given = None
    if isinstance(color, str):
        if color not in variables:
            raise ValueError(f"unknown variable {color!r}; available: {', '.join(variables)}")
        variable = RUN if color == "v" and playback is not None else color
    else:
        given = np.asarray(color, dtype=np.float32)
        if given.shape != (n,):
            raise ValueError(f"color: expected one value per compartment, shape ({n},), got {given.shape}")
        variables = {GIVEN: "", **variables}
        variable = GIVEN
    controls = {VARIABLE_CONTROL_ID: variable_picker_spec(
        variables, variable, help="The state or parameter the morphology is coloured by")}
    actions = {}
    if playback is not None:
        block, traced = playback.trace_block()
        controls |= playback.controls()
        actions = playback.actions()
    elif traces is not None:
        block, traced = np.ascontiguousarray(data.T), np.asarray(geometry.entity_ids)[rows]
    else:
        times, block = np.zeros(1), np.full((1, 1), np.nan, dtype=np.float32)
        traced = np.asarray(geometry.entity_ids)[:1]
    display = given if given is not None else playback.frames[0] if variable == RUN else values_of(module, variable)
    scene = MorphologySceneBuilder.build_scene(
        geometry=geometry, display_values=display, trace_values=block, trace_segment_ids=traced, trace_times=times,
        display_unit=variables[variable], history_unit="mV", morphology_color_map=color_map,
        morphology_color_limits=color_limits if color_limits is not None else _limits(variable),
        trace_title="Recorded v", trace_y_label="V", controls=controls, actions=actions,
        title="CompNeuroVis: Jaxley")
    scene.apply(ScenePatch(views={"morphology": {"title": variable}}))
    link = open_viewer_link(offscreen=screenshot is not None, size=size)  # a widget in a notebook
    start = [] if playback is None else [
        *(playback.show(0) if variable == RUN else []),
        Status(message="the run: Play (P) plays it on the morphology; click a compartment for its trace")]
    link.emit([SceneReady(scene=scene), *start])
    return Viewer(link, _JaxleyDriver(module, link, variables, given, variable, playback), screenshot=screenshot)
