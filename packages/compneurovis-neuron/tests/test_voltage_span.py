"""The display voltages read straight from NEURON's node storage stay NEURON's own values.

The fast read trusts the storage rows only while NEURON's structure counter is
unchanged; these tests move the rows under a running session (a section
deleted ahead of the cell, one created, a new thread partition) and compare
every emitted value with ``h.Vector.record``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from cnv_neuron_testmodels import DT, BentCell, RecordingCell, record_all, run_frames
from neuron import h

from compneurovis.core import ActionSpec, EntityClicked, InvokeAction, Reset, SetControl
from compneurovis.neuron import _voltage_span as voltage_span_module
from compneurovis.neuron._voltage_span import (
    _VOLTAGE_ROW,
    VoltageSpan,
    _read_word,
    _storage_column,
    structure_token,
)


def _voltages(session) -> np.ndarray:
    return np.array([seg.v for sec in session.sections for seg in sec])


class Restructured(BentCell):
    """`BentCell` whose ``restructure`` action deletes a section stored ahead of it and creates another."""

    ahead: Any = None
    created: Any = None

    def action_specs(self) -> dict[str, ActionSpec]:
        return {**super().action_specs(), "restructure": ActionSpec(id="restructure", label="Restructure")}

    def apply_action(self, action_id: str, payload: dict[str, Any]) -> bool:
        if action_id == "restructure":
            h.delete_section(sec=type(self).ahead)  # moves the rows of the sections stored after it at once
            type(self).created = h.Section(name="created_midrun")
            type(self).created.nseg = 7
            return True
        return super().apply_action(action_id, payload)


@pytest.fixture
def restructured():
    Restructured.ahead = h.Section(name="ahead")  # created first: stored before the cell's nodes
    Restructured.ahead.nseg = 11
    session = Restructured(history_capture_mode="full", max_samples=10_000)
    yield session
    session.shutdown()
    for sec in (Restructured.ahead, Restructured.created):
        try:
            h.delete_section(sec=sec)
        except (ReferenceError, RuntimeError, TypeError, ValueError):
            pass  # deleted by the action
    Restructured.ahead = Restructured.created = None


def test_the_display_is_read_from_node_storage(restructured):
    session = restructured
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    run_frames(session, 10)
    span = session._voltage_span()
    assert span is not None, "NEURON 9 shows storage rows: the display should not need the PtrVector"
    np.testing.assert_array_equal(span.read(), _voltages(session))


def test_values_stay_neurons_own_when_the_rows_move_midrun(restructured):
    session = restructured
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, _ = record_all(session)
    session.handle(Reset())
    session.read_updates()
    first_display, first_history, _ = run_frames(session, 15)
    token = structure_token()
    session.handle(InvokeAction(action_id="restructure"))
    assert structure_token() is None, "the deletion leaves a structure change pending"
    second_display, second_history, times = run_frames(session, 15)
    assert structure_token() != token, "the next fadvance re-sorted NEURON's storage"
    assert session._voltage_span() is not None and session._span_token == structure_token()
    recorded = np.array([v.as_numpy() for v in vecs])
    assert recorded.max() > 0, "the clamp should make the soma spike"
    np.testing.assert_array_equal(np.concatenate([first_display, second_display]),
                                  recorded[:, 4::4].T.astype(np.float32))
    np.testing.assert_array_equal(np.concatenate([first_history, second_history], axis=1),
                                  recorded[:, 1:].astype(np.float32))
    # (NEURON 9.0's Vector.record of t stops at a structure change; the voltage recordings go on)
    np.testing.assert_allclose(times, DT * np.arange(61, 121), atol=1e-9)


class TwoCells(BentCell):
    """Two unconnected copies of `BentCell`'s cell, so that NEURON can give each its own thread."""

    def build_sections(self) -> list[Any]:
        first = super().build_sections()
        second = [h.Section(name="soma2"), h.Section(name="dend2")]
        second[0].L = second[0].diam = 15.0
        second[1].L, second[1].diam, second[1].nseg = 200.0, 2.0, 9
        second[1].connect(second[0](1))
        return first + second

    def setup_model(self, sections: list[Any]) -> None:
        super().setup_model(sections[:2])
        sections[2].insert("hh")
        sections[3].insert("pas")


