"""``compneurovis demo neuron-mpi-ring --ranks 2``: an MPI job serves, the window watches, the job ends with it."""

import os
import subprocess
import sys

import psutil
import pytest

pytestmark = pytest.mark.requires("launcher", "neuron", "qt", "mpi")


def test_demo_on_two_ranks_opens_the_window_and_leaves_no_rank_behind(tmp_path):
    out = tmp_path / "ring.png"
    env = {**os.environ, "DISPLAY": ""}
    launcher = subprocess.Popen([sys.executable, "-m", "compneurovis", "demo", "neuron-mpi-ring", "--ranks", "2",
                                 "--screenshot", str(out), "--after", "1"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    family = []
    try:
        stdout, stderr = launcher.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        family = psutil.Process(launcher.pid).children(recursive=True)
        for proc in [*family, psutil.Process(launcher.pid)]:
            proc.kill()
        launcher.communicate()
        pytest.fail("demo --ranks 2 did not finish within 240 s")
    assert launcher.returncode == 0, stderr
    assert f"wrote {out}" in stdout and out.stat().st_size > 10_000
    ranks = [p for p in psutil.process_iter(["cmdline"])
             if "neuron-mpi-ring" in " ".join(p.info["cmdline"] or []) and p.pid != os.getpid()]
    assert ranks == [], "an MPI rank outlived the window"
