"""Where a notebook viewer's updates come from: a worker process, a kernel thread, or nothing (a static Scene).

A session class defined in a notebook cell lives in the kernel's ``__main__``,
which a spawned worker cannot import: such a session (and any `Session`
instance the user already holds) runs in a daemon thread of the kernel
instead, behind the same ``start / send / poll / close`` interface as
`WorkerTransport`.
"""

from __future__ import annotations

import importlib
import os
import queue
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from compneurovis.core import (
    Error,
    ReplaySession,
    Scene,
    SceneReady,
    Session,
    SessionCommand,
    SessionUpdate,
    StopSession,
    UpdateCoalescer,
    WorkerTransport,
    connect,
    is_remote_url,
    remember_scene_of,
    startup_scene_of,
)


class UpdateSource(Protocol):
    """What the viewer needs from a transport (`WorkerTransport` is one)."""

    finished: bool

    def start(self) -> Any:
        """Start the session."""

    def send(self, command: SessionCommand) -> None:
        """Send one command to the session."""

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        """Return the updates that have arrived."""

    def close(self, timeout: float = 5.0) -> None:
        """Stop the session; leave nothing running."""


class ThreadTransport:
    """Runs a Session in a daemon thread of this process, with `WorkerTransport`'s interface.

    Args:
        factory: A Session class or a callable returning a Session (called in the thread).
        name: Thread name.
    """

    def __init__(self, factory: Callable[[], Session], *, name: str = "compneurovis-session") -> None:
        self.factory = factory
        #: Seconds the session thread sleeps after each ``advance`` so the kernel stays responsive.
        self.yield_s = 0.001
        self.finished = False
        self._name = name
        self._commands: queue.SimpleQueue[SessionCommand] = queue.SimpleQueue()
        self._updates: queue.SimpleQueue[list[SessionUpdate]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def thread(self) -> threading.Thread | None:
        """The session thread, or ``None`` before `start`."""
        return self._thread

    def start(self) -> ThreadTransport:
        """Start the session thread. Returns ``self``."""
        if self._thread is not None:
            raise RuntimeError("transport already started")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self

    def is_alive(self) -> bool:
        """Whether the session thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def _put(self, updates: list[SessionUpdate]) -> None:
        if updates:
            self._updates.put(updates)

    def _run(self) -> None:
        session: Session | None = None
        try:
            scene = startup_scene_of(self.factory)
            if scene is not None:
                self._put([SceneReady(scene=scene)])
            session = self.factory()
            session.on_preview(lambda preview: self._put([SceneReady(scene=preview)]))
            scene = session.initialize()
            if scene is not None:
                self._put([SceneReady(scene=scene)])
                remember_scene_of(self.factory, scene)
            session.allow_batched_advance()  # nothing here counts advance() calls
            self._put(session.read_updates())
            while not self._stop.is_set():
                wait = 0.0 if session.is_live() else session.idle_sleep()
                try:
                    command = self._commands.get(timeout=wait) if wait > 0 else self._commands.get_nowait()
                except queue.Empty:
                    command = None
                while command is not None:
                    if isinstance(command, StopSession):
                        self._stop.set()
                        break
                    session.handle(command)
                    try:
                        command = self._commands.get_nowait()
                    except queue.Empty:
                        command = None
                if not self._stop.is_set() and session.is_live():
                    session.advance()
                    time.sleep(self.yield_s)  # the kernel's own thread needs the GIL too
                self._put(session.read_updates())
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            self._put([Error(message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(), fatal=True)])
        finally:
            if session is not None:
                try:
                    session.shutdown()
                except Exception as exc:  # noqa: BLE001
                    self._put([Error(message=f"session shutdown failed: {type(exc).__name__}: {exc}",
                                     traceback=traceback.format_exc())])
            self._updates.put([])  # end marker

    def send(self, command: SessionCommand) -> None:
        """Queue one command for the session; ignored once it has stopped."""
        if not self.finished:
            self._commands.put(command)

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        """Return the updates that have arrived, waiting up to ``timeout`` for the first batch."""
        out: list[SessionUpdate] = []
        count = 0
        while not self.finished and (max_messages is None or count < max_messages):
            try:
                batch = self._updates.get(timeout=timeout) if count == 0 and timeout > 0 else self._updates.get_nowait()
            except queue.Empty:
                break
            if not batch:
                self.finished = True
                break
            out.extend(batch)
            count += 1
        return out

    def close(self, timeout: float = 5.0) -> None:
        """Stop the session and join its thread."""
        self._stop.set()
        self._commands.put(StopSession())
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"session thread {self._name!r} did not stop within {timeout:g} s "
                                   "(an advance() that never returns?)")
        self.finished = True


class InProcessSource:
    """Updates handed over in this process (`put`), and the viewer's commands kept for the model (`take_commands`).

    The source of a viewer on a model the user drives from their own cell
    (NEURON's ``show()`` in a notebook): nothing runs in a thread or worker.
    """

    def __init__(self) -> None:
        self.finished = False
        self._updates: deque[SessionUpdate] = deque()
        self._commands: deque[SessionCommand] = deque()

    def start(self) -> InProcessSource:
        """Nothing to start. Returns ``self``."""
        return self

    def put(self, updates: list[SessionUpdate]) -> None:
        """Queue updates for the viewer."""
        self._updates.extend(updates)

    def take_commands(self) -> list[SessionCommand]:
        """The commands the viewer sent since the last call."""
        out = list(self._commands)
        self._commands.clear()
        return out

    def send(self, command: SessionCommand) -> None:
        """Keep one command of the viewer for the model."""
        if not self.finished:
            self._commands.append(command)

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        """The queued updates (all of them: the viewer coalesces)."""
        out = list(self._updates)
        self._updates.clear()
        return out

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking updates and commands."""
        self.finished = True


class _Drained:
    """A `RemoteTransport` read by a daemon thread, so the socket drains while the kernel is busy.

    The viewer reads the network only when the kernel's event loop runs it; a cell
    that computes for a minute would leave the server's queue unread, and the server
    drops a viewer that accepts nothing for its ``stall_timeout``. The thread keeps
    reading into a list that is coalesced (display frames merge, history appends
    join, nothing is dropped) whenever it grows.
    """

    #: Batches held before they are coalesced into one.
    MAX_PENDING = 32

    def __init__(self, remote: Any) -> None:
        self.remote = remote
        self.finished = False
        self._pending: list[SessionUpdate] = []
        self._batches = 0
        self._coalescer = UpdateCoalescer()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> _Drained:
        self.remote.start()
        self._thread = threading.Thread(target=self._run, name="compneurovis-remote-in", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set() and not self.remote.finished:
            updates = self.remote.poll(0.1)
            if not updates:
                continue
            with self._cond:
                self._pending.extend(updates)
                self._batches += 1
                if self._batches > self.MAX_PENDING:
                    self._pending = self._coalescer.coalesce(self._pending)
                    self._batches = 1
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def send(self, command: SessionCommand) -> None:
        self.remote.send(command)

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        with self._cond:
            if not self._pending and timeout > 0 and not self.remote.finished:
                self._cond.wait(timeout)
            out, self._pending, self._batches = self._pending, [], 0
            if not out and self.remote.finished and (self._thread is None or not self._thread.is_alive()):
                self.finished = True
        return out

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.remote.close(timeout)
        self.finished = True


def _importable(factory: Any) -> bool:
    """Whether a spawned worker can import ``factory`` by its module and qualified name."""
    module = getattr(factory, "__module__", None)
    qualname = getattr(factory, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname:
        return False
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return False
    return obj is factory


def make_source(target: Any, *, process: bool | None = None) -> tuple[Scene | None, UpdateSource | None]:
    """Turn a `show` target into ``(static scene, update source)``.

    Args:
        target: A `Scene`; a `Session` instance (run in a kernel thread); a Session class
            or factory (a worker process when importable, else a kernel thread); a recording
            path (replayed in a kernel thread); or a ``tcp://``/``tls://`` URL of a session
            served by ``compneurovis serve`` (`compneurovis.core.connect`).
        process: Force a worker process (``True``) or a kernel thread (``False``) for a class or factory.

    Raises:
        TypeError: For anything else.
        FileNotFoundError: For a recording path that does not exist.
        RemoteError: For a URL whose server cannot be reached or refuses the token.
    """
    if isinstance(target, Scene):
        return target, None
    if isinstance(target, InProcessSource):
        return None, target
    if is_remote_url(target):
        return None, _Drained(connect(target))
    if isinstance(target, str | os.PathLike):
        path = Path(target)
        if not path.is_file():
            raise FileNotFoundError(f"show({os.fspath(target)!r}): no such recording file")
        return None, ThreadTransport(lambda: ReplaySession.from_recording(path), name="compneurovis-replay")
    if isinstance(target, Session):
        return None, ThreadTransport(lambda: target)
    if callable(target):
        use_process = _importable(target) if process is None else process
        if use_process:
            if not _importable(target):
                raise ValueError(f"show({target!r}, process=True): a worker process cannot import it "
                                 "(defined in a notebook cell?); leave process unset to run it in a kernel thread")
            return None, WorkerTransport(target)
        return None, ThreadTransport(target)
    raise TypeError(f"show() needs a Scene, a Session, a Session class or factory, a recording path or a "
                    f"tcp:// URL; got {type(target).__name__}: {target!r}")
