from __future__ import annotations

import jaxley as jx
import numpy as np
import pytest
from cnv_jaxley_testmodels import DT, NoCells, TinyHH, assert_same_voltages, stimulus, tiny_cell
from jaxley.channels import HH

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    Reset,
    SceneReady,
    SetControl,
    StatePatch,
    is_preview,
)


def _run(session, scene, n_frames):
    for _ in range(n_frames):
        session.advance()
    for update in session.read_updates():
        scene.apply(update)


def _reference(control_at: int, n_total: int):
    """jx.integrate of the same model, with gNa and amp changed at step ``control_at``."""
    ref = TinyHH()
    ref.initialize()
    net = ref.network
    net.record(verbose=False)
    net.delete_stimuli()
    net.branch(0).comp(0).stimulate(stimulus(0.3)[:control_at], verbose=False)
    first, states = jx.integrate(net, delta_t=DT, return_states=True)
    net.set("HH_gNa", 0.2)
    net.delete_stimuli()
    net.branch(0).comp(0).stimulate(stimulus(0.8)[control_at:n_total], verbose=False)
    second = jx.integrate(net, delta_t=DT, all_states=states)
    return np.concatenate([np.asarray(first), np.asarray(second)[:, 1:]], axis=1)


class PerFrameHH(TinyHH):
    """The documented opt-out: one history sample per display frame."""

    def history_every_step(self):
        return False


@pytest.mark.parametrize("cls", [TinyHH, PerFrameHH])
def test_live_run_equals_integrate_across_control_changes(cls):
    session = cls(history_capture_mode="full", max_samples=500)
    scene = session.initialize()
    steps = session.steps_per_update()
    assert steps == 10
    _run(session, scene, 8)
    session.handle(SetControl(control_id="gNa", value=0.2))
    session.handle(SetControl(control_id="amp", value=0.8))
    _run(session, scene, 12)
    history = scene.fields["segment_history"]
    # FULL keeps every step unless the session opts out (one sample per display frame)
    stride = steps if cls is PerFrameHH else 1
    expected = _reference(8 * steps, 20 * steps)[:, ::stride]
    n = 1 + 20 * steps // stride
    assert history.values.T.shape == expected.shape == (len(session.network.nodes), n)
    np.testing.assert_allclose(history.coords["time"], np.arange(n) * stride * DT, rtol=0, atol=1e-9)
    assert_same_voltages(history.values.T, expected)
    assert_same_voltages(scene.fields["segment_display"].values, expected[:, -1])
    assert expected.max() > 0.0  # the stimulus made it spike: the comparison is not trivial


class BatchedHH(TinyHH):
    """Batched as a transport's loop drives it, with the most frames per call whatever the machine's speed."""

    ADVANCE_TARGET_S = 100.0
    MAX_FRAMES_PER_ADVANCE = 6  # not a power of two: Jaxley rounds it down to 4


def test_a_batched_run_advances_powers_of_two_frames_per_call_and_equals_integrate():
    session = BatchedHH(history_capture_mode="full", max_samples=500)
    scene = session.initialize()
    session.allow_batched_advance()  # as the worker, the server and the notebook's source do
    steps = session.steps_per_update()
    frames = []

    def calls(n):
        for _ in range(n):
            frames.append(session.frames_per_advance())
            session.advance()
        for update in session.read_updates():
            scene.apply(update)

    calls(3)
    control_at = session._step_index
    session.handle(SetControl(control_id="gNa", value=0.2))
    session.handle(SetControl(control_id="amp", value=0.8))
    calls(3)
    assert frames == [1, 4, 4, 1, 4, 4]  # one frame after a start or a command, then the largest power of two
    assert session._stepper._run._cache_size() == 2  # one compiled scan per count
    n_total = session._step_index
    assert (control_at, n_total) == (9 * steps, 18 * steps)
    history = scene.fields["segment_history"]
    expected = _reference(control_at, n_total)  # every step, across the batches and the control change
    assert history.values.T.shape == expected.shape
    np.testing.assert_allclose(history.coords["time"], np.arange(n_total + 1) * DT, rtol=0, atol=1e-9)
    assert_same_voltages(history.values.T, expected)
    assert_same_voltages(scene.fields["segment_display"].values, expected[:, -1])  # the call's last frame
    assert expected.max() > 0.0


class NetworkClient(TinyHH):
    """Written against the spec's text: the one cell is addressed through the network."""

    def setup_model(self, network, cells):
        network.insert(HH())
        network.cell(0).branch(0).loc(0.5).stimulate(stimulus(0.5), verbose=False)

    def apply_control(self, control_id, value):
        if control_id == "gNa":
            self.network.cell(0).set("HH_gNa", float(value))
            return True
        return super().apply_control(control_id, value)


