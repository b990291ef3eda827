"""What this environment promised is really there; what it lacks says how to get it."""

import importlib
import subprocess
import sys

import pytest

from compneurovis.core import import_part


def test_promised_parts_import(parts):
    for part in sorted(parts):
        importlib.import_module("mpi4py" if part == "mpi" else f"compneurovis.{part}")


def test_namespace_has_no_init():
    import compneurovis

    assert getattr(compneurovis, "__file__", None) is None, "compneurovis must stay a PEP 420 namespace"


@pytest.mark.absent("neuron")
def test_missing_neuron_backend_gives_install_hint():
    with pytest.raises(ImportError, match=r"compneurovis.neuron is not installed: pip install compneurovis-neuron"):
        import_part("neuron")


@pytest.mark.absent("jaxley")
def test_missing_jaxley_backend_gives_install_hint():
    with pytest.raises(ImportError, match=r'pip install "compneurovis\[jaxley\]"'):
        import_part("jaxley")


@pytest.mark.requires("core")
def test_third_party_backend_runs_on_core_alone():
    result = subprocess.run([sys.executable, "-m", "compneurovis.core.examples.fitzhugh_nagumo"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "FitzHugh-Nagumo cable: 90 segments, 200 display frames" in result.stdout
