"""`PacedInbox`: updates handed over by a session's thread, taken as merged batches at a bounded rate.

A NEURON session makes a display frame every few hundred microseconds, and
each batch costs encoding and a write (and, for the receiver, decoding) while
a window shows at most about 30 frames a second. The worker's pipe and the
server's hub both take their updates from one of these: at most one batch per
`SEND_INTERVAL_S`, what arrived in between merged (`UpdateCoalescer`: the
latest frame, the history appended in order), so nothing is lost, only sent
later by at most that interval.
"""

from __future__ import annotations

import threading
import time

from ._coalesce import UpdateCoalescer
from ._protocol import SessionUpdate

#: Shortest wall-clock interval, in seconds, between two batches of a worker or a server.
SEND_INTERVAL_S = 1 / 60
#: Pending updates beyond which they are merged at once (the taker is behind: keep memory bounded).
_MAX_PENDING = 256


class PacedInbox:
    """Updates `put` by one thread and taken, merged, by another (`take`), at most once per `SEND_INTERVAL_S`.

    Attributes:
        idle: Set while nothing is pending (everything put has been taken).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: list[SessionUpdate] = []
        self._coalescer = UpdateCoalescer()
        self._closed = False
        self._waiting = False  # the taker waits for updates (not for its next batch's time)
        self._due = 0.0  # monotonic time before which no batch is taken
        self.idle = threading.Event()
        self.idle.set()

    def put(self, updates: list[SessionUpdate]) -> None:
        """Hand updates over; never blocks on the taker, and wakes it only when it waits for updates."""
        if not updates:
            return
        with self._cond:
            self._pending.extend(updates)
            self.idle.clear()
            if len(self._pending) > _MAX_PENDING:
                self._pending = self._coalescer.coalesce(self._pending)
            if self._waiting:
                self._cond.notify()

    def take(self) -> list[SessionUpdate] | None:
        """The next batch, merged, no sooner than `SEND_INTERVAL_S` after the last; ``None`` once closed and empty.

        What is put while it waits for the batch's time joins the batch: no wake-up per `put`.
        """
        with self._cond:
            while not self._pending and not self._closed:
                self.idle.set()
                self._waiting = True
                self._cond.wait()
            self._waiting = False
        left = self._due - time.monotonic()
        if left > 0 and not self._closed:
            time.sleep(left)
        with self._cond:
            if not self._pending:
                self.idle.set()
                return None
            batch, self._pending = self._coalescer.coalesce(self._pending), []
        self._due = time.monotonic() + SEND_INTERVAL_S
        return batch

    def close(self) -> None:
        """Let `take` return what is left, then ``None``."""
        with self._cond:
            self._closed = True
            self._cond.notify()
