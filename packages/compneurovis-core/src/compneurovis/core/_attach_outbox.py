"""`SendWhenReady`: updates leave at most ``rate`` times a second, coalesced in between.

The simulating process of ``show()`` is the user's own: every microsecond
spent here is taken from the user's run. A display step only queues its
updates; at most ``rate`` times a wall-clock second (30; a window draws ~30
frames a second) the pending ones are coalesced (superseded display frames
dropped, history blocks merged) and encoded once, by the display step itself
when the socket takes them. What is left when the run pauses or ends (the
last frame) is sent by a helper thread that sleeps without the GIL until then.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
from multiprocessing.connection import Connection

from ._coalesce import UpdateCoalescer
from ._codec import encode
from ._protocol import SessionUpdate

#: Pending updates kept before they are coalesced (the consumer is behind).
MAX_PENDING = 256


class SendWhenReady:
    """Send updates on ``conn`` from the caller's thread when it can, else from a helper thread.

    Args:
        conn: A connection over a socket (``fileno()`` selectable).
        rate: Most batches sent per wall-clock second.
    """

    def __init__(self, conn: Connection, *, rate: float = 30.0) -> None:
        self._conn = conn
        self._interval = 1.0 / rate
        self._last = 0.0
        self._pending: list[SessionUpdate] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self.broken = False
        self._coalescer = UpdateCoalescer()
        self._thread = threading.Thread(target=self._leftovers, name="cnv-show-sender", daemon=True)
        self._thread.start()

    def put(self, updates: list[SessionUpdate]) -> None:
        """Queue ``updates`` and send what is pending if the socket takes it now; never waits for the reader."""
        if self.broken or self._closed:
            return
        with self._lock:
            self._pending.extend(updates)
            if time.monotonic() - self._last >= self._interval and self._send(block=False):
                return
            if len(self._pending) > MAX_PENDING:
                self._pending = self._coalescer.coalesce(self._pending)
            if not self._wake.is_set():
                self._wake.set()

    def _send(self, *, block: bool) -> bool:
        """Send the pending updates as one batch (lock held); ``False`` if the socket would block."""
        if not self._pending:
            return True
        if not block:
            try:
                _, writable, _ = select.select([], [self._conn.fileno()], [], 0)
            except (OSError, ValueError):
                self.broken = True
                return True
            if not writable:
                return False
        batch, self._pending = self._coalescer.coalesce(self._pending), []
        self._last = time.monotonic()
        try:
            self._conn.send_bytes(encode(batch))
        except (OSError, EOFError):
            self.broken = True
        return True

    def _leftovers(self) -> None:
        while not self._closed:
            self._wake.wait()  # no GIL needed while nothing is left over
            if self._closed:
                return
            self._wake.clear()
            while not self._closed and not self.broken:
                # sleep (without the GIL) until the batch is due and the socket takes it
                time.sleep(max(0.0, self._last + self._interval - time.monotonic()) + 0.002)
                try:
                    select.select([], [self._conn.fileno()], [], 0.05)
                except (OSError, ValueError):
                    return
                with self._lock:
                    if not self._pending or (time.monotonic() - self._last >= self._interval
                                             and self._send(block=False)):
                        break

    def flush(self, timeout: float = 5.0) -> None:
        """Send what is pending now, whatever the rate (waiting up to ``timeout`` for the reader)."""
        with self._lock:
            self._send_now(timeout)

    def _send_now(self, timeout: float) -> None:
        if self._pending and not self.broken and not self._closed:
            with contextlib.suppress(OSError, ValueError):
                _, writable, _ = select.select([], [self._conn.fileno()], [], timeout)
                if writable:
                    self._send(block=True)

    def close(self, timeout: float = 2.0) -> None:
        """Send what is left (waiting up to ``timeout`` for the reader) and stop the helper thread."""
        with self._lock:
            self._send_now(timeout)
            self._closed = True
        self._wake.set()
        self._thread.join(timeout)
