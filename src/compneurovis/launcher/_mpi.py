"""MPI in the launcher: ``mpiexec -n N compneurovis serve ...`` and ``compneurovis demo NAME --ranks N``.

Under ``mpiexec`` every rank runs the same ``compneurovis serve`` command:
rank 0 serves the session (the usual `serve`), the other ranks follow it
through the backend's ``run_parallel`` (entry-point group
``compneurovis.mpi``). ``demo NAME --ranks N`` starts that job itself (the
``mpich`` wheel's ``mpiexec`` unless ``CNV_MPIEXEC`` names another), reads the
URL rank 0 prints, opens the window on it, and ends the job when the window closes.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from compneurovis.core import RemoteError

from ._discovery import LauncherError

MPI_GROUP = "compneurovis.mpi"
#: Environment variables an MPI launcher sets with the job's size (MPICH/Hydra, Open MPI, PMIx).
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")
_URL = re.compile(r"compneurovis connect (\S+)")
START_TIMEOUT = 120.0


def under_mpiexec() -> bool:
    """Whether this process was started by an MPI launcher (``mpiexec``, ``srun --mpi``...)."""
    return any(os.environ.get(name) for name in _SIZE_VARS)


def rank() -> int:
    """This process's MPI rank as its launcher announced it (0 outside MPI)."""
    for name in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"):
        value = os.environ.get(name)
        if value and value.isdigit():
            return int(value)
    return 0


def run_parallel(factory: Callable[[], Any], drive: Callable[[Callable[[], Any]], int | None]) -> int:
    """Rank 0 runs ``drive(factory)``; the other ranks follow (the backend's ``run_parallel``).

    Raises:
        LauncherError: If no installed backend runs sessions under MPI.
    """
    points = metadata.entry_points(group=MPI_GROUP)
    if not points:
        raise LauncherError("running under mpiexec needs an MPI-capable backend: "
                            'pip install "compneurovis[neuron,mpi]"')
    try:
        runner = next(iter(points)).load()
    except ImportError as exc:
        raise LauncherError(f"cannot start MPI ({exc}); pip install \"compneurovis[neuron,mpi]\"") from None
    return int(runner(factory, drive) or 0)


def add_ranks_option(parser: argparse.ArgumentParser) -> None:
    """``--ranks N`` of ``demo``: run the demo under ``mpiexec -n N`` and watch it."""
    parser.add_argument("--ranks", type=_ranks, metavar="N",
                        help="run the demo on N MPI ranks (mpiexec) and open the window on rank 0's session")


def _ranks(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of ranks, got {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"expected 1 to 1024 ranks, got {value}")
    return value


def mpiexec_command(ranks: int) -> tuple[list[str], dict[str, str]]:
    """``mpiexec -n ranks`` and the environment NEURON needs to find the same MPI.

    Raises:
        LauncherError: If no ``mpiexec`` is found.
    """
    env = dict(os.environ)
    mpiexec = os.environ.get("CNV_MPIEXEC")
    lib = None
    try:
        for f in metadata.files("mpich") or []:
            name = Path(str(f)).name
            if name == "mpiexec" and mpiexec is None:
                mpiexec = str(Path(str(f.locate())).resolve())
            elif name == "libmpi.so.12":
                lib = str(Path(str(f.locate())).resolve())
    except metadata.PackageNotFoundError:
        pass
    mpiexec = mpiexec or shutil.which("mpiexec")
    if mpiexec is None:
        raise LauncherError('no mpiexec found: pip install "compneurovis[neuron,mpi]" (or set CNV_MPIEXEC)')
    if lib is not None:
        env.setdefault("MPI_LIB_NRN_PATH", lib)
    return [mpiexec, "-n", str(ranks)], env


def run_demo_on_ranks(name: str, args: argparse.Namespace,
                      open_window: Callable[[Any, argparse.Namespace], int]) -> int:
    """``demo NAME --ranks N``: serve the demo on N ranks, open the window on it, end the job after."""
    command, env = mpiexec_command(args.ranks)
    with tempfile.TemporaryDirectory(prefix="cnv-mpi-") as tmp:
        token_file = Path(tmp) / "token"
        token_file.write_text(os.urandom(16).hex(), encoding="utf-8")
        token_file.chmod(0o600)
        serve = [sys.executable, "-c", "import sys; from compneurovis.launcher import main; sys.exit(main())",
                 "serve", "demo", name, "--token-file", str(token_file)]
        if args.record is not None:  # rank 0 records what it serves
            serve += ["--record", str(args.record)]
            args.record = None
        job = subprocess.Popen([*command, *serve], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
        found: queue.Queue[str | None] = queue.Queue()
        seen: list[str] = []
        # reads the job's output to its end, so that the job never blocks on a full pipe
        reader = threading.Thread(target=_read_output, args=(job, found, seen), name="cnv-mpi-output", daemon=True)
        reader.start()
        try:
            try:
                url = found.get(timeout=START_TIMEOUT)
            except queue.Empty:
                url = None
            if url is None:
                exited = job.poll()
                tail = "\n".join(seen[-20:])
                raise LauncherError(f"the MPI job did not start serving within {START_TIMEOUT:.0f} s"
                                    f"{'' if exited is None else f' (it exited with {exited})'}:\n{tail}")
            try:
                return open_window(url, args)
            except (RemoteError, ValueError) as exc:
                raise LauncherError(str(exc)) from None
        finally:
            _end(job)
            reader.join(5.0)
            if not reader.is_alive() and job.stdout is not None:
                job.stdout.close()


def _read_output(job: subprocess.Popen[str], found: queue.Queue[str | None], seen: list[str]) -> None:
    """Read the job's output to its end; the URL of its ``compneurovis connect`` line (or None) goes to ``found``.

    A thread, not a select() on the pipe: one read can take several lines
    into the text buffer, where select() no longer sees them.
    """
    assert job.stdout is not None
    url: str | None = None
    try:
        for line in job.stdout:
            if url is not None:
                continue
            seen.append(line.rstrip())
            del seen[:-20]
            match = _URL.search(line)
            if match:
                url = match.group(1)
                found.put(url)
    except (OSError, ValueError):  # the pipe was closed
        pass
    if url is None:
        found.put(None)


def _end(job: subprocess.Popen[str]) -> None:
    """Stop every rank: SIGTERM to the job's process group, SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if job.poll() is not None:
            break
        try:
            os.killpg(job.pid, sig)
        except ProcessLookupError:
            break
        try:
            job.wait(wait)
        except subprocess.TimeoutExpired:
            continue
