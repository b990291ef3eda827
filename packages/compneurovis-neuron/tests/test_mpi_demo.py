"""The ``neuron-mpi-ring`` demo under ``mpiexec -n 2``: 1,000 cells, 100,000 segments, spikes crossing ranks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
from cnv_mpi_launch import mpi_command


def test_the_mpi_ring_demo_runs_on_two_ranks():
    command, env = mpi_command(2, [sys.executable, "-m", "compneurovis.neuron.examples.mpi_ring"])
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        stdout, _ = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, _ = proc.communicate()
        pytest.fail(f"the demo did not finish within 240 s:\n{stdout[-3000:]}")
    assert proc.returncode == 0, stdout[-3000:]
    match = re.search(r"neuron-mpi-ring: (\d+) segments on (\d+) rank\(s\).*?(\d+) spikes", stdout)
    assert match, stdout[-3000:]
    segments, ranks, spikes = map(int, match.groups())
    assert segments == 100_000 and ranks == 2
    assert spikes >= 10  # the wave ran from gid 0 (rank 0) through cells of both ranks
