"""The server side of the TCP transport: one hub, any number of authenticated viewers.

The session thread only hands its updates to the `Hub` (`publish`), which never
blocks. The hub thread coalesces them, keeps a mirror of the current Scene
(what a viewer that joins late, or falls behind, is sent first), encodes each
batch once and offers it to every viewer, at most one batch per
`SEND_INTERVAL_S` (as the worker's pipe does: what a session publishes in
between is merged). Each viewer has a bounded queue and its own writer
thread: a viewer that reads slowly gets coalesced batches; one whose backlog
still exceeds its byte budget is told so and resynchronised with a fresh
Scene; one that accepts no byte for ``stall_timeout`` is dropped.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import queue
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._coalesce import UpdateCoalescer
from ._codec import decode, encode
from ._errors import SceneError
from ._net_wire import MAX_COMMAND_FRAME, FrameError, recv_frame, send_frame, wait_readable
from ._protocol import COMMAND_TYPES, Error, SceneReady, SessionCommand, SessionUpdate, Status, StopSession
from ._scene import Scene
from ._transport import SEND_INTERVAL_S

log = logging.getLogger("compneurovis.remote")

#: A viewer whose coalesced backlog holds more than this many bytes is resynchronised.
DEFAULT_BACKLOG_BYTES = 64 << 20
#: Batches queued for one viewer before they are coalesced into one.
_MAX_BATCHES = 32
BEHIND_MESSAGE = "this viewer fell behind the session; resynchronised with a fresh Scene"


def copy_scene(scene: Scene) -> Scene:
    """A Scene whose dicts are its own (fields and specs are shared: updates replace, never mutate, them)."""
    out = copy.copy(scene)
    for name in ("fields", "geometries", "views", "controls", "actions", "panels", "state"):
        setattr(out, name, dict(getattr(scene, name)))
    return out


def _weight(update: SessionUpdate) -> int:
    """Rough size in bytes of an update's arrays."""
    if isinstance(update, SceneReady):
        return sum(f.values.nbytes for f in update.scene.fields.values())
    return sum(v.nbytes for v in (getattr(update, "values", None), getattr(update, "coord_values", None))
               if isinstance(v, np.ndarray))


@dataclass
class _Batch:
    updates: list[SessionUpdate]
    data: bytes | None  # the encoded batch, shared by every viewer that keeps up
    weight: int


