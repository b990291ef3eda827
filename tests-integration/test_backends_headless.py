"""Each installed backend's examples run headless from the installed wheels."""

import re
import subprocess
import sys

import pytest


def _run_module(module: str, timeout: float = 600) -> str:
    result = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True, timeout=timeout,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.requires("neuron")
@pytest.mark.parametrize("example", ["hh", "network"])
def test_neuron_examples_run_headless(example):
    out = _run_module(f"compneurovis.neuron.examples.{example}")
    frames = re.search(r"(\d+) frames received", out)
    assert frames and int(frames.group(1)) > 0, out
    if example == "network":  # the ring's synapses drive spikes
        assert float(re.search(r"peak (-?[\d.]+) mV", out).group(1)) > 0, out


@pytest.mark.requires("jaxley")
def test_jaxley_network_runs_headless():
    out = _run_module("compneurovis.jaxley.examples.small_network")
    assert "Jaxley small network: 18 compartments in 3 cells" in out
