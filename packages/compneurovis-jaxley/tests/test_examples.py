from __future__ import annotations

from importlib.metadata import entry_points

import jaxley as jx
import numpy as np
import pytest
from cnv_jaxley_testmodels import assert_same_voltages

from compneurovis.jaxley.examples import fit_cell, small_network, swc_cell


@pytest.mark.slow
@pytest.mark.parametrize(("module", "expected"), [
    (swc_cell, "Jaxley CA1 SWC cell: 310 compartments"),
    (small_network, "Jaxley small network: 18 compartments in 3 cells"),
    (fit_cell, "Jaxley fit: 121 compartments, 3 iterations, loss 2"),
])
def test_example_runs_frames_through_the_worker(module, expected, capsys):
    assert module.main(["--frames", "3"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(expected), line
    assert len(line.splitlines()) == 1


def test_demos_are_registered_entry_points():
    demos = {ep.name: ep for ep in entry_points(group="compneurovis.demos")}
    assert demos["jaxley-swc"].load() is swc_cell.SwcCellSession
    assert demos["jaxley-network"].load() is small_network.SmallNetworkSession
    assert demos["jaxley-fit"].load() is fit_cell.FitCellSession


def test_network_example_equals_integrate():
    """Synapses and several cells: entity order follows Jaxley's voltage state."""
    session = small_network.SmallNetworkSession(history_capture_mode="full", display_dt=0.25)
    scene = session.initialize()
    for _ in range(16):  # 160 steps: spikes in all three cells
        session.advance()
    for update in session.read_updates():
        scene.apply(update)

    reference = small_network.SmallNetworkSession()
    reference.initialize()
    net = reference.network
    net.record(verbose=False)
    net.delete_stimuli()
    net.cell(0).branch(0).comp(0).stimulate(small_network.pulse_train(0.4, session.dt)[:160], verbose=False)
    # FULL history: every step (the initial state, then each of the 160 steps)
    expected = np.asarray(jx.integrate(net, delta_t=session.dt))
    history = scene.fields["segment_history"].values.T  # (entity, time), as the reference
    assert_same_voltages(history, expected)
    assert list(scene.fields["segment_history"].coords["segment"][[0, 6, 12]]) == [
        "pre.branch0[0]", "relay.branch0[0]", "post.branch0[0]"]
    assert history[[0, 6, 12]].max(axis=1).min() > 0.0
