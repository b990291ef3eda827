"""Attach a window to a simulation that runs in the user's own process (``show()``).

The inverse of `WorkerTransport`: the simulation stays where the user built it,
and the window runs in a child process started with ``python -m <frontend>``
(never imported here). Two socket pairs join them:

- the *session* link carries the ordinary pickle-free protocol (`encode` /
  `decode`): updates out as soon as the socket takes them, coalesced while
  it does not (`SendWhenReady`), so the simulation never waits for drawing;
  commands in, read without blocking at each display step;
- the *viewer* link carries small requests of the `Viewer` (screenshot, camera,
  close) as one JSON message each, answered by one JSON message and, for a
  picture, the raw pixels.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import os
import select
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from ._attach_outbox import SendWhenReady
from ._codec import decode
from ._protocol import Error, SessionCommand, SessionUpdate, Status
from ._transport import WorkerTransport

#: The module run as ``python -m`` to open the window.
DEFAULT_FRONTEND = "compneurovis.qt._attached"


class ViewerClosed(RuntimeError):
    """The window of a `Viewer` has closed (or its process has gone)."""


class ViewerLink:
    """The simulation side of an attached window: a child process and its two links.

    Args:
        offscreen: Draw without showing a window (for screenshots and tests).
        size: Window size in pixels.
        frontend: Module run with ``python -m`` as the window process.

    Raises:
        RuntimeError: If the frontend module is not installed.
    """

    def __init__(self, *, offscreen: bool = False, size: tuple[int, int] = (1200, 800),
                 frontend: str = DEFAULT_FRONTEND) -> None:
        if importlib.util.find_spec(frontend.rpartition(".")[0] or frontend) is None:
            raise RuntimeError(f"show() needs a frontend: {frontend!r} is not installed "
                               "(pip install compneurovis-qt)")
        session_here, session_there = socket.socketpair()
        viewer_here, viewer_there = socket.socketpair()
        env = dict(os.environ)
        if offscreen:
            env["QT_QPA_PLATFORM"] = "offscreen"
        args = [sys.executable, "-m", frontend, str(session_there.fileno()), str(viewer_there.fileno()),
                "--size", f"{size[0]}x{size[1]}"] + (["--offscreen"] if offscreen else [])
        try:
            self.process = subprocess.Popen(args, pass_fds=(session_there.fileno(), viewer_there.fileno()),
                                            env=env, start_new_session=True)
        finally:
            session_there.close()
            viewer_there.close()
        self._session = Connection(session_here.detach())
        self._viewer = Connection(viewer_here.detach())
        self._outbox = SendWhenReady(self._session)
        # commands() runs at every display step of the user's run: a poll object registered once answers
        # "anything to read?" in under a microsecond (Connection.poll builds a selector per call)
        self._readable = select.poll()
        self._readable.register(self._session.fileno(), select.POLLIN)
        self.closed = False

    @property
    def alive(self) -> bool:
        """Whether the window is still open (its process runs and the link holds)."""
        return not self.closed and not self._outbox.broken and self.process.poll() is None

    def emit(self, updates: list[SessionUpdate]) -> None:
        """Queue updates for the window; never blocks on drawing."""
        if updates and not self.closed:
            self._outbox.put(updates)

    def commands(self) -> list[SessionCommand]:
        """The commands the window has sent since the last call (never blocks)."""
        out: list[SessionCommand] = []
        if self.closed:
            return out
        try:
            while self._readable.poll(0):  # readable, hung up or failed: recv_bytes tells which
                out.append(decode(self._session.recv_bytes()))
        except (EOFError, OSError):
            self.closed = True
        return out

    def wait_command(self, timeout: float) -> list[SessionCommand]:
        """Wait up to ``timeout`` seconds for commands (while the run is paused)."""
        try:
            if not self.closed and self._session.poll(timeout):
                return self.commands()
        except (EOFError, OSError):
            self.closed = True
        return []

    def request(self, kind: str, timeout: float = 60.0, **payload: Any) -> tuple[dict[str, Any], bytes | None]:
        """Ask the window for something; return its JSON answer and any raw bytes.

        The window answers after applying every update emitted before the request.

        Raises:
            ViewerClosed: If the window has closed.
            RuntimeError: If the window answered with an error.
            TimeoutError: If no answer came within ``timeout`` seconds.
        """
        if not self.alive:
            raise ViewerClosed("the window has closed")
        self._outbox.flush()  # what was emitted before reaches the window first; it applies it before answering
        try:
            self._viewer.send_bytes(json.dumps({"kind": kind, **payload}).encode())
            deadline = time.monotonic() + timeout
            while not self._viewer.poll(0.05):
                if self.process.poll() is not None:
                    raise ViewerClosed("the window has closed")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the window did not answer {kind!r} within {timeout:g} s")
            answer = json.loads(self._viewer.recv_bytes())
            raw = self._viewer.recv_bytes() if answer.get("raw") else None
        except (EOFError, OSError) as exc:
            raise ViewerClosed(f"the window has closed ({exc})") from None
        if "error" in answer:
            raise RuntimeError(f"the window could not {kind}: {answer['error']}")
        return answer, raw

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the window process ends; return whether it has."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def release(self) -> None:
        """Send what is pending and let go of the window, which stays open on its own."""
        self.closed = True
        self._outbox.close(2.0)
        for conn in (self._session, self._viewer):
            with contextlib.suppress(OSError):
                conn.close()

    def close(self, timeout: float = 10.0) -> None:
        """Close the window and end its process; leaves no process behind."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self._viewer.send_bytes(json.dumps({"kind": "close"}).encode())
        self.closed = True
        self._outbox.close(1.0)
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(EOFError, OSError):  # keep the pipe drained while the window closes
                while self._session.poll(0.05):
                    self._session.recv_bytes()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(2.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for conn in (self._session, self._viewer):
            with contextlib.suppress(OSError):
                conn.close()


#: Entry-point group of the link ``show()`` draws into inside a Jupyter kernel (``compneurovis-jupyter``).
NOTEBOOK_ENTRY_POINTS = "compneurovis.notebook"


def _in_jupyter_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (IPython's), asked without importing IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def open_viewer_link(*, offscreen: bool = False, size: tuple[int, int] = (1200, 800)) -> Any:
    """Where ``show()`` draws: a notebook widget inside a Jupyter kernel, else a window process.

    In a Jupyter kernel, and unless ``offscreen``, the link registered under the
    ``compneurovis.notebook`` entry point (``compneurovis-jupyter``'s
    ``NotebookLink``, which shows a widget in the cell's output) is used when
    installed; otherwise a `ViewerLink` opens the window.

    Args:
        offscreen: Draw without showing anything (screenshots): always a `ViewerLink`.
        size: Window size in pixels.

    Returns:
        A `ViewerLink`, or an object with its interface.
    """
    if not offscreen and _in_jupyter_kernel():
        for entry in importlib.metadata.entry_points(group=NOTEBOOK_ENTRY_POINTS, name="link"):
            return entry.load()(size=size)
    return ViewerLink(offscreen=offscreen, size=size)


class AttachedTransport(WorkerTransport):
    """The window side of a `ViewerLink`: a `WorkerTransport` over an inherited socket.

    Args:
        fd: File descriptor of the session link, inherited from the simulating process.
    """

    def __init__(self, fd: int) -> None:
        super().__init__(lambda: None)  # type: ignore[arg-type, return-value]
        self._fd = fd

    def start(self) -> AttachedTransport:
        """Wrap the inherited descriptor. Returns ``self``."""
        self._conn = Connection(self._fd)
        return self

    @property
    def pid(self) -> int | None:
        """The simulating process (the parent)."""
        return os.getppid() if self._conn is not None else None

    def is_alive(self) -> bool:
        """Whether the link to the simulation holds."""
        return self._conn is not None and not self.finished

    def _death_notice(self) -> Error | Status:  # type: ignore[override]
        return Status(message="the simulating process has ended; the window shows its last state")

    def close(self, timeout: float = 5.0) -> None:
        """Drop the link (the simulation goes on without the window)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None
        self.finished = True
