"""Recording from the window: the current Scene, then what the window applies and sends."""

import numpy as np
import pytest

from compneurovis.core import (
    ActionSpec,
    InvokeAction,
    SetControl,
    decode,
    encode,
    read_recording,
)
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable
from compneurovis.qt import CompNeuroVisWindow


def _live_window(qtbot, session):
    window = CompNeuroVisWindow(decode(encode(session.initialize())), send=session.handle)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    return window


def _frames(window, session, n):
    for _ in range(n):
        session.advance()
        window.apply_updates(decode(encode(session.read_updates())))  # as if through the worker


def _record_action(window):
    return next(a for a in window.file_menu.actions() if "ecord" in a.text())


def test_window_records_from_now_on_and_the_file_replays_to_what_it_showed(qtbot, tmp_path):
    pytest.importorskip("h5py")
    session = FitzHughNagumoCable(max_samples=10_000)
    window = _live_window(qtbot, session)
    _frames(window, session, 5)
    started = decode(encode(window.scene))
    path = window.start_recording(tmp_path / "window.h5")
    assert path == tmp_path / "window.h5" and window.recording.active
    window.file_menu.aboutToShow.emit()
    assert _record_action(window).text() == "Stop recording"
    window.send(SetControl(control_id="stimulus", value=0.9))
    _frames(window, session, 12)
    assert window.stop_recording() == path and not window.recording.active

    recording = read_recording(path)
    assert recording.complete
    np.testing.assert_array_equal(recording.scene.fields["segment_history"].values,
                                  started.fields["segment_history"].values)  # the Scene when it started
    replayed = recording.scene
    replayed.apply_all(recording.updates)
    for fid in ("segment_display", "segment_history"):
        np.testing.assert_array_equal(replayed.fields[fid].values, window.scene.fields[fid].values)
    np.testing.assert_array_equal(replayed.fields["segment_history"].coords["time"],
                                  window.scene.fields["segment_history"].coords["time"])
    kinds = [e["kind"] for e in recording.events]
    assert "SetControl" in kinds and "StatePatch" in kinds
    assert not window.error_banner.isVisible()


def test_closing_the_window_finishes_its_recording(qtbot, tmp_path):
    pytest.importorskip("h5py")
    session = FitzHughNagumoCable()
    window = _live_window(qtbot, session)
    window.start_recording(tmp_path / "closed.h5")
    _frames(window, session, 3)
    window.close()
    assert read_recording(tmp_path / "closed.h5").complete


def test_a_session_that_records_itself_is_toggled_through_its_own_action(qtbot):
    sent = []
    session = FitzHughNagumoCable()
    scene = session.initialize()
    scene.actions["record"] = ActionSpec(id="record", label="Recording on/off", shortcuts=("Ctrl+R",))
    window = CompNeuroVisWindow(scene, send=sent.append)
    qtbot.addWidget(window)
    window.file_menu.aboutToShow.emit()
    action = _record_action(window)
    assert action.text() == "Pause / resume the session's recording"
    action.trigger()
    assert sent == [InvokeAction(action_id="record")] and not window.recording.active


def test_recording_errors_go_to_the_banner(qtbot, tmp_path):
    window = CompNeuroVisWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.start_recording(tmp_path / "none.h5") is None
    assert "no scene" in window.error_banner.label.text()
    window.apply_updates([])
    session = FitzHughNagumoCable()
    window.set_scene(session.initialize())
    assert window.start_recording(tmp_path / "missing-folder" / "x.h5") is None
    assert "could not record" in window.error_banner.label.text() and not window.recording.active
