"""`ReplaySession`: play recorded frames or a recorded update stream."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from ._controls import ActionSpec
from ._protocol import (
    FieldReplace,
    InvokeAction,
    KeyPressed,
    Reset,
    SessionCommand,
    SessionUpdate,
    Status,
    StopSession,
)
from ._scene import Scene
from ._session import BufferedSession


class ReplaySession(BufferedSession):
    """Plays a Scene and then one list of updates per frame, at a fixed pace.

    Args:
        scene: The Scene shown first (a deep copy is made on every reset).
        frames: One list of updates per frame.
        frame_interval: Wall seconds between frames (``0`` as fast as possible).
        loop: Start over after the last frame instead of stopping.

    Space restarts and P pauses (when the Scene defines no actions of its own,
    ``reset`` and ``pause`` are added).
    """

    def __init__(self, scene: Scene, frames: Sequence[Sequence[SessionUpdate]], *,
                 frame_interval: float = 0.0, loop: bool = False) -> None:
        super().__init__()
        self.scene = scene
        for action in (ActionSpec(id="reset", label="Restart", shortcuts=("Space",)),
                       ActionSpec(id="pause", label="Pause / resume", shortcuts=("P",))):
            self.scene.actions.setdefault(action.id, action)
        self.frames = [list(f) for f in frames]
        self.frame_interval = frame_interval
        self.loop = loop
        self.position = 0
        self.paused = False
        self._stopped = False
        self._next_due = 0.0

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
            updates.append([FieldReplace(field_id=field_id, values=values, sim_time=t)])
        return cls(scene, updates, **kwargs)  # type: ignore[arg-type]

    def initialize(self) -> Scene:
        """Return the Scene; playback starts at frame 0."""
        self.position = 0
        self._next_due = time.monotonic()
        return self.scene

    def is_live(self) -> bool:
        """Whether a frame is due now."""
        return (not self.paused and not self._stopped and self.position < len(self.frames)
                and time.monotonic() >= self._next_due)

    def idle_sleep(self) -> float:
        """Seconds until the next frame is due (bounded for responsiveness)."""
        return min(0.05, max(0.0, self._next_due - time.monotonic()))

    def advance(self) -> None:
        """Emit the next frame's updates."""
        for update in self.frames[self.position]:
            self.emit(update)
        self.position += 1
        self._next_due = time.monotonic() + self.frame_interval
        if self.position >= len(self.frames):
            if self.loop:
                self.position = 0
            else:
                self.emit(Status(message="replay finished"))

    def handle(self, command: SessionCommand) -> None:
        """Space/``reset`` restarts, P/``pause`` toggles, `StopSession` stops."""
        action = None
        if isinstance(command, InvokeAction):
            action = command.action_id
        elif isinstance(command, KeyPressed):
            action = {"Space": "reset", "P": "pause"}.get(command.key)
        elif isinstance(command, Reset):
            action = "reset"
        elif isinstance(command, StopSession):
            self._stopped = True
        if action == "reset":
            self.position = 0
            self._next_due = time.monotonic()
        elif action == "pause":
            self.paused = not self.paused