def test_a_new_thread_partition_on_reset_keeps_values_right(session_factory):
    session = session_factory(TwoCells, history_capture_mode="full", max_samples=10_000)
    pc = h.ParallelContext()
    try:
        session.initialize()
        session.handle(SetControl(control_id="amp", value=0.8))
        vecs, _ = record_all(session)
        before = session._voltage_span()
        pc.nthread(2)  # NEURON re-sorts the nodes by thread at the next finitialize
        session.handle(Reset())
        session.read_updates()
        display, history, _ = run_frames(session, 20)
        assert session._voltage_span() is not None and session._voltage_span() is not before
        recorded = np.array([v.as_numpy() for v in vecs])
        np.testing.assert_array_equal(display, recorded[:, 4::4].T.astype(np.float32))
        np.testing.assert_array_equal(history, recorded[:, 1:].astype(np.float32))
    finally:
        pc.nthread(1)


def test_a_pending_structure_change_reads_through_the_ptrvector(session_factory):
    session = session_factory(history_capture_mode="full")
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    extra = None
    try:
        run_frames(session, 10)
        span = session._voltage_span()
        assert span is not None and span.is_current()
        extra = h.Section(name="extra")  # a structure change, pending until the next fadvance
        assert not span.is_current() and structure_token() is None
        assert VoltageSpan.build(session._display_refs) is None
        _, values = session._sample_display()
        np.testing.assert_array_equal(values[0], _voltages(session).astype(np.float32))
        run_frames(session, 2)
        assert session._voltage_span() is not None
    finally:
        if extra is not None:
            h.delete_section(sec=extra)


def test_only_node_voltages_are_read_from_storage(session_factory):
    session = session_factory()
    session.initialize()
    soma = session.sections[0]
    assert VoltageSpan.build([seg._ref_m_hh for seg in soma]) is None
    assert VoltageSpan.build([soma(0.5)._ref_v, soma(0.5)._ref_v]) is None  # one row twice
    assert VoltageSpan.build([]) is None
    span = VoltageSpan.build([seg._ref_v for seg in reversed(list(soma))])
    assert span is not None
    np.testing.assert_array_equal(span.read(), [seg.v for seg in reversed(list(soma))])


def test_laying_out_the_span_leaves_the_state_unchanged(session_factory):
    session = session_factory()
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    run_frames(session, 10)
    before = _voltages(session)
    assert VoltageSpan.build(session._display_refs) is not None
    np.testing.assert_array_equal(_voltages(session), before)


def test_other_display_variables_use_the_ptrvector(session_factory):
    class ShowM(BentCell):
        def display_variable(self):
            return "m_hh"

        def build_sections(self):
            sections = super().build_sections()
            sections[1].insert("hh")
            return sections

    session = session_factory(ShowM)
    session.initialize()
    session.advance()
    assert session._voltage_span() is None
    _, values = session._sample_display()
    np.testing.assert_array_equal(values[0], np.array([seg.m_hh for sec in session.sections for seg in sec],
                                                      dtype=np.float32))


def test_full_history_keeps_every_step_read_from_a_view_of_storage(session_factory):
    session = session_factory(history_capture_mode="full", max_samples=10_000, display_dt=4 * DT)
    session.initialize()
    assert session.history_every_step(), "FULL keeps every step by default"
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, _ = record_all(session)
    session.handle(Reset())
    session.read_updates()
    _, history, _ = run_frames(session, 20)
    span = session._voltage_span()
    assert span is not None and span.live, "NEURON 9: every step is one copy from a view of its storage"
    assert session._traced is None, "reading storage, no PtrVector of every segment is built (after each reset)"
    recorded = np.array([v.as_numpy() for v in vecs])
    np.testing.assert_array_equal(history, recorded[:, 1:].astype(np.float32))


def test_on_demand_history_of_clicked_segments_is_read_from_storage_too(session_factory):
    session = session_factory(max_samples=10_000, display_dt=4 * DT)  # ON_DEMAND, the default
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, _ = record_all(session)
    session.handle(Reset())
    session.handle(EntityClicked(entity_id=session.geometry.entity_ids[-1]))
    session.read_updates()
    _, history, _ = run_frames(session, 20)
    span = session._voltage_span()
    assert span is not None and span.live
    assert session._traced is None, "the clicked segments are read from storage, not through a PtrVector"
    recorded = np.array([v.as_numpy() for v in vecs])
    rows = session._traces.rows
    assert list(rows) == [0, session.geometry.n_entities - 1]
    np.testing.assert_array_equal(history, recorded[rows, 1:].astype(np.float32))


