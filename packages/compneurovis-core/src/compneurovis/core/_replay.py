"""`ReplaySession`: play recorded frames or a recorded update stream."""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._controls import ActionSpec, ControlSpec, ScalarValueSpec
from ._errors import SceneError
from ._event_marks import marked_frames
from ._export import history_fields
from ._layout import LayoutSpec, PanelSpec
from ._protocol import (
    DisplayFrame,
    EntityClicked,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    Reset,
    SceneReady,
    SessionCommand,
    SessionUpdate,
    SetControl,
    StatePatch,
    Status,
    StopSession,
)
from ._scene import Scene
from ._session import BufferedSession


class ReplaySession(BufferedSession):
    """Plays a Scene and then one list of updates per frame, with a scrubber.

    The Scene gets a ``position`` slider (the frame shown; drag it to seek), a
    ``speed`` slider, and ``reset`` (Space), ``pause`` (P) and ``step`` (Right)
    actions, so any frontend shows a time scrubber without special code.

    Args:
        scene: The Scene shown first; it is not modified.
        frames: One list of updates per frame.
        frame_interval: Wall seconds between frames at speed 1 (``0``: as fast as possible).
        loop: Start over after the last frame instead of stopping.
    """

    def __init__(self, scene: Scene, frames: Sequence[Sequence[SessionUpdate]], *,
                 frame_interval: float = 1 / 30, loop: bool = False) -> None:
        super().__init__()
        self.frames = [list(f) for f in frames]
        last = max(0, len(self.frames) - 1)
        controls = {
            "position": ControlSpec(id="position", label="Frame", presentation="slider",
                                    value_spec=ScalarValueSpec(default=0, min=0, max=last, step=1, integer=True)),
            "speed": ControlSpec(id="speed", label="Speed", value_spec=ScalarValueSpec(
                default=1.0, min=0.1, max=10.0, step=0.1, scale="log")),
        }
        actions = {
            "reset": ActionSpec(id="reset", label="Restart", shortcuts=("Space",)),
            "pause": ActionSpec(id="pause", label="Play / pause", shortcuts=("P",)),
            "step": ActionSpec(id="step", label="Step", shortcuts=("Right",)),
        }
        self.scene = copy.copy(scene)
        self.scene.controls = {**controls, **scene.controls}
        self.scene.actions = {**actions, **scene.actions}
        self.scene.state = {**{c.id: c.default for c in controls.values()}, **scene.state}
        self.scene.panels = dict(scene.panels)
        host = next((p for p in self.scene.panels.values() if p.kind == "controls"), None)
        if host is None:
            host = PanelSpec(id="replay", kind="controls", title="Replay")
            if self.scene.layout is not None:
                columns = self.scene.layout.columns
                self.scene.layout = LayoutSpec(columns=(*columns[:-1], (*columns[-1], host.id)),
                                               column_weights=self.scene.layout.column_weights)
        self.scene.panels[host.id] = dataclasses.replace(
            host, control_ids=tuple(dict.fromkeys((*controls, *host.control_ids))),
            action_ids=tuple(dict.fromkeys((*actions, *host.action_ids))))
        self.scene.validate()
        self.frame_interval = frame_interval
        self.loop = loop
        self.position = 0
        self.speed = 1.0
        self.paused = False
        self._stopped = False
        self._next_due = 0.0
        self._traced: set[str] | None = None

    @classmethod
    def from_frames(cls, scene: Scene, field_id: str, frames: np.ndarray,
                    times: Sequence[float] | None = None, **kwargs: float | bool) -> ReplaySession:
        """Replay ``frames[k]`` as the values of ``field_id``, one frame per step.

        Args:
            scene: The Scene; must contain ``field_id``.
            field_id: The field each frame replaces.
            frames: ``(n_frames, *field_shape)`` values.
            times: Simulation time of each frame, shown in the status bar.
            **kwargs: ``frame_interval`` and ``loop``, as for the constructor.
        """
        frames = np.asarray(frames)
        if field_id not in scene.fields:
            raise ValueError(f"scene has no field {field_id!r}; fields are {sorted(scene.fields)}")
        updates = []
        for k, values in enumerate(frames):
            t = None if times is None else float(times[k])
            updates.append([DisplayFrame(field_id=field_id, values=values, sim_time=t)])
        return cls(scene, updates, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_recording(cls, path: str | Path, *, marks: bool = True, **kwargs: float | bool) -> ReplaySession:
        """Replay a file written by `Recorder`, one recorded display frame per step.

        A file cut off or damaged part-way replays up to the damage (see `read_recording`).

        Args:
            path: The recording.
            marks: Show the recorded control changes, actions and resets as
                marks on the time axis of the trace plots (see `marked_frames`).
            **kwargs: ``frame_interval`` and ``loop``, as for the constructor.

        Raises:
            SceneError: For a file that is not a readable recording (named in the message).
        """
        from ._recording import read_recording
        from ._recording_read import MALFORMED

        recording = read_recording(path)
        try:
            frames = recording.frames()
            if marks:
                frames = marked_frames(recording.scene, frames, recording.events)
            return cls(recording.scene, frames, **kwargs)  # type: ignore[arg-type]
        except SceneError as exc:
            raise SceneError(f"{path}: {exc}") from None
        except MALFORMED as exc:  # a recording that read back but cannot be replayed: still the one error type
            raise SceneError(f"{path}: cannot be replayed ({type(exc).__name__}: {exc})") from None

    def initialize(self) -> Scene:
        """Return the Scene; playback starts at frame 0."""
        self.position = 0
        self._next_due = time.monotonic()
        return copy.deepcopy(self.scene)  # the caller may apply updates to it; ours stays as recorded

    def is_live(self) -> bool:
        """Whether a frame is due now."""
        return (not self.paused and not self._stopped and self.position < len(self.frames)
                and time.monotonic() >= self._next_due)

    def idle_sleep(self) -> float:
        """Seconds until the next frame is due (bounded for responsiveness)."""
        return min(0.05, max(0.0, self._next_due - time.monotonic()))

    def advance(self) -> None:
        """Emit the next frame's updates."""
        self._emit_frame()
        self._next_due = time.monotonic() + self.frame_interval / self.speed
        if self.position >= len(self.frames):
            if self.loop:
                self.seek(0)
            else:
                self.emit(Status(message="replay finished"))

    def _emit_frame(self) -> None:
        for update in self.frames[self.position]:
            self.emit(update)
        self.emit(StatePatch(values={"position": self.position}))
        self.position += 1

    def seek(self, position: int) -> None:
        """Show frame ``position``: the first Scene, then every frame up to it."""
        position = int(np.clip(position, 0, max(0, len(self.frames) - 1)))
        self.emit(SceneReady(scene=copy.deepcopy(self.scene)))
        self.position = 0
        while self.position <= position and self.position < len(self.frames):
            for update in self.frames[self.position]:
                self.emit(update)
            self.position += 1
        self.emit(StatePatch(values={"position": position}))
        self._next_due = time.monotonic() + self.frame_interval / self.speed

    def traced_entities(self) -> set[str]:
        """Entities with history somewhere in the replay (the Scene's or a later replaced history field)."""
        if self._traced is None:
            coords = [f.coords for f in history_fields(self.scene).values()]
            coords += [u.coords for frame in self.frames for u in frame if isinstance(u, FieldReplace) and u.coords]
            self._traced = {str(e) for c in coords for dim, entries in c.items() if dim != "time" for e in entries}
        return self._traced

    def _clicked(self, entity_id: str) -> None:
        """A click cannot start a trace in a replay: say whether the recording has one."""
        if entity_id in self.traced_entities():
            self.emit(Status(message=f"{entity_id}: recorded trace shown"))
        else:
            self.emit(Status(message=f"{entity_id}: no history in this recording (it was not traced "
                                     "while recording; record with FULL history to trace any segment)"))

    def handle(self, command: SessionCommand) -> None:
        """Scrubber commands: seek, speed, restart, play/pause, step; `StopSession` stops.

        An `EntityClicked` is answered with a `Status` saying whether the
        recording holds that entity's history (its trace is then drawn by the
        frontend from the replayed history field).
        """
        action = None
        if isinstance(command, InvokeAction):
            action = command.action_id
        elif isinstance(command, KeyPressed):
            action = next((a.id for a in self.scene.actions.values() if command.key in a.shortcuts), None)
        elif isinstance(command, Reset):
            action = "reset"
        elif isinstance(command, SetControl) and command.control_id in ("position", "speed"):
            value = self.scene.controls[command.control_id].validate(command.value)
            if command.control_id == "position":
                self.seek(value)
            else:
                self.speed = value
        elif isinstance(command, EntityClicked):
            self._clicked(command.entity_id)
        elif isinstance(command, StopSession):
            self._stopped = True
        if action == "reset":
            self.emit(SceneReady(scene=copy.deepcopy(self.scene)))
            self.position = 0
            self._next_due = time.monotonic()
        elif action == "pause":
            self.paused = not self.paused
        elif action == "step" and self.position < len(self.frames):
            self.paused = True
            self._emit_frame()
