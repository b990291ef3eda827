"""handle(): clicks, controls, actions and keys on a NEURON session."""

from __future__ import annotations

import numpy as np
import pytest
from cnv_neuron_testmodels import DT, BentCell

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    SetControl,
    StatePatch,
    Status,
)


@pytest.fixture
def make():
    made = []

    def factory(cls=BentCell, **kwargs):
        session = cls(**kwargs)
        session.initialize()
        session.read_updates()
        made.append(session)
        return session

    yield factory
    for session in made:
        session.shutdown()


def _advance(session, frames):
    for _ in range(frames):
        session.advance()
    return session.read_updates()


def test_click_adds_a_history_series(make):
    session = make()
    assert list(session._traces.rows) == [0]
    session.handle(EntityClicked(entity_id="dend[2]"))
    updates = session.read_updates()
    replace = [u for u in updates if isinstance(u, FieldReplace) and u.field_id == "segment_history"]
    assert replace and list(replace[-1].coords["segment"]) == ["soma[0]", "dend[2]"]
    appended = [u for u in _advance(session, 3) if isinstance(u, FieldAppend)]
    assert appended[-1].values.shape == (4, 2)  # time-major
    session.handle(EntityClicked(entity_id="dend[2]"))  # twice: no second series
    assert len(session._traces.rows) == 2


def test_click_on_unknown_entity_is_an_error_not_a_crash(make):
    session = make()
    session.handle(EntityClicked(entity_id="nope[0]"))
    errors = [u for u in session.read_updates() if isinstance(u, Error)]
    assert errors and "nope[0]" in errors[0].message
    assert session.is_live()


def test_should_capture_trace_on_click_false_prevents_it(make):
    class NoCapture(BentCell):
        def should_capture_trace_on_click(self, entity_id, context):
            return not entity_id.startswith("dend")

    session = make(NoCapture)
    session.handle(EntityClicked(entity_id="dend[1]"))
    assert list(session._traces.rows) == [0]
    session.handle(EntityClicked(entity_id="soma[2]"))
    assert list(session._traces.rows) == [0, 2]


def test_full_mode_click_does_not_change_history(make):
    session = make(history_capture_mode="full")
    n = session.geometry.n_entities
    session.handle(EntityClicked(entity_id="dend[1]"))
    assert len(session._traces.rows) == n


def test_history_bounded_by_max_samples(make):
    session = make(max_samples=25)
    updates = _advance(session, 20)  # 80 steps
    appends = [u for u in updates if isinstance(u, FieldAppend)]
    assert all(u.max_length == 25 for u in appends)
    times, values = session._traces.snapshot()
    assert values.shape == (25, 1) and len(times) == 25  # time-major
    np.testing.assert_allclose(np.diff(times), DT)


def test_history_bounded_by_rolling_window(make):
    class Windowed(BentCell):
        def trace_view_updates(self):
            return {"rolling_window": 1.0}  # ms

    session = make(Windowed, max_samples=1000)
    assert session.history_length() == round(1.0 / DT) + 1
    scene = session.build_scene(geometry=session.geometry, display_values=np.zeros(session.geometry.n_entities),
                                time_value=0.0)
    assert scene.views["trace"].rolling_window == 1.0
    updates = _advance(session, 30)
    assert {u.max_length for u in updates if isinstance(u, FieldAppend)} == {41}
    times, _ = session._traces.snapshot()
    assert times[-1] - times[0] == pytest.approx(1.0)


def test_set_control_reaches_apply_control_and_changes_voltage(make):
    session = make()
    _advance(session, 20)
    resting = float(session._display.view[0])
    session.handle(SetControl(control_id="amp", value=1.0))
    updates = session.read_updates()
    assert any(isinstance(u, StatePatch) and u.values == {"amp": 1.0} for u in updates)
    assert session.stim.amp == 1.0
    peak = max(float(np.max(u.values)) for u in _advance(session, 40)
               if isinstance(u, DisplayFrame) and u.field_id == "segment_display")
    assert peak > resting + 50.0, "the clamp current made the soma spike"


def test_unknown_control_is_an_error_and_the_session_keeps_running(make):
    session = make()
    session.handle(SetControl(control_id="gNa", value=0.5))
    errors = [u for u in session.read_updates() if isinstance(u, Error)]
    assert errors and "gNa" in errors[0].message and not errors[0].fatal
    assert session.is_live()
    before = session.time
    _advance(session, 2)
    assert session.time > before


def test_out_of_range_control_is_an_error(make):
    session = make()
    session.handle(SetControl(control_id="amp", value=99.0))
    assert any(isinstance(u, Error) for u in session.read_updates())
    assert session.stim.amp == 0.0


def test_invoke_action_reset(make):
    session = make()
    _advance(session, 10)
    assert session.time > 0.9
    session.handle(InvokeAction(action_id="reset"))
    updates = session.read_updates()
    assert session.time == 0.0
    assert any(isinstance(u, Status) and u.message == "reset" for u in updates)
    display = [u for u in updates if isinstance(u, DisplayFrame) and u.field_id == "segment_display"]
    np.testing.assert_array_equal(display[-1].values, np.float32(-65.0))


def test_space_key_resets_and_p_pauses(make):
    session = make()
    _advance(session, 5)
    session.handle(KeyPressed(key="Space"))
    assert session.time == 0.0
    session.handle(KeyPressed(key="P"))
    assert not session.is_live()
    session.handle(KeyPressed(key="P"))
    assert session.is_live()


def test_unknown_action_is_an_error(make):
    session = make()
    session.handle(InvokeAction(action_id="explode"))
    assert any(isinstance(u, Error) and "explode" in u.message for u in session.read_updates())
