"""The recorder's file: locked, append-only, written block by block off the simulation's thread."""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

from . import _recording_format as fmt

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]

#: Most seconds between two syncs of the file to the disk.
SYNC_INTERVAL = 1.0
#: Blocks waiting for the writer thread before `BlockWriter.submit` waits.
_QUEUE = 4


class BlockWriter:
    """Appends blocks to one file in order, from a thread of its own; the first error stops it.

    The file is created (or emptied) only once an exclusive advisory lock on
    it is held, so a second writer to the same path is refused before it
    touches the file. After a write error the file is cut back to its last
    whole block, and `failure` names the file, the reason and what it keeps.

    Args:
        path: The file.
        protocol_version: Written into the file header.

    Raises:
        OSError: Naming the path, if it cannot be created or another writer holds it.
    """

    def __init__(self, path: Path, protocol_version: int) -> None:
        self.path = path
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            raise type(exc)(exc.errno, f"cannot record to {path}: {exc.strerror}") from None
        if fcntl is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(self._fd)
                raise OSError(errno.EBUSY, f"cannot record to {path}: another recorder is writing it "
                                           "(the file is left as it is)") from None
        self.failure: OSError | None = None
        self._good = 0  # bytes of the file known whole
        self._kept = (0, float("nan"))  # stream position and sim time at the end of the last whole block
        self._last_sync = time.monotonic()
        self._queue: queue.Queue[tuple[list[Any], int, float] | None] = queue.Queue(_QUEUE)
        self._thread: threading.Thread | None = None
        if not self._append((fmt.header(protocol_version),)):
            os.close(self._fd)
            self._fd = -1
            raise self.failure  # type: ignore[misc]

    def submit(self, payload: list[Any], end: int, sim_time: float) -> None:
        """Queue one block (its payload's parts; ``end``: stream position after it; ``sim_time``: the latest)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="compneurovis-recorder", daemon=True)
            self._thread.start()
        self._queue.put((payload, end, sim_time))

    def wait(self) -> None:
        """Return once every queued block is written (or the writer failed)."""
        if self._thread is not None:
            self._queue.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self.failure is None:
                    self._write(*item)
            finally:
                self._queue.task_done()

    def _write(self, payload: list[Any], end: int, sim_time: float) -> None:
        if self._append((fmt.block(payload), *payload)):
            self._kept = (end, sim_time)
            if time.monotonic() - self._last_sync >= SYNC_INTERVAL:
                self.sync()

    def _append(self, parts: tuple[Any, ...]) -> bool:
        """Write ``parts`` at the end of the file; on an error cut the file back and keep the error."""
        try:
            if self._good == 0:
                os.ftruncate(self._fd, 0)  # only now that the lock is held
            for part in parts:
                view = memoryview(part)
                while view:
                    view = view[os.write(self._fd, view):]
        except OSError as exc:
            with contextlib.suppress(OSError):  # drop the torn block: readers see a clean end
                os.ftruncate(self._fd, self._good)
            self._fail(exc)
            return False
        self._good += sum(len(p) for p in parts)
        return True

    def sync(self) -> None:
        """Sync the file to the disk (a failure is kept in `failure`)."""
        try:
            os.fsync(self._fd)
        except OSError as exc:
            self._fail(exc)
        self._last_sync = time.monotonic()

    def _fail(self, exc: OSError) -> None:
        if self.failure is None:
            end, sim_time = self._kept
            self.failure = type(exc)(exc.errno, f"recording to {self.path} stopped: {exc.strerror}; the file keeps "
                                                f"the {end} updates written before (up to sim time {sim_time:g})")

    def close(self) -> None:
        """Write what is queued, sync, release the lock and close the file (errors stay in `failure`)."""
        if self._fd < 0:
            return
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self.failure is None:
            self.sync()
        os.close(self._fd)  # also releases the lock
        self._fd = -1
