"""Every emitted value is NEURON's own value (compared with h.Vector.record)."""

from __future__ import annotations

import numpy as np
import pytest
from cnv_neuron_testmodels import DT, BentCell, RecordingCell, record_all, run_frames
from neuron import h

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    FieldAppend,
    FieldReplace,
    HistoryCaptureMode,
    Reset,
    SetControl,
)


class PerFrameCell(BentCell):
    """The documented opt-out: one history sample per display frame."""

    def history_every_step(self):
        return False


@pytest.mark.parametrize(("mode", "cls"), [(HistoryCaptureMode.FULL, BentCell),
                                           (HistoryCaptureMode.FULL, PerFrameCell),
                                           (HistoryCaptureMode.ON_DEMAND, BentCell)])
@pytest.mark.parametrize("display_dt", [DT, 4 * DT])
def test_display_and_history_equal_vector_record(session_factory, mode, cls, display_dt):
    session = session_factory(cls, history_capture_mode=mode, display_dt=display_dt, max_samples=10_000)
    scene = session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, tvec = record_all(session)
    session.handle(Reset())  # finitialize: the recordings start here
    session.read_updates()
    steps = session.steps_per_update()
    assert steps == round(display_dt / DT)
    # history keeps every step unless the session opts out (one sample per display frame)
    stride = steps if cls is PerFrameCell else 1
    assert session.history_interval() == pytest.approx(stride * DT)
    frames = 60
    display, history, times = run_frames(session, frames)
    recorded = np.array([v.as_numpy() for v in vecs])  # (n_seg, 1 + frames * steps)
    assert recorded.shape == (scene.geometries["morphology"].n_entities, 1 + frames * steps)
    assert recorded.max() > 0, "the clamp should make the soma spike"
    np.testing.assert_array_equal(display, recorded[:, steps::steps].T.astype(np.float32))
    rows = session._traces.rows
    assert history.shape[1] == frames * steps // stride
    np.testing.assert_array_equal(history, recorded[rows, stride::stride].astype(np.float32))
    np.testing.assert_allclose(times, tvec.as_numpy()[stride::stride], rtol=0, atol=1e-9)
    if mode is HistoryCaptureMode.FULL:
        assert history.shape[0] == recorded.shape[0]
    else:
        assert history.shape[0] == 1


@pytest.mark.parametrize("mode", [HistoryCaptureMode.FULL, HistoryCaptureMode.ON_DEMAND])
def test_frames_batched_as_the_worker_drives_them_equal_vector_record(session_factory, mode):
    session = session_factory(history_capture_mode=mode, display_dt=4 * DT, max_samples=10_000)
    session.ADVANCE_TARGET_S = 1.0  # batch up to the caps however slow this machine is
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, tvec = record_all(session)
    session.handle(Reset())
    session.read_updates()
    session.allow_batched_advance()  # what the worker, the server and the notebook's source do
    steps = session.steps_per_update()
    asked, displays, history, times = [], [], [], []
    while session.time < 240 * DT - DT / 2:
        asked.append(session.frames_per_advance())
        session.advance()
        for update in session.read_updates():
            if isinstance(update, DisplayFrame):
                displays.append(update)
            elif isinstance(update, FieldAppend):
                history.append(np.asarray(update.values))
                times.append(np.asarray(update.coord_values))
    assert asked[0] == 1 and max(asked) == session.MAX_FRAMES_PER_ADVANCE
    recorded = np.array([v.as_numpy() for v in vecs])
    assert recorded.max() > 0, "the clamp should make the soma spike"
    assert recorded.shape[1] == 1 + sum(asked) * steps
    rows = session._traces.rows
    np.testing.assert_array_equal(np.concatenate(history).T, recorded[rows, 1:].astype(np.float32))
    np.testing.assert_allclose(np.concatenate(times), tvec.as_numpy()[1:], rtol=0, atol=1e-9)
    assert len(displays) == len(asked)
    for frame in displays:  # each advance() shows the last step it simulated
        k = int(np.argmin(np.abs(tvec.as_numpy() - frame.sim_time)))
        np.testing.assert_array_equal(frame.values, recorded[:, k].astype(np.float32))


def test_on_demand_click_samples_the_new_trace_every_step(session_factory):
    session = session_factory(display_dt=4 * DT, max_samples=10_000)
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, _ = record_all(session)
    session.handle(Reset())
    session.read_updates()
    run_frames(session, 5)
    clicked = session.geometry.entity_ids[-1]
    session.handle(EntityClicked(entity_id=clicked))
    session.read_updates()
    _, history, _ = run_frames(session, 10)
    assert list(session._traces.rows) == [0, session.geometry.n_entities - 1]
    recorded = np.array([v.as_numpy() for v in vecs])
    np.testing.assert_array_equal(history, recorded[session._traces.rows, 21:].astype(np.float32))


