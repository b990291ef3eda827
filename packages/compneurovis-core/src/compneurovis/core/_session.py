"""The session interface every backend implements, and a buffered base."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Any

from ._protocol import SessionCommand, SessionUpdate
from ._scene import Scene

#: How the status line of every preview begins (a Scene shown while a session starts, not the session's own).
PREVIEW_PREFIX = "starting: "


def is_preview(scene: Scene) -> bool:
    """Whether ``scene`` is a preview (its status begins with `PREVIEW_PREFIX`), not a session's own Scene."""
    return scene.status.startswith(PREVIEW_PREFIX)


def startup_scene_of(factory: Any) -> Scene | None:
    """The Scene to show while ``factory``'s session starts: its ``startup_scene()``, if it has one.

    A `Session` class has the classmethod; a factory object (the launcher's
    ``DemoSession``) may have the method. Transports call this before they
    call the factory.
    """
    startup = getattr(factory, "startup_scene", None)
    return startup() if callable(startup) else None


def remember_scene_of(factory: Any, scene: Scene) -> None:
    """Hand the session's first ``scene`` to ``factory.remember_scene``, if it has one (for the next start)."""
    remember = getattr(factory, "remember_scene", None)
    if callable(remember):
        remember(scene)


class Session(ABC):
    """A source of Scenes and updates that reacts to commands.

    A transport calls `initialize` once (then `allow_batched_advance`), then loops:
    `handle` pending commands, `advance` while `is_live`, forward `read_updates`,
    else sleep `idle_sleep`.
    """

    @classmethod
    def startup_scene(cls) -> Scene | None:
        """A Scene to show before `initialize` finishes (e.g. a title card), or ``None``."""
        return None

    @abstractmethod
    def initialize(self) -> Scene | None:
        """Build the model and return the first Scene (or ``None`` to send it as an update)."""

    def show_preview(self, scene: Scene) -> None:
        """Show ``scene`` at once, while `initialize` goes on (e.g. the morphology before the model's states exist).

        The frontend shows it as it shows a `startup_scene`, and the Scene
        `initialize` returns replaces it; its status should begin with
        `PREVIEW_PREFIX` (`is_preview`), so that a screenshot waits for the
        session's own Scene. Call it from `initialize` only. Where no frontend
        listens (see `on_preview`), it does nothing.
        """
        sink = getattr(self, "_preview_sink", None)
        if sink is not None:
            sink(scene)

    def on_preview(self, sink: Callable[[Scene], None] | None) -> None:
        """Send the Scenes of `show_preview` to ``sink`` (a transport calls this before `initialize`)."""
        self._preview_sink = sink

    @abstractmethod
    def advance(self) -> None:
        """Do one unit of work (e.g. simulate one display interval)."""

    @abstractmethod
    def read_updates(self) -> list[SessionUpdate]:
        """Return and forget the updates produced since the last call."""

    def handle(self, command: SessionCommand) -> None:  # noqa: B027 - optional hook
        """React to one command from the frontend. The default ignores it."""

    def allow_batched_advance(self) -> None:  # noqa: B027 - optional hook
        """Let one `advance` do several units of work when each is short. The default ignores it.

        A transport that drives `advance` in a loop of its own and never counts
        its calls (the worker, a server, the notebook's source) calls this
        after `initialize`. Code that calls `advance` itself, expecting one
        display interval per call, does not, and keeps that. See
        `LiveMorphologySession.frames_per_advance`.
        """

    def is_live(self) -> bool:
        """Whether `advance` should be called now. Defaults to ``True``."""
        return True

    def idle_sleep(self) -> float:
        """Seconds to sleep between loop turns while not live."""
        return 0.02

    def shutdown(self) -> None:  # noqa: B027 - optional hook
        """Release resources; called once when the session stops."""


class BufferedSession(Session):
    """A Session that queues updates with `emit` and hands them out in `read_updates`."""

    def __init__(self) -> None:
        self._updates: deque[SessionUpdate] = deque()

    def emit(self, update: SessionUpdate) -> None:
        """Queue one update for the frontend."""
        self._updates.append(update)

    def read_updates(self) -> list[SessionUpdate]:
        """Return and clear the queued updates, oldest first."""
        updates = list(self._updates)
        self._updates.clear()
        return updates
