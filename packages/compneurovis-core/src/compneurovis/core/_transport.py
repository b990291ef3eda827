"""Run a Session in a worker process; carry updates out and commands in.

The worker's main thread only simulates. A sender thread takes whatever
updates are pending, coalesces them (`UpdateCoalescer`) and writes one
message per batch, so a slow consumer never blocks the simulation: display
frames it missed are skipped and history arrives merged, in bulk. The worker
ends itself when the process that started it dies (`ParentWatch`).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from ._coalesce import UpdateCoalescer
from ._codec import decode, encode
from ._parent_watch import ParentWatch
from ._protocol import Error, SceneReady, SessionCommand, SessionUpdate, StopSession
from ._session import Session, remember_scene_of, startup_scene_of
from ._spawn_hint import unguarded_main_script

SessionFactory = Callable[[], Session]


#: Shortest wall-clock interval, in seconds, between two messages from a worker to its frontend.
SEND_INTERVAL_S = 1 / 60


class _Outbox:
    """Pending updates of the worker, drained by the sender thread.

    The thread sends at most one message per `SEND_INTERVAL_S`: a NEURON
    session makes a display frame every few hundred microseconds, and each
    message costs both processes (encoding, a pipe write, decoding) while a
    window shows at most about 30 frames a second. What arrives in between
    is merged (`UpdateCoalescer`: the latest frame, the history appended in
    order), so nothing a viewer shows is lost, only sent later by at most
    that interval.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pending: list[SessionUpdate] = []
        self._cond = threading.Condition()
        self._closed = False
        self._idle = False  # the sender thread waits for updates (not for its next send time)
        self.broken = False
        self.failure: BaseException | None = None
        self._coalescer = UpdateCoalescer()
        self._thread = threading.Thread(target=self._run, name="cnv-sender", daemon=True)
        self._thread.start()

    def put(self, updates: list[SessionUpdate]) -> None:
        if updates:
            with self._cond:
                self._pending.extend(updates)
                if len(self._pending) > 256:  # consumer is behind: keep memory bounded
                    self._pending = self._coalescer.coalesce(self._pending)
                if self._idle:
                    self._cond.notify()

    def _run(self) -> None:
        due = 0.0  # monotonic time before which nothing more is sent
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._idle = True
                    self._cond.wait()
                self._idle = False
            left = due - time.monotonic()
            if left > 0 and not self._closed:
                time.sleep(left)  # what comes meanwhile is merged into this message; no wake-up per put
            with self._cond:
                if not self._pending and self._closed:
                    return
                batch, self._pending = self._coalescer.coalesce(self._pending), []
            due = time.monotonic() + SEND_INTERVAL_S
            try:
                self._conn.send_bytes(encode(batch))
            except BaseException as exc:  # noqa: BLE001 - reported by the main loop
                self.broken = True
                self.failure = None if isinstance(exc, BrokenPipeError | EOFError | OSError) else exc
                return

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)


#: Set to ``"1"`` in the environment of every session worker process.
WORKER_ENV = "COMPNEUROVIS_WORKER"