def test_neuron_refuses_structure_changes_inside_fadvance(session_factory):
    """What reading every step of a frame from one layout relies on: rows cannot move inside ``fadvance``."""
    session = session_factory(history_capture_mode="full", display_dt=8 * DT)
    session.initialize()
    run_frames(session, 2)
    created: list[Any] = []
    h.cvode.event(session.time + 3.5 * DT, lambda: created.append(h.Section(name="midframe")))
    with pytest.raises(RuntimeError, match="Python Callback failed"):
        session.advance()
    assert not created
    run_frames(session, 2)  # the failed attempt may leave a change pending: laid out anew after it
    assert session._voltage_span() is not None and session._voltage_span().is_current()


def test_the_storage_view_is_proved_by_neurons_own_address_lookup(session_factory):
    session = session_factory()
    session.initialize()
    soma = session.sections[0]
    refs = [seg._ref_v for seg in soma]
    size = int(_VOLTAGE_ROW.search(repr(refs[0]))[2])
    column, _ = _storage_column(refs[0], size)
    np.testing.assert_array_equal(column[[int(_VOLTAGE_ROW.search(repr(r))[1]) for r in refs]],
                                  [seg.v for seg in soma])
    # another column (a mechanism's state) is not the voltage column: refused
    assert _storage_column(soma(0.5)._ref_m_hh, size) is None
    # a size beyond the column's end is refused too (its last row would lie outside)
    assert _storage_column(refs[0], size + 1) is None
    assert _read_word(0) is None and _read_word(8) is None  # unreadable memory: no crash
    from_double = VoltageSpan.build(refs, live=False)
    assert from_double is not None and not from_double.live
    np.testing.assert_array_equal(from_double.read(), VoltageSpan.build(refs).read())


@pytest.mark.parametrize("storage_view", [True, False], ids=["storage-view", "from-double"])
def test_full_history_and_recorded_refs_equal_vector_record(session_factory, monkeypatch, storage_view):
    if not storage_view:  # as where NEURON's lookup refuses the view: every step through Vector.from_double
        monkeypatch.setattr(voltage_span_module, "_storage_column", lambda ref, size: None)
    session = session_factory(RecordingCell, history_capture_mode="full", max_samples=10_000)
    session.initialize()
    session.handle(SetControl(control_id="amp", value=0.8))
    vecs, tvec = record_all(session)
    clamp = h.Vector().record(session.stim._ref_i)
    session.batches.clear()
    session.handle(Reset())
    session.read_updates()
    display, history, times = run_frames(session, 25)
    span = session._voltage_span()
    assert span is not None and span.live is storage_view
    recorded = np.array([v.as_numpy() for v in vecs])
    assert recorded.max() > 0, "the clamp should make the soma spike"
    np.testing.assert_array_equal(history, recorded[:, 1:].astype(np.float32))
    np.testing.assert_array_equal(display, recorded[:, 4::4].T.astype(np.float32))
    np.testing.assert_array_equal(times, tvec.as_numpy()[1:])
    got = np.concatenate([values["i_clamp"] for _, values in session.batches])
    np.testing.assert_array_equal(got, clamp.as_numpy())


def test_t_is_read_from_neurons_own_variable_even_when_it_is_zero(restructured):
    # the clock is chosen at t = 0, where a ctypes double is falsy: it must still be taken
    import ctypes

    session = restructured
    session.initialize()
    assert h.t == 0.0
    assert isinstance(session._clock, ctypes.c_double)
    run_frames(session, 3)
    assert session._clock.value == h.t > 0


def test_a_reused_nan_frame_is_nan_wherever_this_frame_did_not_write():
    from compneurovis.neuron._nan_frame import NanFrame

    frames = NanFrame()
    first = frames.take(4, 6, np.array([1, 4]))
    first[:, [1, 4]] = 1.0
    first[-1] = 2.0
    second = frames.take(3, 6, np.array([2]))  # a step fewer, another traced column
    assert second.shape == (3, 6) and second.base is not None  # a view: whoever keeps values copies them
    assert np.isnan(second).all()
    second[:, 2] = 5.0
    second[-1] = 6.0
    third = frames.take(4, 6, slice(None))
    assert np.isnan(third).all()
    assert np.isnan(frames.take(2, 7, np.array([0]))).all()  # another width: a new buffer
