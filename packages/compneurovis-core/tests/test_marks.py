"""Axis marks on line plots: the spec, the codec, patches, and marks from a recording's events."""

import numpy as np
import pytest

from compneurovis.core import (
    AxisMark,
    DisplayFrame,
    InvokeAction,
    LinePlotViewSpec,
    RecordingSession,
    ReplaySession,
    Reset,
    SceneError,
    ScenePatch,
    SceneReady,
    SetControl,
    decode,
    encode,
    event_mark,
    read_recording,
)
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

MARKS = (AxisMark(x=1.5, label="stimulus = 0.3", kind="control"), AxisMark(x=np.float64(4.0), label="kick"))


def test_marks_round_trip_through_the_codec(scene):
    scene.apply(ScenePatch(views={"trace": {"marks": MARKS}}))
    back = decode(encode(SceneReady(scene=scene))).scene
    assert back.views["trace"].marks == MARKS
    assert all(type(m) is AxisMark for m in back.views["trace"].marks)
    assert decode(encode(ScenePatch(views={"trace": {"marks": MARKS}}))).views["trace"]["marks"] == MARKS


def test_pairs_and_lists_become_axis_marks(scene):
    spec = LinePlotViewSpec(id="t", field_id="segment_history", marks=[(2.0, "reset")])
    assert spec.marks == (AxisMark(x=2.0, label="reset"),)
    scene.apply(ScenePatch(views={"trace": {"marks": [(3, "a"), AxisMark(x=4.0)]}}))
    assert scene.views["trace"].marks == (AxisMark(x=3.0, label="a"), AxisMark(x=4.0))


@pytest.mark.parametrize(("marks", "message"), [
    ((AxisMark(x=float("nan"), label="x"),), "mark 0 has x = nan"),
    ((AxisMark(x=1.0), "reset"), "mark 1 is a str"),
    ((AxisMark(x="1.0"),), "finite number"),
    (5.0, "marks must be a sequence"),
])
def test_bad_marks_are_refused_and_change_nothing(scene, marks, message):
    scene.apply(ScenePatch(views={"trace": {"marks": MARKS}}))
    with pytest.raises(SceneError, match=message):
        scene.apply(ScenePatch(views={"trace": {"marks": marks}}))
    assert scene.views["trace"].marks == MARKS


def test_event_labels():
    actions = FitzHughNagumoCable().action_specs()
    row = {"wall_time": 0.1, "sim_time": 2.5, "kind": "SetControl", "detail": {"control_id": "gain", "value": 0.3}}
    assert event_mark(row) == AxisMark(x=2.5, label="gain = 0.3", kind="control")
    row = {**row, "detail": {"control_id": "xy", "value": [0.25, 1.0]}}
    assert event_mark(row).label == "xy = (0.25, 1)"
    assert event_mark({**row, "kind": "Reset", "detail": {}}) == AxisMark(x=2.5, label="reset", kind="reset")
    assert event_mark({**row, "kind": "KeyPressed", "detail": {"key": "K"}}, actions).label == "kick"
    for kind, detail in (("InvokeAction", {"action_id": "record"}), ("KeyPressed", {"key": "J"}),
                         ("Status", {"message": "running"}), ("StatePatch", {"values": {"gain": 0.3}}),
                         ("EntityClicked", {"entity_id": "a"}), ("Error", {"message": "boom"})):
        assert event_mark({**row, "kind": kind, "detail": detail}, actions) is None


def _record(path, frames, commands):
    """Run the FitzHugh-Nagumo cable inside a RecordingSession, handling ``commands[k]`` before frame k."""
    session = RecordingSession(FitzHughNagumoCable, path)
    session.initialize()
    times = []
    try:
        for k in range(frames):
            for command in commands.get(k, ()):
                session.handle(command)
            session.advance()
            times.append([u.sim_time for u in session.read_updates()
                          if isinstance(u, DisplayFrame) and u.field_id == "segment_display"][-1])
    finally:
        session.shutdown()
    return times


def _play(replay, upto=None):
    scene = decode(encode(replay.initialize()))  # what a frontend gets: never the session's own Scene
    while replay.position < (len(replay.frames) if upto is None else upto):
        replay.advance()
        scene.apply_all(replay.read_updates())
    return scene


