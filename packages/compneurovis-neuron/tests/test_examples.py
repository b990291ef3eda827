"""The example sessions run through the real worker transport; entry points name them."""

from __future__ import annotations

import time
from importlib.metadata import entry_points

import numpy as np
import pytest
from neuron import h

from compneurovis.core import (
    DisplayFrame,
    Error,
    FieldAppend,
    InvokeAction,
    SceneReady,
    SetControl,
    WorkerTransport,
)
from compneurovis.neuron.examples.hh import HHSession
from compneurovis.neuron.examples.mpi_ring import MpiRingSession
from compneurovis.neuron.examples.network import RingNetworkSession
from compneurovis.neuron.examples.swc import CA1Session

EXAMPLES = {
    "neuron-hh": (HHSession, "stim_amp", 0.5, 22),
    "neuron-swc": (CA1Session, "stim_amp", 2.0, 2536),
    "neuron-network": (RingNetworkSession, "weight", 0.08, 60),
}


def test_entry_points_name_the_example_classes():
    found = {ep.name: ep for ep in entry_points(group="compneurovis.demos") if ep.name.startswith("neuron-")}
    assert set(found) == {*EXAMPLES, "neuron-mpi-ring"}  # the MPI demo runs under mpiexec in test_mpi_demo.py
    for name, (cls, *_rest) in EXAMPLES.items():
        assert found[name].load() is cls
    assert found["neuron-mpi-ring"].load() is MpiRingSession


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_in_a_worker(name):
    cls, control, value, n_segments = EXAMPLES[name]
    scene = None
    frames = 0
    with WorkerTransport(cls) as transport:
        deadline = time.monotonic() + 60
        while frames < 20 and time.monotonic() < deadline:
            for update in transport.poll(timeout=0.5):
                assert not isinstance(update, Error), update.traceback or update.message
                if isinstance(update, SceneReady):
                    scene = update.scene
                    transport.send(SetControl(control_id=control, value=value))
                    transport.send(InvokeAction(action_id="reset"))
                elif scene is not None:
                    scene.apply(update)
                    applied = scene.state.get(control) == value  # frames after the control took effect
                    frames += applied and isinstance(update, DisplayFrame) and update.field_id == "segment_display"
        assert transport.is_alive()
    assert not transport.is_alive()
    assert scene is not None and frames >= 20
    assert scene.geometries["morphology"].n_entities == n_segments
    assert scene.state[control] == value
    values = scene.fields["segment_display"].values
    assert values.shape == (n_segments,) and np.isfinite(values).all()
    assert scene.fields["segment_history"].coords["time"][-1] > 0


def _run_in_process(session, frames):
    session.initialize()
    peak = -np.inf
    for _ in range(frames):
        session.advance()
        for update in session.read_updates():
            if isinstance(update, FieldAppend):
                peak = max(peak, float(np.nanmax(update.values)))
    return peak


def test_swc_example_pulses_make_the_soma_fire():
    session = CA1Session()
    try:
        assert session.steps_per_update() == 10
        assert _run_in_process(session, 60) > 0.0  # first pulse at 5 ms
        t_first = session.stim.delay
        for _ in range(200):  # into the second period: the pulse moved
            session.advance()
        session.read_updates()
        assert session.stim.delay == t_first + session.pulse_period
    finally:
        session.shutdown()


def test_swc_example_fires_once_in_every_period_when_batched_as_in_the_window():
    session = CA1Session()
    session.ADVANCE_TARGET_S = 1.0  # the most frames per call however slow this machine is: 8
    session.MAX_ADVANCE_BYTES = 1 << 30
    try:
        session.initialize()
        session.allow_batched_advance()  # as the worker does: a few frames per advance()
        asked, times, soma = [], [], []
        while session.time < 3 * session.pulse_period:
            asked.append(session.frames_per_advance())
            session.advance()
            for update in session.read_updates():
                if isinstance(update, FieldAppend) and update.field_id == "segment_history":
                    times.append(update.coord_values)
                    soma.append(update.values[:, 0])  # ON_DEMAND: the soma is traced from the start
        assert max(asked) == session.MAX_FRAMES_PER_ADVANCE
        times, soma = np.concatenate(times), np.concatenate(soma)
        assert np.all(np.diff(times) > 0) and times.size == round(session.time / session.dt)
        rising = times[1:][(soma[1:] > 0) & (soma[:-1] <= 0)]  # upward crossings of 0 mV
        pulses = [period * session.pulse_period + session.pulse_offset for period in range(3)]
        for start in pulses:  # a spike within a few ms of each pulse, not only the first
            assert np.any((rising > start) & (rising < start + 10)), (start, rising)
    finally:
        session.shutdown()


def test_network_spike_travels_round_the_ring():
    session = RingNetworkSession()
    try:
        session.initialize()
        assert list(session._traces.rows) == [0, 12, 24, 36, 48]
        assert [str(c) for c in session.cells] == ["bs0", "bs1", "bs2", "bs3", "bs4"]
        spikes = {str(c): h.Vector() for c in session.cells}
        netcons = [h.NetCon(c.soma(0.5)._ref_v, None, sec=c.soma) for c in session.cells]
        for nc, c in zip(netcons, session.cells, strict=True):
            nc.threshold = 0.0
            nc.record(spikes[str(c)])
        session.handle(InvokeAction(action_id="reset"))
        for _ in range(400):  # 100 ms
            session.advance()
        session.read_updates()
        firsts = [spikes[f"bs{i}"][0] for i in range(5) if len(spikes[f"bs{i}"])]
        assert len(firsts) == 5 and firsts == sorted(firsts)
        centres = session.geometry.centers
        assert np.ptp(centres[:, 0]) > 400  # cells stand apart in space
    finally:
        del netcons
        session.shutdown()


def test_hh_main_prints_a_summary(capsys):
    from compneurovis.neuron.examples import hh

    assert hh.main() == 0
    out = capsys.readouterr().out
    assert out.startswith("neuron-hh: 22 segments")


def test_swc_viewer_entry_point_opens_any_file(tmp_path):
    import pickle

    (ep,) = [ep for ep in entry_points(group="compneurovis.swc_viewers") if ep.name == "neuron"]
    path = tmp_path / "my cell.v2.swc"
    path.write_text("1 1 0 0 0 5 -1\n2 1 0 5 0 5 1\n3 3 0 10 0 1 2\n4 3 5 60 0 0.8 3\n")
    factory = ep.load()(str(path))
    session = pickle.loads(pickle.dumps(factory))()
    try:
        scene = session.initialize()
        assert scene.title == "NEURON: my cell.v2.swc"
        assert scene.geometries["morphology"].entity_ids[0].startswith("my_cell_v2.soma")
        session.advance()
    finally:
        session.shutdown()


def test_neuron_runs_with_an_empty_display_variable():
    """DISPLAY="" made NEURON exit the (worker) process; the package turns its GUI off."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "NEURON_MODULE_OPTIONS"}
    env["DISPLAY"] = ""
    code = "import compneurovis.neuron; from neuron import h; s = h.Section(name='s'); print('ok', s.nseg)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok 1" in result.stdout
