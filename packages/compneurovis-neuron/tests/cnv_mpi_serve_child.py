"""Child of the served MPI test: ``mpiexec -n 2 python cnv_mpi_serve_child.py OUT TOKEN``.

Rank 0 serves `MpiRing` over TCP (`compneurovis.core.serve`, the URL on
stdout); rank 1 follows. SIGTERM stops the server; every rank then saves its
own ``Vector.record`` of its segments (see `MpiRing.shutdown`).
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from cnv_mpi_child import MpiRing

from compneurovis.core import serve
from compneurovis.neuron import run_parallel


def main() -> int:
    out, token = Path(sys.argv[1]), sys.argv[2]
    MpiRing.out = out
    MpiRing.capture = "on_demand"  # history every step for the clicked segments only
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # followers leave when rank 0 says stop

    def drive(make):
        serve(make, "127.0.0.1", 0, token, on_ready=lambda url: print(f"URL {url}", flush=True), stop=stop)
        return 0

    return run_parallel(MpiRing, drive)


if __name__ == "__main__":
    sys.exit(main())
