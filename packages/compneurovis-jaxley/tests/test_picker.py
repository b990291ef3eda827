"""The variable picker of a live `JaxleySession`: any state or parameter, switched while running."""

from __future__ import annotations

import jaxley as jx
import numpy as np
from cnv_jaxley_testmodels import DT, TinyHH
from test_spikes import SpikingChain

from compneurovis.core import VARIABLE_CONTROL_ID, Error, Reset, SetControl, spikes_by_cell


def _run(session, scene, n_frames):
    for _ in range(n_frames):
        session.advance()
    scene.apply_all(session.read_updates())


def test_a_state_picked_while_running_equals_integrate_of_that_state():
    session = TinyHH(history_capture_mode="full", max_samples=500)
    scene = session.initialize()
    options = scene.controls[VARIABLE_CONTROL_ID].value_spec.options
    assert options[0] == "v" and {"HH_m", "HH_h", "HH_n", "HH_gNa", "radius", "length"} <= set(options)
    assert scene.state[VARIABLE_CONTROL_ID] == "v"
    _run(session, scene, 8)  # 80 steps of v
    session.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value="HH_m"))
    _run(session, scene, 12)  # then 120 steps of HH_m
    assert scene.state[VARIABLE_CONTROL_ID] == "HH_m" and session.shown_variable == "HH_m"
    assert scene.fields["segment_display"].unit == "" and scene.views["trace"].title == "HH_m"

    reference = TinyHH()
    reference.initialize()
    reference.network.record("HH_m", verbose=False)
    expected = np.asarray(jx.integrate(reference.network, delta_t=DT))[:, 80:201]
    history = scene.fields["segment_history"]
    np.testing.assert_allclose(history.coord("time"), np.arange(80, 201) * DT, rtol=0, atol=1e-9)
    values = history.values.T if history.dims[0] == "time" else history.values
    assert values.shape == expected.shape
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-4)  # gating variables are 0..1
    assert np.ptp(expected) > 0.5  # the stimulus made it spike: m swept its range
    np.testing.assert_allclose(scene.fields["segment_display"].values, expected[:, -1], rtol=0, atol=1e-4)


def test_a_parameter_can_be_shown_and_a_bad_name_is_refused_with_the_list():
    session = TinyHH(history_capture_mode="full")
    scene = session.initialize()
    session.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value="HH_gNa"))
    _run(session, scene, 2)
    np.testing.assert_array_equal(scene.fields["segment_display"].values, np.float32(0.12))
    session.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value="cai"))
    errors = [u for u in session.read_updates() if isinstance(u, Error)]
    assert errors and "unknown variable 'cai'" in errors[0].message and "HH_m" in errors[0].message
    session.handle(Reset())  # a reset keeps the variable shown
    _run(session, scene, 1)
    np.testing.assert_array_equal(scene.fields["segment_display"].values, np.float32(0.12))


def test_spikes_are_still_found_on_v_while_a_gating_variable_is_shown():
    shown_v, shown_m = SpikingChain(display_dt=0.5), SpikingChain(display_dt=0.5)
    try:
        scenes = [shown_v.initialize(), shown_m.initialize()]
        shown_m.handle(SetControl(control_id=VARIABLE_CONTROL_ID, value="HH_m"))
        for session, scene in zip((shown_v, shown_m), scenes, strict=True):
            _run(session, scene, 120)  # 60 ms
        spikes = [spikes_by_cell(scene.fields["spikes"]) for scene in scenes]
        assert len(spikes[0][0]) >= 2
        for a, b in zip(*spikes, strict=True):
            np.testing.assert_array_equal(a, b)
    finally:
        shown_v.shutdown()
        shown_m.shutdown()
