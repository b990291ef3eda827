"""`RecordingSession`: record any session while it runs, inside its worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ._controls import ActionSpec
from ._protocol import Error, InvokeAction, SceneReady, SessionCommand, SessionUpdate, Status
from ._recording import Recorder
from ._scene import Scene
from ._session import Session


class RecordingSession(Session):
    """Wrap a session so that its Scene and every update it emits go to a recording file.

    Recording happens where the updates are made (the worker), before any
    coalescing, so the file holds every sample whatever the frontend shows.
    A ``record`` action (shortcut Ctrl+R) pauses and resumes writing. If the
    file cannot be written (a full disk), recording stops, the session goes
    on, and an `Error` update tells the user why and what the file keeps.

    Args:
        factory: Builds the wrapped session (a Session class or top-level callable).
        path: The recording file (see `Recorder` for its layout).

    Example:
        >>> run_app(functools.partial(RecordingSession, MySession, "run.h5"))  # doctest: +SKIP
    """

    def __init__(self, factory: Callable[[], Session], path: str | Path) -> None:
        self.inner = factory()
        self.path = Path(path)
        self.recorder: Recorder | None = None
        self.recording = True
        self._notes: list[SessionUpdate] = []

    def on_preview(self, sink: Callable[[Scene], None] | None) -> None:
        """Send the wrapped session's previews to ``sink`` (they are shown, not recorded)."""
        self.inner.on_preview(sink)

    def initialize(self) -> Scene | None:
        """Initialise the wrapped session and start the file with its first Scene."""
        self.recorder = Recorder(self.path)  # first: a path that cannot be written fails before the model is built
        scene = self.inner.initialize()
        if scene is not None:
            scene.actions.setdefault("record", ActionSpec(id="record", label="Recording on/off",
                                                          shortcuts=("Ctrl+R",), help=f"Recording to {self.path}"))
            for panel_id, panel in scene.panels.items():
                if panel.kind == "controls" and "record" not in panel.action_ids:
                    scene.panels[panel_id] = dataclasses.replace(panel, action_ids=(*panel.action_ids, "record"))
                    break
            self.recorder.write_updates([SceneReady(scene=scene)])
        return scene

    def advance(self) -> None:
        """Advance the wrapped session."""
        self.inner.advance()

    def allow_batched_advance(self) -> None:
        """Not passed on: a recording keeps every display frame, so the wrapped session advances one per call.

        The display frames are the only record of every entity's values in
        ``ON_DEMAND`` mode, and what a movie of the recording is made of.
        """

    def read_updates(self) -> list[SessionUpdate]:
        """The wrapped session's updates, written to the file on the way out."""
        updates = self.inner.read_updates()
        updates, self._notes = self._notes + updates, []
        if self.recording and self.recorder is not None:
            try:
                self.recorder.write_updates(updates)
            except OSError as exc:
                updates.append(self._stopped(exc))
        return updates

    def _stopped(self, exc: OSError) -> Error:
        """Give up the file after a write error; the `Error` update that tells the user."""
        recorder, self.recorder, self.recording = self.recorder, None, False
        if recorder is not None:
            recorder.close()  # quiet after a failure: the file keeps what was flushed
        return Error(message=exc.strerror or str(exc))

    def handle(self, command: SessionCommand) -> None:
        """Record the command as an event, then pass it on (``record`` toggles writing)."""
        if isinstance(command, InvokeAction) and command.action_id == "record":
            self.recording = not self.recording
            state = "resumed" if self.recording else "paused"
            status = Status(message=f"recording {state} ({self.path.name})")
            if self.recorder is not None:
                self.recorder.write_command(command)
                try:
                    self.recorder.flush()
                except OSError as exc:
                    status = self._stopped(exc)  # type: ignore[assignment]
            self._notes.append(status)
            return
        if self.recorder is not None and self.recording:
            self.recorder.write_command(command)
        self.inner.handle(command)

    def is_live(self) -> bool:
        """Whether the wrapped session is live."""
        return self.inner.is_live()

    def idle_sleep(self) -> float:
        """The wrapped session's idle sleep; a paused session's last updates still reach the disk in time."""
        if self.recording and self.recorder is not None:
            try:
                self.recorder.flush_if_due()
            except OSError as exc:
                self._notes.append(self._stopped(exc))
        return self.inner.idle_sleep()

    def shutdown(self) -> None:
        """Shut the wrapped session down and close the file (marked complete)."""
        try:
            self.inner.shutdown()
        finally:
            if self.recorder is not None:
                self.recorder.close()
