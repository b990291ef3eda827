"""NEURON under MPI, served: 2 ranks with a viewer vs bare ``pc.psolve``, and 1 -> 2 rank scaling.

For each rank count (1, then 2) one ``mpiexec`` job (the ``mpich`` wheel's)
runs the ``neuron-mpi-ring`` model (1,000 ball-and-stick cells, 100,000
segments):

1. bare: every rank builds its cells and runs one ``pc.psolve`` over
   ``SIM_MS`` with nothing sampled or gathered (simulated ms per second);
2. served: the same model as a `MpiRingSession`, rank 0 serving it over TCP
   (`compneurovis.core.serve`) and this process connected as the viewer,
   draining every update; throughput is the simulated time the viewer's
   display frames advance per wall-clock second over ``WATCH_S`` seconds.

Before those, the start-up: seconds from ``mpiexec -n 2 compneurovis serve demo
neuron-mpi-ring`` to the first Scene at a viewer connected as soon as the
server prints its URL (target <= 15 s).

Prints both throughputs per rank count, the served/bare ratio at 2 ranks
(target >= 0.8) and the served 2-rank/1-rank ratio (strong scaling; this
machine's cores are shared, so it is reported, not targeted).

    python packages/compneurovis-neuron/benchmarks/bench_mpi.py
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

SIM_MS = 40.0
WATCH_S = 8.0
TOKEN = "bench-token"


def _child() -> int:
    from neuron import h

    from compneurovis.core import serve
    from compneurovis.neuron import mpi_init, run_parallel
    from compneurovis.neuron.examples.mpi_ring import MpiRingSession

    comm, pc = mpi_init()
    model = MpiRingSession()
    sections = model.build_sections()
    model.setup_model(sections)
    model.sections = sections  # so shutdown deletes them
    pc.set_maxstep(10)
    h.dt = model.dt
    h.finitialize(-65.0)
    comm.Barrier()
    start = time.perf_counter()
    pc.psolve(SIM_MS)
    comm.Barrier()
    bare = SIM_MS / (time.perf_counter() - start)
    model.shutdown()
    if comm.Get_rank() == 0:
        print(f"BARE {bare:.3f}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def drive(make):
        serve(make, "127.0.0.1", 0, TOKEN, on_ready=lambda url: print(f"URL {url}", flush=True), stop=stop)
        return 0

    return run_parallel(MpiRingSession, drive)


def _mpiexec() -> tuple[str, str]:
    found = {Path(str(f)).name: str(Path(str(f.locate())).resolve()) for f in metadata.files("mpich") or []}
    return found["mpiexec"], found["libmpi.so.12"]


def _lines(job: subprocess.Popen[str], deadline: float):
    """The job's output lines until ``deadline``; a thread reads the pipe (select() misses buffered lines)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in job.stdout:  # type: ignore[union-attr]
                lines.put(line)
        lines.put(None)

    threading.Thread(target=read, name="bench-mpi-output", daemon=True).start()
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            return
        if line is None:
            return
        yield line


@contextlib.contextmanager
def _job(ranks: int, *command: str):
    """``mpiexec -n ranks command`` in its own process group (output on its stdout pipe); ended on exit."""
    mpiexec, lib = _mpiexec()
    env = dict(os.environ, MPI_LIB_NRN_PATH=lib)
    job = subprocess.Popen([mpiexec, "-n", str(ranks), *command], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        yield job
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGTERM)
        try:
            job.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
        job.stdout.close()  # type: ignore[union-attr]


def run(ranks: int) -> tuple[float, float]:
    """``(bare, served)`` simulated ms per second on ``ranks`` ranks."""
    from compneurovis.core import DisplayFrame, connect

    bare = url = None
    with _job(ranks, sys.executable, __file__, "--child") as job:
        for line in _lines(job, time.monotonic() + 600):  # a loaded machine starts slowly
            if line.startswith("BARE "):
                bare = float(line.split()[1])
            elif line.startswith("URL "):
                url = line.split()[1]
                break
        if bare is None or url is None:
            raise RuntimeError(f"the {ranks}-rank job did not start")
        with connect(url, timeout=60) as viewer:
            first = None
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                for update in viewer.poll(0.1):
                    if isinstance(update, DisplayFrame):
                        now = time.perf_counter()
                        if first is None:
                            first = (now, update.sim_time)
                        last = (now, update.sim_time)
                if first is not None and time.perf_counter() - first[0] >= WATCH_S:
                    break
        served = (last[1] - first[1]) / (last[0] - first[0])
    return bare, served


def first_scene(ranks: int) -> float:
    """Seconds from ``mpiexec -n ranks compneurovis serve demo neuron-mpi-ring`` to its first Scene at a viewer."""
    import re

    from compneurovis.core import SceneReady, connect

    start = time.monotonic()
    with _job(ranks, sys.executable, "-m", "compneurovis", "serve", "demo", "neuron-mpi-ring") as job:
        url = next((m.group(1) for line in _lines(job, start + 300)
                    if (m := re.search(r"(tcp://\S+#\S+)", line))), None)
        if url is None:
            raise RuntimeError(f"the {ranks}-rank server did not start")
        with connect(url, timeout=60) as viewer:
            while time.monotonic() - start < 300:
                if any(isinstance(u, SceneReady) for u in viewer.poll(0.05)):
                    return time.monotonic() - start
    raise RuntimeError("no Scene within 300 s")


def main() -> None:
    started = first_scene(2)
    results = {ranks: run(ranks) for ranks in (1, 2)}
    print("NEURON under MPI (neuron-mpi-ring, 100,000 segments), simulated ms per wall-clock second:")
    for ranks, (bare, served) in results.items():
        print(f"  {ranks} rank(s): bare pc.psolve {bare:7.2f}   served with a viewer {served:7.2f}   "
              f"ratio {served / bare:.2f}")
    bare2, served2 = results[2]
    print(f"  2 ranks served vs bare: {served2 / bare2:.2f} (target >= 0.80)")
    print(f"  first Scene at a viewer {started:.1f} s after `mpiexec -n 2 compneurovis serve demo neuron-mpi-ring` "
          "(target <= 15)")
    print(f"  strong scaling 1 -> 2 ranks, served: {served2 / results[1][1]:.2f}x; "
          f"bare: {bare2 / results[1][0]:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_child())
    main()