class Viewer:
    """One authenticated connection: a writer thread for updates, a reader thread for commands."""

    def __init__(self, hub: Hub, sock: socket.socket, peer: str, first: Scene | None,
                 fatal: Error | None = None) -> None:
        self.hub, self.sock, self.peer = hub, sock, peer
        self.sent_frames = 0
        self._cond = threading.Condition()
        self._pending: list[_Batch] = []
        self._coalescer = UpdateCoalescer()
        self._closed = False
        self._busy = False  # a frame is being written
        if first is not None:
            self._resync(first, None)
        if fatal is not None:  # the session has died: say why
            self._pending.append(_Batch([fatal], None, 0))
        sock.settimeout(hub.stall_timeout)
        self._writer = threading.Thread(target=self._write_loop, name=f"cnv-viewer-out {peer}", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name=f"cnv-viewer-in {peer}", daemon=True)

    def start(self) -> None:
        self._writer.start()
        self._reader.start()

    def _resync(self, scene: Scene, note: str | None) -> None:
        updates: list[SessionUpdate] = [] if note is None else [Status(message=note)]
        updates.append(SceneReady(scene=scene))
        self._pending = [_Batch(updates, None, _weight(updates[-1]))]

    def offer(self, batch: _Batch, mirror: Callable[[], Scene | None]) -> None:
        """Queue ``batch``; coalesce a backlog, resynchronise from ``mirror`` if it is still too big."""
        with self._cond:
            if self._closed:
                return
            self._pending.append(batch)
            if len(self._pending) > _MAX_BATCHES or sum(b.weight for b in self._pending) > self.hub.backlog_bytes:
                merged = self._coalescer.coalesce(u for b in self._pending for u in b.updates)
                weight = sum(_weight(u) for u in merged)
                scene = mirror() if weight > self.hub.backlog_bytes else None
                if scene is not None:
                    log.warning("viewer %s fell behind (%d bytes queued): resynchronising", self.peer, weight)
                    self._resync(copy_scene(scene), BEHIND_MESSAGE)
                else:
                    self._pending = [_Batch(merged, None, weight)]
            self._cond.notify()

    def _write_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                pending, self._pending = self._pending, []
                self._busy = True
                if len(pending) == 1 and pending[0].data is not None:
                    data = pending[0].data
                    self._coalescer.coalesce(pending[0].updates)  # learns the dims of a SceneReady
                else:
                    data = None
                    updates = self._coalescer.coalesce(u for b in pending for u in b.updates)
            try:
                if data is None:
                    data = encode(updates)
                send_frame(self.sock, data)
                self.sent_frames += 1
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
            except TimeoutError:
                self.close(f"stalled: accepted no data for {self.hub.stall_timeout:g} s", abort=True)
                return
            except (BrokenPipeError, ConnectionResetError):
                self.close("disconnected")
                return
            except OSError as exc:
                self.close(f"connection lost while sending ({exc.strerror or exc})")
                return

    def _read_loop(self) -> None:
        while True:
            try:
                wait_readable(self.sock)
                frame = recv_frame(self.sock, MAX_COMMAND_FRAME, what="command frame")
                command = decode(frame)
            except FrameError as exc:
                reason = str(exc)
                self.close("disconnected" if reason == "connection closed" else reason)
                return
            except SceneError as exc:
                self.close(f"sent an undecodable command: {str(exc)[:200]}")
                return
            except OSError as exc:
                self.close(f"connection lost ({exc.strerror or exc})")
                return
            if not isinstance(command, COMMAND_TYPES):
                self.close(f"sent a {type(command).__name__}, not a command")
                return
            if isinstance(command, StopSession):
                log.info("viewer %s asked to stop the session: ignored (a viewer never stops a server)", self.peer)
                continue
            self.hub.commands.put(command)

    def drain(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for everything queued to be written."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or (not self._pending and not self._busy), timeout)

    def close(self, reason: str | None = None, *, abort: bool = False) -> None:
        """Drop this viewer (idempotent), logging ``reason`` on one line.

        With ``abort`` the connection is reset: what the kernel still holds for it is freed at once.
        """
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        if reason is not None:
            log.log(logging.INFO if reason == "disconnected" else logging.WARNING, "viewer %s dropped: %s",
                    self.peer, reason)
        self.hub.forget(self)
        if abort:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def running(self) -> bool:
        """Whether either of its threads still runs."""
        return self._writer.is_alive() or self._reader.is_alive()

    def join(self, timeout: float) -> None:
        for thread in (self._writer, self._reader):
            if thread.ident is not None and thread is not threading.current_thread():
                thread.join(timeout)


class Hub:
    """Fan the session's updates out to viewers; collect their commands."""

    def __init__(self, *, stall_timeout: float, backlog_bytes: int = DEFAULT_BACKLOG_BYTES) -> None:
        self.stall_timeout = stall_timeout
        self.backlog_bytes = backlog_bytes
        self.commands: queue.SimpleQueue[SessionCommand | None] = queue.SimpleQueue()
        self._inbox: list[SessionUpdate] = []
        self._inbox_cond = threading.Condition()
        self._lock = threading.Lock()  # mirror and viewers
        self._mirror: Scene | None = None
        self._unapplied: list[SessionUpdate] = []
        self._mirror_coalescer = UpdateCoalescer()
        self._fatal: Error | None = None
        self._viewers: list[Viewer] = []
        self._all: list[Viewer] = []
        self._closed = False
        self._idle = threading.Event()
        self._idle.set()
        self._waiting = False  # the hub thread waits for updates (not for its next send time)
        self._coalescer = UpdateCoalescer()
        self._thread = threading.Thread(target=self._run, name="cnv-hub", daemon=True)

    def start(self) -> None:
        """Start the hub thread."""
        if self._thread.ident is None:
            self._thread.start()

    @property
    def viewers(self) -> list[Viewer]:
        with self._lock:
            return list(self._viewers)

    def publish(self, updates: list[SessionUpdate]) -> None:
        """Hand updates over; never blocks on a viewer."""
        if not updates:
            return
        with self._inbox_cond:
            self._inbox.extend(updates)
            self._idle.clear()
            if len(self._inbox) > 256:  # the hub is behind: keep memory bounded
                self._inbox = self._coalescer.coalesce(self._inbox)
            if self._waiting:  # no wake-up for every publish while it paces itself
                self._inbox_cond.notify()

    def add(self, sock: socket.socket, peer: str) -> Viewer:
        """Start serving an authenticated connection: the current Scene first, then the live stream."""
        with self._lock:
            mirror = self._catch_up()
            viewer = Viewer(self, sock, peer, None if mirror is None else copy_scene(mirror), self._fatal)
            self._viewers.append(viewer)
            self._all = [v for v in self._all if v.running()]  # forget those long gone
            self._all.append(viewer)
        viewer.start()
        log.info("viewer %s connected (%d watching)", peer, len(self._viewers))
        return viewer

    def forget(self, viewer: Viewer) -> None:
        with self._lock:
            if viewer in self._viewers:
                self._viewers.remove(viewer)

    def _run(self) -> None:
        coalescer = UpdateCoalescer()
        due = 0.0  # monotonic time before which no batch goes out
        while True:
            with self._inbox_cond:
                while not self._inbox and not self._closed:
                    self._idle.set()
                    self._waiting = True
                    self._inbox_cond.wait()
                self._waiting = False
            left = due - time.monotonic()
            if left > 0 and not self._closed:
                # a session publishes every few hundred microseconds; each batch costs encoding and a
                # write per viewer in this process, whose GIL the simulation needs: merge them instead
                time.sleep(left)
            with self._inbox_cond:
                if not self._inbox:
                    self._idle.set()
                    return
                batch, self._inbox = coalescer.coalesce(self._inbox), []
            due = time.monotonic() + SEND_INTERVAL_S
            with self._lock:
                self._mirror_apply(batch)
                if self._viewers:
                    shared = _Batch(batch, encode(batch), sum(_weight(u) for u in batch))
                    for viewer in self._viewers:
                        viewer.offer(shared, self._catch_up)

    def _mirror_apply(self, batch: list[SessionUpdate]) -> None:
        """Note ``batch`` for the mirror; applied in bulk (coalesced) when it grows or a snapshot is needed."""
        for update in batch:
            if isinstance(update, Error) and update.fatal:
                self._fatal = update
            if isinstance(update, SceneReady):
                self._unapplied.clear()
                self._mirror = copy_scene(update.scene)
                self._mirror_coalescer.coalesce([update])  # learns its field dims
            elif self._mirror is not None:
                self._unapplied.append(update)
        if len(self._unapplied) > 512:
            self._catch_up()

    def _catch_up(self) -> Scene | None:
        """The mirror with every update so far applied."""
        if self._mirror is not None and self._unapplied:
            pending, self._unapplied = self._mirror_coalescer.coalesce(self._unapplied), []
            for update in pending:
                try:
                    self._mirror.apply(update)
                except SceneError as exc:  # the session's own mistake: viewers will report it too
                    log.warning("update does not fit the current Scene: %s", exc)
        return self._mirror

    def flush(self, timeout: float) -> bool:
        """Wait until every published update has been offered to the viewers."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the hub thread and drop every viewer; joins their threads."""
        with self._inbox_cond:
            self._closed = True
            self._inbox_cond.notify()
        if self._thread.ident is not None:
            self._thread.join(timeout)
        with self._lock:
            everyone = list(self._all)
        deadline = time.monotonic() + timeout
        for viewer in everyone:  # the last updates (e.g. the session's fatal Error) reach those that keep up
            viewer.drain(max(0.0, min(1.0, deadline - time.monotonic())))
        for viewer in everyone:
            viewer.close()
        for viewer in everyone:
            viewer.join(timeout)

    def info(self) -> dict[str, Any]:
        """Viewer count and frames sent to each (for tests and tools)."""
        with self._lock:
            return {"viewers": len(self._viewers), "sent": [v.sent_frames for v in self._viewers]}
