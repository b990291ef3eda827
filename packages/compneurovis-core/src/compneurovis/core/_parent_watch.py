"""End a session worker when the process that started it dies, whatever the worker is doing.

Two layers, because a Python thread cannot run while the main thread holds the
GIL inside a long C call (NEURON's hoc interpreter does, for seconds at a time):

- A daemon watchdog thread, on every platform, checks the parent every
  ``POLL_S`` seconds (``os.getppid()`` on POSIX, the parent's process handle
  elsewhere). When it is gone, the worker's main loop stops at its next turn and
  shuts the session down cleanly (a recording is closed complete); a main thread
  stuck in a session call for ``GRACE_S`` more seconds is ended with `os._exit`.
- On Linux, while the main thread is inside a session call that may be long
  (building the session, ``initialize()``, ``handle()``), the kernel is asked to
  SIGKILL the worker the moment its parent dies (``prctl(PR_SET_PDEATHSIG)``), so
  even a call that never releases the GIL cannot keep it alive. This is armed
  only when the transport was started from the main thread: the kernel ties it to
  the starting thread, not to the process. ``advance()`` runs unarmed, so that the
  common case, a window dying while the simulation runs, still ends in a clean
  shutdown.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

POLL_S = 0.1
GRACE_S = 1.0
SHUTDOWN_S = 10.0
#: Exit status of a worker ended by the watchdog because its parent died.
PARENT_GONE_EXIT = 75
_PR_SET_PDEATHSIG = 1


def _prctl() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


class ParentWatch:
    """Watch the parent process from inside a worker; see the module docstring.

    Args:
        parent_pid: Process id of the parent, as the parent saw itself.
        kernel: Whether the kernel may SIGKILL this process when the parent dies
            during `guard` (Linux; only safe if the parent started us from its
            main thread).
    """

    def __init__(self, parent_pid: int, *, kernel: bool) -> None:
        self.parent_pid = parent_pid
        self.gone = threading.Event()
        self._shutting_down = threading.Event()
        self._prctl = _prctl() if kernel else None
        self._parent = mp.parent_process()
        self._thread = threading.Thread(target=self._run, name="cnv-parent-watch", daemon=True)

    def start(self) -> ParentWatch:
        """Start the watchdog thread; ends the process at once if the parent is already gone."""
        if self._parent_gone():
            os._exit(PARENT_GONE_EXIT)
        self._thread.start()
        return self

    def _parent_gone(self) -> bool:
        if os.name == "posix":
            return os.getppid() != self.parent_pid  # re-parented to init or a subreaper
        return self._parent is not None and not self._parent.is_alive()

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Around a session call that may be long: the kernel kills us if the parent dies meanwhile."""
        if self._prctl is None:
            yield
            return
        self._prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        try:
            if self._parent_gone():  # it died before the signal was armed
                os._exit(PARENT_GONE_EXIT)
            yield
        finally:
            self._prctl(_PR_SET_PDEATHSIG, 0, 0, 0, 0)

    def shutting_down(self) -> None:
        """Say the main thread has reached its clean shutdown: the watchdog gives it `SHUTDOWN_S`."""
        self._shutting_down.set()

    def _run(self) -> None:
        while not self._parent_gone():
            time.sleep(POLL_S)
        self.gone.set()
        if self._shutting_down.wait(GRACE_S):
            time.sleep(SHUTDOWN_S)  # normally the process has exited long before
        os._exit(PARENT_GONE_EXIT)
