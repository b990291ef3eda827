"""`show()` and the variable picker on real NEURON (no window); the rxd-calcium cases run in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from compneurovis.neuron import show

CHILD = Path(__file__).with_name("show_calcium_child.py")


def test_show_without_sections_is_a_clear_error():
    from neuron import h

    assert not list(h.allsec())
    with pytest.raises(ValueError, match="no sections in NEURON's h"):
        show()


def test_picker_values_and_errors_with_rxd_calcium_in_a_child_process():
    """m_hh and cai equal Vector.record; unknown names are listed; marks are checked (see the child file)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xvfb",
                           str(CHILD)], capture_output=True, text=True, timeout=600, cwd=CHILD.parent)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "\n5 passed" in done.stdout, done.stdout[-2000:]
