"""Find the ``mpich`` wheel's ``mpiexec`` and ``libmpi.so.12`` (for tests and benchmarks)."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from importlib import metadata
from pathlib import Path

import pytest


def mpich_paths() -> tuple[Path, Path] | None:
    """``(mpiexec, libmpi.so.12)`` of the installed ``mpich`` wheel, or ``None``."""
    try:
        files = metadata.files("mpich") or []
    except metadata.PackageNotFoundError:
        return None
    found = {}
    for f in files:
        name = Path(str(f)).name
        if name in ("mpiexec", "libmpi.so.12"):
            found[name] = Path(str(f.locate())).resolve()
    if len(found) < 2:
        return None
    return found["mpiexec"], found["libmpi.so.12"]


def mpi_command(ranks: int, argv: list[str]) -> tuple[list[str], dict[str, str]]:
    """The ``mpiexec -n ranks argv`` command line and environment (``MPI_LIB_NRN_PATH`` set).

    Skips the calling test when the wheels are missing (fails under ``CNV_REQUIRE_ALL=1``).
    """
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        mpi4py_ok = False
    else:
        mpi4py_ok = True
    paths = mpich_paths()
    if paths is None or not mpi4py_ok:
        message = "needs the mpi extra: pip install 'compneurovis-neuron[mpi]' (mpi4py, mpich)"
        if os.environ.get("CNV_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    mpiexec, lib = paths
    env = dict(os.environ, MPI_LIB_NRN_PATH=str(lib), NEURON_MODULE_OPTIONS="-nogui")
    env.pop("DISPLAY", None)
    return [str(mpiexec), "-n", str(ranks), *argv], env


def read_lines(job: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The job's output lines as they come (``None`` at its end), read to the end by a daemon thread.

    A thread, not ``select()`` on the pipe: one read can take several lines into the
    text buffer, where ``select()`` no longer sees them.
    """
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        try:
            for line in job.stdout:  # type: ignore[union-attr]
                lines.put(line)
        except (OSError, ValueError):  # closed
            pass
        lines.put(None)

    threading.Thread(target=read, name="cnv-test-mpi-output", daemon=True).start()
    return lines