def _worker_main(factory: SessionFactory, conn: Connection, parent_pid: int, kernel_watch: bool) -> None:
    """Entry point of the worker process."""
    os.environ[WORKER_ENV] = "1"  # lets a backend tune what it owns alone (e.g. its thread pools)
    # Ctrl+C in a terminal reaches the whole process group: the frontend decides, and stops us cleanly
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch = ParentWatch(parent_pid, kernel=kernel_watch).start()
    # The simulation loop holds the GIL; a short switch interval lets the sender
    # thread in promptly, so messages leave as soon as the pipe takes them.
    sys.setswitchinterval(0.0005)
    outbox = _Outbox(conn)
    session: Session | None = None
    fatal: Error | None = None
    try:
        with watch.guard():
            scene = startup_scene_of(factory)
        if scene is not None:
            outbox.put([SceneReady(scene=scene)])
        with watch.guard():
            session = factory()
            session.on_preview(lambda preview: outbox.put([SceneReady(scene=preview)]))
            scene = session.initialize()
        if scene is not None:
            outbox.put([SceneReady(scene=scene)])
            remember_scene_of(factory, scene)
        session.allow_batched_advance()  # nothing here counts advance() calls
        outbox.put(session.read_updates())
        stop = False
        while not stop and not outbox.broken and not watch.gone.is_set():
            wait = 0.0 if session.is_live() else session.idle_sleep()
            while conn.poll(wait):
                command = decode(conn.recv_bytes())
                if isinstance(command, StopSession):
                    stop = True
                    break
                with watch.guard():
                    session.handle(command)
                wait = 0.0
            if not stop and session.is_live():
                session.advance()
            outbox.put(session.read_updates())
        if outbox.failure is not None:
            raise RuntimeError(f"could not send updates: {outbox.failure!r}") from outbox.failure
    except (EOFError, ConnectionError):
        pass  # the frontend went away (a socketpair whose peer died reads as a reset)
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
        # the original failure first: read_updates() below may be what raised
        fatal = Error(message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(), fatal=True)
        if session is not None:
            with contextlib.suppress(Exception):  # what the session emitted before it failed
                outbox.put(session.read_updates())
    finally:
        watch.shutting_down()
        if session is not None:
            try:
                session.shutdown()
            except Exception as exc:  # noqa: BLE001
                outbox.put([Error(message=f"session shutdown failed: {type(exc).__name__}: {exc}",
                                  traceback=traceback.format_exc())])
        if fatal is not None:
            outbox.put([fatal])
        outbox.close()
        if fatal is not None and outbox.failure is not None:
            with contextlib.suppress(OSError):  # the sender died: report directly
                conn.send_bytes(encode([fatal]))
        conn.close()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class WorkerTransport:
    """A Session running in a child process, spoken to through a pipe.

    Args:
        factory: A Session class or a picklable, top-level callable returning a
            Session; it is called inside the worker (spawn-safe).
        start_method: ``multiprocessing`` start method; ``"spawn"`` by default,
            which is safe with threads, Qt and simulators.

    Example:
        >>> with WorkerTransport(MySession) as transport:   # doctest: +SKIP
        ...     updates = transport.poll(timeout=1.0)
    """

    def __init__(self, factory: SessionFactory, *, start_method: str = "spawn") -> None:
        self.factory = factory
        self._ctx = mp.get_context(start_method)
        self._conn: Connection | None = None
        self._process: Any = None
        self.finished = False
        self._fatal_seen = False
        self._closing = False
        self._heard = False  # whether any message came from the worker

    def start(self) -> WorkerTransport:
        """Start the worker process. Returns ``self``."""
        if self._process is not None:
            raise RuntimeError("transport already started")
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        self._process = self._ctx.Process(
            target=_worker_main, name="compneurovis-worker", daemon=True,
            # the kernel's parent-death signal follows the starting thread: only arm it from the main one
            args=(self.factory, child_conn, os.getpid(), threading.current_thread() is threading.main_thread()),
        )
        with _sigint_ignored():  # inherited through spawn: a Ctrl+C while the worker boots is not its business
            self._process.start()
        child_conn.close()
        self._conn = parent_conn
        return self

    @property
    def pid(self) -> int | None:
        """Process id of the worker, or ``None`` before `start`."""
        return None if self._process is None else self._process.pid

    def is_alive(self) -> bool:
        """Whether the worker process is running."""
        return self._process is not None and self._process.is_alive()

    def send(self, command: SessionCommand) -> None:
        """Send one command to the session; ignored once the worker has gone."""
        if self._conn is None:
            raise RuntimeError("transport not started")
        try:
            self._conn.send_bytes(encode(command))
        except (BrokenPipeError, OSError):
            self.finished = True

    def fileno(self) -> int:
        """File descriptor that becomes readable when updates arrive."""
        if self._conn is None:
            raise RuntimeError("transport not started")
        return self._conn.fileno()

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        """Return the updates that have arrived, waiting up to ``timeout`` for the first.

        Args:
            timeout: Seconds to wait when nothing is pending yet.
            max_messages: Read at most this many batches (``None``: all pending).
        """
        if self._conn is None or self.finished:
            return []
        updates: list[SessionUpdate] = []
        count = 0
        try:
            while self._conn.poll(timeout if count == 0 else 0):
                updates.extend(decode(self._conn.recv_bytes()))
                self._heard = True
                count += 1
                if max_messages is not None and count >= max_messages:
                    break
        except (EOFError, OSError):
            self.finished = True
            self._fatal_seen |= any(isinstance(u, Error) and u.fatal for u in updates)
            if not self._fatal_seen and not self._closing:
                updates.append(self._death_notice())
        self._fatal_seen |= any(isinstance(u, Error) and u.fatal for u in updates)
        return updates

    def _death_notice(self) -> Error:
        """An Error for a worker that vanished without reporting why (crash, kill, bad factory)."""
        self._process.join(2.0)
        code = self._process.exitcode
        how = "is still running" if code is None else (
            f"was killed by signal {-code}" if code < 0 else f"exited with code {code}")
        method = self._ctx.get_start_method()
        reimports = method in ("spawn", "forkserver")  # the worker imports the main script again
        script = unguarded_main_script() if code == 1 and not self._heard and reimports else None
        if script is not None:
            return Error(message=(
                f"the session worker exited with code {code} before it started: {script} starts it outside "
                f"an `if __name__ == \"__main__\":` block, and the worker ({method!r} "
                "start method) imports that script again; put the code that starts the session under that "
                "block"), fatal=True)
        return Error(message=f"the session worker {how} before reporting an error; "
                             f"check the terminal for its output (factory: {self.factory!r})", fatal=True)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the session and the worker; leaves no child process behind."""
        if self._process is None or self._process.pid is None:  # never started
            return
        self._closing = True
        if self._conn is not None:
            try:
                self._conn.send_bytes(encode(StopSession()))
            except (BrokenPipeError, OSError):
                pass
        deadline = time.monotonic() + timeout
        # Keep draining so a worker blocked on a full pipe can finish.
        while self._process.is_alive() and time.monotonic() < deadline:
            self.poll(0.05)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(1.0)
        self._process.join(0)
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.finished = True

    def __enter__(self) -> WorkerTransport:
        return self.start() if self._process is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()
