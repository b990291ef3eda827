"""NEURON under MPI: rank 0 drives the session, the other ranks follow it.

Rank 0 runs an ordinary `Session` (any driver: a window's worker, a TCP
server, a plain loop). Each of its collective steps (build, initialise, step,
command, stop) is first announced to the other ranks with a broadcast; they
wait in `run_follower`, run the same step on their own cells, and send their
part back: one ``gather`` of small Python objects (status, sizes, spikes) and
one ``Gatherv`` of contiguous float32 per step. A rank that raises still takes
part in both, with its traceback in place of data, so rank 0 raises
`RankError` naming it and no rank is left waiting.
"""

from __future__ import annotations

import pickle
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

_STATE: dict[str, Any] = {}  # "comm", "pc" once mpi_init ran; "stopped" once rank 0 said stop


class RankError(RuntimeError):
    """Raised on rank 0 when one or more ranks raised during a collective step."""


class _OtherRankFailed(RuntimeError):
    """A rank skips NEURON's collective step because another rank already failed (not an error of its own)."""


def mpi_init() -> tuple[Any, Any]:
    """Start MPI for NEURON (once per process) and switch NEURON sessions to parallel mode.

    Imports ``mpi4py`` (which initialises MPI), calls ``h.nrnmpi_init()`` so
    NEURON joins the same MPI world, and returns ``(comm, pc)``: mpi4py's
    ``COMM_WORLD`` and a ``ParallelContext``. NEURON's wheel loads the MPI
    library named by ``MPI_LIB_NRN_PATH`` (e.g. ``$VENV/lib/libmpi.so.12`` of
    the ``mpich`` wheel, or the site MPI on a cluster). After this call every
    `NeuronSession` in the process steps with ``pc.psolve`` and rank 0 gathers
    the other ranks' cells, even on a single rank.

    Returns:
        ``(comm, pc)``.

    Raises:
        RuntimeError: If NEURON sees fewer ranks than MPI (it did not find the
            MPI library: set ``MPI_LIB_NRN_PATH``).
    """
    if "comm" in _STATE:
        return _STATE["comm"], _STATE["pc"]
    from mpi4py import MPI
    from neuron import h

    h.nrnmpi_init()
    pc = h.ParallelContext()
    comm = MPI.COMM_WORLD
    if int(pc.nhost()) != comm.Get_size():
        raise RuntimeError(
            f"NEURON sees {int(pc.nhost())} rank(s) but MPI has {comm.Get_size()}: NEURON did not load the MPI "
            "library; set MPI_LIB_NRN_PATH to it (e.g. $VENV/lib/libmpi.so.12 of the mpich wheel)")
    _STATE.update(comm=comm, pc=pc)
    return comm, pc


def mpi_active() -> bool:
    """Whether `mpi_init` ran in this process (NEURON sessions run in parallel mode)."""
    return "comm" in _STATE


def mpi_rank() -> int:
    """This process's MPI rank (0 without `mpi_init`)."""
    return int(_STATE["comm"].Get_rank()) if "comm" in _STATE else 0


