"""Test setup: shared test models importable here and in spawned workers; no leaked sections."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)  # spawned workers inherit sys.path


@pytest.fixture
def session_factory():
    """``make(cls=BentCell, **kwargs)``: a session, shut down when the test ends."""
    from cnv_neuron_testmodels import BentCell

    made = []

    def make(cls=BentCell, **kwargs):
        session = cls(**kwargs)
        made.append(session)
        return session

    yield make
    for session in made:
        session.shutdown()


@pytest.fixture(autouse=True)
def no_leaked_sections():
    """Every test leaves NEURON with the sections it found."""
    from neuron import h

    before = len(list(h.allsec()))
    yield
    after = len(list(h.allsec()))
    assert after == before, f"test leaked {after - before} NEURON section(s)"
