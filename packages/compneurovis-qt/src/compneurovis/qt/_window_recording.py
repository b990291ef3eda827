"""Recording from the window: keep what the window shows, from the moment the user asks.

A session started with a recording (`run_app(record=...)`, the launcher's
``--record``) is recorded inside its worker, every sample; its ``record`` action
pauses and resumes that. Any other live window can start a recording itself:
the window's current Scene, then every update it applies (all history, merged;
the display frames it drew) and the commands it sends go through the core's
`Recorder`, until the user stops it or closes the window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from compneurovis.core import (
    InvokeAction,
    Recorder,
    SceneError,
    SceneReady,
    SessionCommand,
    SessionUpdate,
    decode,
    encode,
)

from ._window_hooks import WindowHooks

log = logging.getLogger("compneurovis.qt")

START_TEXT = "Start recording…"
STOP_TEXT = "Stop recording"


class WindowRecording:
    """The window's own recording, if one is running.

    Args:
        hooks: The window's Scene, its command sink, banner and status bar.
    """

    def __init__(self, hooks: WindowHooks) -> None:
        self.hooks = hooks
        self.recorder: Recorder | None = None

    @property
    def active(self) -> bool:
        """Whether the window is recording now."""
        return self.recorder is not None

    def worker_records(self) -> bool:
        """Whether the session records itself (a ``record`` action in its Scene)."""
        scene = self.hooks.scene()
        return scene is not None and "record" in scene.actions

    def start(self, path: str | Path) -> Path | None:
        """Record from now on to ``path`` (HDF5); return it, or ``None`` on failure (the banner says why)."""
        hooks = self.hooks
        scene = hooks.scene()
        if scene is None:
            hooks.report_error("nothing to record: no scene is shown yet")
            return None
        self.stop()
        target = Path(path)
        try:
            recorder = Recorder(target)
            # a copy of what the window shows now: the file's first Scene
            recorder.write_updates([SceneReady(scene=decode(encode(scene)))])
        except (ImportError, OSError, SceneError) as exc:
            hooks.report_error(f"could not record to {target}: {exc}")
            return None
        self.recorder = recorder
        hooks.show_message(f"Recording to {target}")
        return target

    def stop(self) -> Path | None:
        """Finish the file (marked complete); return it, or ``None`` if nothing was recording."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        try:
            recorder.close()
        except (OSError, SceneError) as exc:
            self.hooks.report_error(f"closing the recording {recorder.path} failed: {exc}")
        self.hooks.show_message(f"Recording saved to {recorder.path}")
        return recorder.path

    def toggle(self) -> None:
        """Pause or resume the session's own recording if it has one, else stop the window's."""
        if self.worker_records():
            self.hooks.send(InvokeAction(action_id="record"))
        else:
            self.stop()

    def updates(self, updates: Iterable[SessionUpdate]) -> None:
        """Record updates the window applied (a `SceneReady` starts the file's stream anew)."""
        if self.recorder is None:
            return
        for update in updates:
            try:
                self.recorder.write_updates([update])
            except (OSError, SceneError) as exc:
                log.warning("recording: %s", exc)
                self.hooks.report_error(f"recording stopped: {exc}")
                self.stop()
                return

    def command(self, command: SessionCommand) -> None:
        """Record a command the window sent (control change, action, key, click)."""
        if self.recorder is not None:
            self.recorder.write_command(command)