def test_reset_midrun_then_continue_matches_fresh_record(session_factory):
    session = session_factory(history_capture_mode="full", max_samples=10_000)
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, tvec = record_all(session)
    session.handle(Reset())
    session.read_updates()
    run_frames(session, 25)  # part of a run, then reset in the middle
    session.handle(Reset())
    updates = session.read_updates()
    assert any(isinstance(u, FieldReplace) and u.field_id == "segment_history" for u in updates)
    assert len(vecs[0]) == 1, "finitialize restarted NEURON's recording"
    display, history, times = run_frames(session, 40)
    recorded = np.array([v.as_numpy() for v in vecs])
    np.testing.assert_array_equal(history, recorded[:, 1:].astype(np.float32))
    np.testing.assert_array_equal(display, recorded[:, 4::4].T.astype(np.float32))
    np.testing.assert_allclose(times, tvec.as_numpy()[1:], atol=1e-9)
    np.testing.assert_allclose(times[0], DT)
    # ... and a fresh session gives the very same run
    del vecs, tvec
    session.shutdown()
    fresh = session_factory(history_capture_mode="full", max_samples=10_000)
    fresh.initialize()
    fresh.handle(SetControl(control_id="amp", value=0.8))
    fresh.read_updates()
    _, fresh_history, _ = run_frames(fresh, 40)
    np.testing.assert_array_equal(fresh_history, history)


def test_initial_scene_holds_the_finitialize_state(session_factory):
    session = session_factory(history_capture_mode="full")
    scene = session.initialize()
    display = scene.fields["segment_display"].values
    assert display.dtype == np.float32
    np.testing.assert_array_equal(display, np.full(display.shape, -65.0, dtype=np.float32))
    history = scene.fields["segment_history"]
    assert history.values.shape == (1, display.size)  # time-major
    assert history.coords["time"][0] == 0.0


def test_recorded_refs_match_vector_record(session_factory):
    session = session_factory(RecordingCell, display_dt=4 * DT)
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.5))
    soma, dend = session.sections
    refs = {"i_clamp": session.stim._ref_i, "v_soma": soma(0.5)._ref_v, "v_dend_end": dend(0.9)._ref_v}
    vecs = {name: h.Vector().record(ref) for name, ref in refs.items()}
    session.batches.clear()
    session.handle(Reset())
    session.read_updates()
    run_frames(session, 30)
    assert len(session.batches) == 31  # the t0 sample, then one batch per frame
    times = np.concatenate([t for t, _ in session.batches])
    assert times[0] == 0.0 and len(times) == 1 + 30 * 4
    for name, vec in vecs.items():
        got = np.concatenate([values[name] for _, values in session.batches])
        np.testing.assert_array_equal(got, vec.as_numpy())
        assert session.recorded_values()[name] == vec.as_numpy()[-1]
    assert session.recorded_values()["i_clamp"] == pytest.approx(0.5)


def test_record_many_rejects_bad_input(session_factory):
    session = session_factory(RecordingCell)
    session.initialize()
    soma = session.sections[0]
    with pytest.raises(ValueError, match="2 names but 1 refs"):
        session.record_many(["a", "b"], [soma(0.5)._ref_v])
    with pytest.raises(ValueError, match="'x' is recorded more than once"):
        session.record_many(["x", "x"], [soma(0.5)._ref_v, soma(0.1)._ref_v])
    with pytest.raises(ValueError, match="'v_soma' is recorded more than once"):
        session.record("v_soma", soma(0.5)._ref_v)
    with pytest.raises(TypeError, match="not a NEURON variable ref"):
        session.record("bad", 3.0)
    assert sorted(session.recorded_values()) == ["i_clamp", "v_dend_end", "v_soma"]


def test_display_variable_is_overridable(session_factory):
    class ShowINa(BentCell):
        def build_sections(self):
            sections = super().build_sections()
            sections[1].insert("hh")
            return sections

        def display_variable(self):
            return "ina"

    session = session_factory(ShowINa, history_capture_mode="full")
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs = [h.Vector().record(seg._ref_ina) for sec in session.sections for seg in sec]
    session.handle(Reset())
    session.read_updates()
    _, history, _ = run_frames(session, 20)
    np.testing.assert_array_equal(history, np.array([v.as_numpy()[1:] for v in vecs], dtype=np.float32))