def test_a_single_cell_session_hands_setup_model_a_network():
    session = NetworkClient(history_capture_mode="full", max_samples=500)
    scene = session.initialize()
    assert isinstance(session.network, jx.Network) and len(session.cells) == 1
    _run(session, scene, 6)
    session.handle(SetControl(control_id="gNa", value=0.2))
    _run(session, scene, 6)
    # Jaxley's own run of an independently built network of the same cell, configured the same way
    net = jx.Network([tiny_cell()])
    net.set("v", session.v_init)
    net.insert(HH())
    net.cell(0).branch(0).loc(0.5).stimulate(stimulus(0.5)[:60], verbose=False)
    net.init_states(delta_t=DT)
    net.record(verbose=False)
    first, states = jx.integrate(net, delta_t=DT, return_states=True)
    net.cell(0).set("HH_gNa", 0.2)
    net.delete_stimuli()
    net.cell(0).branch(0).loc(0.5).stimulate(stimulus(0.5)[60:120], verbose=False)
    second = jx.integrate(net, delta_t=DT, all_states=states)
    expected = np.concatenate([np.asarray(first), np.asarray(second)[:, 1:]], axis=1)
    history = scene.fields["segment_history"].values.T  # (entity, time), as the reference
    assert history.shape == expected.shape == (6, 121)
    assert_same_voltages(history, expected)
    assert expected.max() > 0.0  # it spiked: the comparison is not trivial


def test_state_carries_over_and_controls_do_not_recompile():
    session = TinyHH()
    session.initialize()
    session.advance()
    compiled = session._stepper._run._cache_size()
    session.handle(SetControl(control_id="gNa", value=0.3))
    session.handle(SetControl(control_id="amp", value=1.0))
    session.advance()
    session.advance()
    assert session._stepper._run._cache_size() == compiled
    assert session._step_index == 3 * session.steps_per_update()
    assert session.time == pytest.approx(3 * session.steps_per_update() * DT)


def test_on_demand_click_adds_trace_and_history_is_bounded():
    session = TinyHH(max_samples=25)
    scene = session.initialize()
    assert list(scene.fields["segment_history"].coords["segment"]) == ["cell0.branch0[0]"]
    session.handle(EntityClicked(entity_id="cell0.branch2[1]"))
    _run(session, scene, 5)
    history = scene.fields["segment_history"]
    assert list(history.coords["segment"]) == ["cell0.branch0[0]", "cell0.branch2[1]"]
    assert history.values.shape == (25, 2)
    np.testing.assert_allclose(history.coords["time"][-1], 50 * DT)


def test_unknown_control_is_an_error_and_the_session_keeps_running():
    session = TinyHH()
    session.initialize()
    session.handle(SetControl(control_id="nope", value=1.0))
    errors = [u for u in session.read_updates() if isinstance(u, Error)]
    assert len(errors) == 1 and "nope" in errors[0].message
    assert session.is_live()
    session.advance()
    assert any(isinstance(u, DisplayFrame) for u in session.read_updates())


def test_empty_cell_list_is_a_clear_error():
    with pytest.raises(ValueError, match="no cells"):
        NoCells().initialize()


def test_nan_pauses_and_reset_recovers():
    session = TinyHH()
    session.initialize()
    session.handle(SetControl(control_id="cm", value=0.0))
    session.advance()
    updates = session.read_updates()
    assert any(isinstance(u, Error) and "NaN" in u.message for u in updates)
    assert not session.is_live()
    session.handle(SetControl(control_id="cm", value=1.0))
    session.handle(Reset())
    assert session.is_live()
    session.advance()
    display = [u for u in session.read_updates() if isinstance(u, DisplayFrame)][-1]
    assert np.all(np.isfinite(display.values))


def test_refresh_runtime_parameters_can_reread_state():
    session = TinyHH()
    session.initialize()
    session.advance()
    session.network.set("v", -50.0)
    session.refresh_runtime_parameters(preserve_state=False)
    assert session.time > 0.0
    assert np.allclose(np.asarray(session._states["v"])[: len(session.network.nodes)], -50.0)


def test_updates_are_narrow():
    session = TinyHH()
    session.initialize()
    session.handle(SetControl(control_id="amp", value=1.0))
    session.advance()
    kinds = [type(u) for u in session.read_updates()]
    assert kinds == [StatePatch, DisplayFrame, FieldAppend]
    assert SceneReady not in kinds


def test_parameters_are_reread_only_when_the_module_changed(monkeypatch):
    session = TinyHH()
    session.initialize()
    calls = []
    original = session.refresh_runtime_parameters
    monkeypatch.setattr(session, "refresh_runtime_parameters",
                        lambda **kw: (calls.append(kw), original(**kw))[1])
    session.handle(SetControl(control_id="amp", value=1.0))  # a stimulus: parameters unchanged
    session.advance()
    assert calls == []
    session.handle(SetControl(control_id="gNa", value=0.3))
    session.advance()
    assert calls == [{}]
    np.testing.assert_allclose(np.asarray(session._params["HH_gNa"])[: len(session.network.nodes)], 0.3)


def test_the_cell_is_previewed_before_jaxley_initialises_its_states():
    session = TinyHH()
    previews = []
    session.on_preview(lambda scene: previews.append((scene, session._stepper)))
    scene = session.initialize()
    [(preview, stepper)] = previews
    assert stepper is None  # shown before the states and the step function were built
    assert is_preview(preview) and not is_preview(scene)
    assert preview.geometries["morphology"].entity_ids == scene.geometries["morphology"].entity_ids
    np.testing.assert_array_equal(preview.geometries["morphology"].end, scene.geometries["morphology"].end)
    assert np.isnan(preview.fields["segment_display"].values).all()
    assert np.isfinite(scene.fields["segment_display"].values).all()