class ParallelLink:
    """The collectives between rank 0 and the other ranks (see the module docstring)."""

    def __init__(self, comm: Any) -> None:
        self.comm = comm
        self.rank = int(comm.Get_rank())
        self.size = int(comm.Get_size())
        self.is_root = self.rank == 0
        self._depth = 0
        self.pending_error: str | None = None  # a follower's failure outside a collective, reported at the next
        self.collects = 0  # collectives entered, so a follower that raised before one can still join it
        self._prechecked = False

    # ------------------------------------------------------------- announcing

    def announce(self, name: str, arg: Any = None) -> _Op:
        """Context manager for one collective step; rank 0 announces it unless nested in another."""
        return _Op(self, name, arg)

    def _broadcast(self, message: tuple[str, Any]) -> None:
        data = np.frombuffer(pickle.dumps(message), dtype=np.uint8)
        header = np.array([data.size], dtype=np.int64)
        self.comm.Ibcast(header, root=0).Wait()  # matches the followers' Ibcast (blocking would not)
        self.comm.Bcast(data, root=0)

    def receive(self) -> tuple[str, Any]:
        """Wait for rank 0's next step (followers): poll a non-blocking broadcast, sleeping while idle."""
        header = np.zeros(1, dtype=np.int64)
        request = self.comm.Ibcast(header, root=0)
        delay = 2e-5
        while not request.Test():  # a blocking Bcast would spin a core for as long as rank 0 is paused
            time.sleep(delay)
            delay = min(delay * 2, 0.005)
        data = np.empty(int(header[0]), dtype=np.uint8)
        self.comm.Bcast(data, root=0)
        return pickle.loads(data.tobytes())

    # ------------------------------------------------------------ collecting

    def precheck(self, ok: bool = True) -> None:
        """Agree, before a collective NEURON call (``pc.psolve``, ``pc.set_maxstep``), that every rank is fine.

        Raises:
            _OtherRankFailed: If a rank reported failure: every rank skips the NEURON call.
        """
        self._prechecked = True
        flag = np.array([1 if ok else 0], dtype=np.int32)
        both = np.empty(1, dtype=np.int32)
        from mpi4py import MPI

        self.comm.Allreduce(flag, both, op=MPI.MIN)
        if ok and not both[0]:
            raise _OtherRankFailed("another rank failed")

    def collect(self, work: Callable[[], tuple[np.ndarray, Any]], *,
                prechecked: bool = False) -> tuple[list[Any], list[np.ndarray]] | None:
        """Run ``work`` on every rank and gather its ``(float32 data, small object)`` on rank 0.

        With ``prechecked``, ``work`` calls `precheck` once before NEURON's own
        collective call; a rank whose ``work`` raised before it still joins it.

        Returns:
            On rank 0, ``(objects, data)`` with one entry per rank; ``None`` elsewhere.

        Raises:
            RankError: On rank 0, when another rank raised (its traceback in the message).
            Exception: On any rank, its own exception, after taking part in the gathers.
        """
        own: BaseException | None = None
        self.collects += 1
        self._prechecked = False
        data, obj, error = np.empty(0, dtype=np.float32), None, self.pending_error
        if error is not None:  # this rank already failed: join the collective with its message only
            own = RuntimeError(error)
            if prechecked:
                self.precheck(False)
        else:
            try:
                data, obj = work()
                data = np.ascontiguousarray(data, dtype=np.float32).reshape(-1)
            except Exception as exc:  # noqa: BLE001 - reported to rank 0, then re-raised here
                own, data, obj = exc, np.empty(0, dtype=np.float32), None
                if prechecked and not self._prechecked:
                    self.precheck(False)
                error = (None if isinstance(exc, _OtherRankFailed)
                         else f"rank {self.rank} of {self.size} raised:\n{traceback.format_exc()}")
        self.pending_error = None
        metas = self.comm.gather((error, int(data.size), obj), root=0)
        if self.is_root:
            counts = [m[1] for m in metas]
            buf = np.empty(sum(counts), dtype=np.float32)
            self.comm.Gatherv(data, (buf, counts), root=0)
        else:
            self.comm.Gatherv(data, None, root=0)
        if own is not None and not (self.is_root and isinstance(own, _OtherRankFailed)):
            if self.is_root and all(m[0] is None for m in metas[1:]):
                raise own
            if not self.is_root:
                raise own
        if not self.is_root:
            return None
        errors = [m[0] for m in metas if m[0] is not None]
        if errors:
            raise RankError("\n".join(errors))
        parts = np.split(buf, np.cumsum(counts)[:-1]) if counts else []
        return [m[2] for m in metas], parts

    def stop(self) -> None:
        """Rank 0: tell the followers to leave `run_follower` (once)."""
        if self.is_root and not _STATE.get("stopped"):
            _STATE["stopped"] = True
            self._broadcast(("stop", None))