def test_replay_of_a_recording_marks_control_changes_at_their_sim_time(tmp_path):
    pytest.importorskip("h5py")
    path = tmp_path / "fhn.h5"
    times = _record(path, 30, {10: [SetControl(control_id="stimulus", value=0.3)],
                               15: [InvokeAction(action_id="record"), InvokeAction(action_id="record")],
                               20: [InvokeAction(action_id="kick")]})
    kinds = [e["kind"] for e in read_recording(path).events]
    assert "SetControl" in kinds and "Status" in kinds and kinds.count("InvokeAction") == 3
    replay = ReplaySession.from_recording(path, frame_interval=0.0)
    scene = _play(replay)
    # A command handled before frame k acts from the end of frame k - 1: times[k - 1].
    assert scene.views["trace"].marks == (AxisMark(x=times[9], label="stimulus = 0.3", kind="control"),
                                          AxisMark(x=times[19], label="kick", kind="action"))
    assert times[9] == pytest.approx(5.0)
    # Seeking shows only the marks reached so far.
    replay.seek(12)
    seen = _apply_from_scene_ready(replay.read_updates())
    assert seen.views["trace"].marks == (AxisMark(x=times[9], label="stimulus = 0.3", kind="control"),)
    replay.seek(5)
    assert _apply_from_scene_ready(replay.read_updates()).views["trace"].marks == ()
    plain = ReplaySession.from_recording(path, marks=False)
    assert not any(isinstance(u, ScenePatch) for frame in plain.frames for u in frame)


def _apply_from_scene_ready(updates):
    first = next(i for i, u in enumerate(updates) if isinstance(u, SceneReady))
    scene = decode(encode(updates[first].scene))
    scene.apply_all(updates[first + 1:])
    return scene


def test_a_reset_clears_the_run_before_and_is_marked_at_the_restart(tmp_path):
    pytest.importorskip("h5py")
    path = tmp_path / "reset.h5"
    times = _record(path, 20, {4: [SetControl(control_id="stimulus", value=0.5)], 10: [Reset()],
                               14: [SetControl(control_id="stimulus", value=1.0)]})
    replay = ReplaySession.from_recording(path, frame_interval=0.0)
    before = _play(replay, upto=10)
    assert [m.label for m in before.views["trace"].marks] == ["stimulus = 0.5"]
    scene = _play(replay)
    assert scene.views["trace"].marks == (AxisMark(x=0.0, label="reset", kind="reset"),
                                          AxisMark(x=times[13], label="stimulus = 1", kind="control"))
    assert times[13] < times[9]  # the second run's time axis restarted at 0


def test_a_control_change_sent_right_after_a_reset_belongs_to_the_new_run(tmp_path):
    pytest.importorskip("h5py")
    path = tmp_path / "reset_then_set.h5"
    _record(path, 12, {6: [Reset(), SetControl(control_id="stimulus", value=0.8)]})
    scene = _play(ReplaySession.from_recording(path, frame_interval=0.0))
    assert scene.views["trace"].marks == (AxisMark(x=0.0, label="reset", kind="reset"),
                                          AxisMark(x=0.0, label="stimulus = 0.8", kind="control"))


def test_clicking_in_a_replay_says_whether_the_recording_has_the_trace(tmp_path):
    from compneurovis.core import EntityClicked, Status

    pytest.importorskip("h5py")
    path = tmp_path / "clicked.h5"
    _record(path, 12, {4: [EntityClicked(entity_id="fhn.branch_up[10]")]})  # ON_DEMAND: two traces
    replay = ReplaySession.from_recording(path, frame_interval=0.0)
    assert replay.traced_entities() == {"fhn.trunk[0]", "fhn.branch_up[10]"}
    replay.handle(EntityClicked(entity_id="fhn.branch_up[10]"))
    replay.handle(EntityClicked(entity_id="fhn.trunk[30]"))
    messages = [u.message for u in replay.read_updates() if isinstance(u, Status)]
    assert messages[0] == "fhn.branch_up[10]: recorded trace shown"
    assert messages[1].startswith("fhn.trunk[30]: no history in this recording")
    assert replay.position == 0  # a click changes nothing else
