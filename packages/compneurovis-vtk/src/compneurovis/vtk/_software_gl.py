"""Mesa's software renderer (llvmpipe) beside a running simulation: leave the simulation a core."""

from __future__ import annotations

import os

#: Mesa's llvmpipe reads its number of render threads from this variable (GPU drivers ignore it).
THREADS_VARIABLE = "LP_NUM_THREADS"


def leave_a_core_for_the_simulation() -> None:
    """Unless the user set it, run llvmpipe on one fewer thread than this process has cores (at least one).

    llvmpipe starts one render thread per core. Beside a simulation that
    keeps a core busy, a full set makes every frame wait for the core the
    simulation holds, and the simulation for the frame. Only software GL is
    affected; call before the first GL context of the process.
    """
    if THREADS_VARIABLE in os.environ:
        return
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows: no affinity (and no llvmpipe by default)
        cores = os.cpu_count() or 1
    os.environ[THREADS_VARIABLE] = str(max(1, cores - 1))