class _Op:
    def __init__(self, link: ParallelLink, name: str, arg: Any) -> None:
        self.link, self.name, self.arg = link, name, arg

    def __enter__(self) -> None:
        link = self.link
        if link.is_root and link._depth == 0:
            if _STATE.get("stopped"):
                raise RuntimeError(f"the MPI followers were already stopped; cannot run {self.name!r}")
            link._broadcast((self.name, self.arg))
        link._depth += 1

    def __exit__(self, *exc: object) -> None:
        self.link._depth -= 1


def world_link() -> ParallelLink | None:
    """The link over the world communicator once `mpi_init` ran, else ``None``."""
    if "comm" not in _STATE:
        return None
    link = _STATE.get("link")
    if link is None:
        link = _STATE["link"] = ParallelLink(_STATE["comm"])
    return link


def run_follower(session_factory: Callable[[], Any]) -> int:
    """Run this rank (> 0) as a follower of rank 0's session until rank 0 stops.

    Creates the session with ``session_factory()`` and mirrors each step rank 0
    announces: build, initialise, step, the commands that change the model,
    stop. Updates this rank's session emits are dropped (rank 0 speaks for all).

    Args:
        session_factory: Makes this rank's session (the same class as rank 0's).

    Returns:
        The exit status: 0, or 1 if this rank raised (its traceback went to rank 0 and stderr).
    """
    mpi_init()
    link = world_link()
    assert link is not None
    if link.is_root:
        raise RuntimeError("run_follower() runs on ranks > 0; rank 0 drives the session")
    failed = False
    session = None
    try:
        session = session_factory()
    except Exception:  # noqa: BLE001 - reported to rank 0
        failed = True
        link.pending_error = f"rank {link.rank}: creating the session failed:\n{traceback.format_exc()}"
        print(link.pending_error, file=sys.stderr, flush=True)
    while True:
        name, arg = link.receive()
        if name == "stop":
            break
        entered = link.collects
        try:
            if session is None:
                raise RuntimeError("this rank has no session (creating it failed)")
            if name == "build":
                session.build_model()
            elif name == "init":
                session.initialize_state()
            elif name == "step":
                n_steps, plan = arg
                session._step_columns = None if plan is None else plan[link.rank]
                session.step(int(n_steps))
            elif name == "command":
                session.follow_command(arg)
        except _OtherRankFailed:
            pass
        except Exception:  # noqa: BLE001 - reported to rank 0 by the collective (joined here if it raised before it)
            failed = True
            print(f"rank {link.rank}:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            if link.collects == entered and name in ("build", "init", "step"):
                message = f"rank {link.rank} of {link.size} raised:\n{traceback.format_exc()}"
                _join_failed(link, name, message)
        if session is not None:
            session.read_updates()  # rank 0 speaks for every rank
    if session is not None:
        try:
            session.shutdown()
        except Exception:  # noqa: BLE001 - reported to rank 0
            failed = True
            print(f"rank {link.rank}: shutdown failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
    return 1 if failed else 0


def _join_failed(link: ParallelLink, name: str, message: str) -> None:
    """Join the collective a follower missed (it raised first), carrying its error to rank 0."""
    link.pending_error = link.pending_error or message
    try:
        link.collect(_nothing, prechecked=name != "build")
    except Exception:  # noqa: BLE001 - already reported
        pass


def _nothing() -> tuple[np.ndarray, Any]:
    return np.empty(0, dtype=np.float32), None


def run_parallel(session_factory: Callable[[], Any], drive: Callable[[Callable[[], Any]], int | None]) -> int:
    """Run one MPI job: rank 0 calls ``drive(session_factory)``, the other ranks follow.

    ``drive`` runs rank 0's session the way any driver does (``serve``, a window
    worker, a loop); the followers are told to stop when it returns or raises.
    Run it under ``mpiexec -n N``.

    Args:
        session_factory: Makes a session on any rank.
        drive: Runs rank 0's session; returns an exit status (``None`` is 0).

    Returns:
        This rank's exit status.
    """
    mpi_init()
    link = world_link()
    assert link is not None
    if not link.is_root:
        return run_follower(session_factory)
    try:
        return int(drive(session_factory) or 0)
    finally:
        link.stop()
