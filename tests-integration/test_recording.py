"""Record a live session to HDF5, reopen it, replay it; broken files give clear errors."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compneurovis.core import (
    PROTOCOL_VERSION,
    DisplayFrame,
    EntityClicked,
    Recorder,
    ReplaySession,
    SceneError,
    SceneReady,
    SetControl,
    read_recording,
)
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

pytestmark = pytest.mark.requires("launcher")  # the compneurovis distribution brings h5py


def _record(session, path, frames, commands=()):
    live = session.initialize()
    with Recorder(path) as recorder:
        recorder.write_updates([SceneReady(scene=live)])
        for k in range(frames):
            for at, command in commands:
                if at == k:
                    session.handle(command)
                    recorder.write_command(command)
            session.advance()
            updates = session.read_updates()
            live.apply_all(updates)
            recorder.write_updates(updates)
    return live


def _replayed(path):
    recording = read_recording(path)
    scene = recording.scene
    scene.apply_all(recording.updates)
    return recording, scene


def _assert_fields_equal(a, b):
    assert a.fields.keys() == b.fields.keys()
    for fid in a.fields:
        np.testing.assert_array_equal(a.fields[fid].values, b.fields[fid].values)
        for dim, coord in a.fields[fid].coords.items():
            np.testing.assert_array_equal(coord, b.fields[fid].coords[dim])


def test_recorded_run_replays_sample_for_sample(tmp_path):
    path = tmp_path / "fhn.h5"
    session = FitzHughNagumoCable(max_samples=10_000)
    ids = None
    live = _record(session, path, 40, commands=[
        (5, SetControl(control_id="stimulus", value=1.0)),
        (10, EntityClicked(entity_id="fhn.branch_up[10]")),
    ])
    ids = live.fields["segment_history"].coords["segment"]
    assert list(ids) == ["fhn.trunk[0]", "fhn.branch_up[10]"]
    recording, replayed = _replayed(path)
    assert recording.complete
    _assert_fields_equal(live, replayed)
    # The same through ReplaySession, frame by frame.
    replay = ReplaySession.from_recording(path, frame_interval=0.0)
    scene = replay.initialize()
    while replay.position < len(replay.frames):
        replay.advance()
        scene.apply_all(replay.read_updates())
    _assert_fields_equal(live, scene)
    assert len(replay.frames) == 40


def test_file_is_readable_without_compneurovis(tmp_path):
    import h5py

    path = tmp_path / "fhn.h5"
    session = FitzHughNagumoCable(history_capture_mode="full", max_samples=100_000)
    live = _record(session, path, 10, commands=[(3, SetControl(control_id="stimulus", value=0.5))])
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "compneurovis-recording" and f.attrs["protocol_version"] == PROTOCOL_VERSION
        part = f["history/segment_history/0"]
        assert list(part.attrs["dims"]) == ["time", "segment"]
        np.testing.assert_array_equal(part["values"][()], live.fields["segment_history"].values)  # time-major
        np.testing.assert_array_equal(part["time"][()], live.fields["segment_history"].coords["time"])
        assert [s.decode() for s in part["segment"][()]] == list(live.fields["segment_history"].coords["segment"])
        frames = f["frames/segment_display/values"]
        assert frames.shape == (10, 90)
        np.testing.assert_array_equal(frames[-1], live.fields["segment_display"].values)
        kinds = [k.decode() for k in f["events"]["kind"]]
        assert kinds.count("SetControl") == 1 and kinds.count("StatePatch") == 1


def test_recording_killed_mid_run_stays_readable(tmp_path):
    path = tmp_path / "killed.h5"
    writer = subprocess.Popen([sys.executable, str(Path(__file__).with_name("recording_writer.py")), str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "recording"
        time.sleep(1.5)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)
        writer.stdout.close()
    recording, scene = _replayed(path)
    assert not recording.complete
    frames = [u for u in recording.updates if isinstance(u, DisplayFrame)]
    assert len(frames) > 10
    history = scene.fields["segment_history"]
    assert np.all(np.diff(history.coords["time"]) > 0)
    np.testing.assert_array_equal(history.values[-1], scene.fields["segment_display"].values)


def test_truncated_foreign_and_random_files_are_refused(tmp_path):
    good = tmp_path / "good.h5"
    _record(FitzHughNagumoCable(), good, 5)
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    random_bytes = tmp_path / "random.h5"
    random_bytes.write_bytes(np.random.default_rng(0).bytes(4096))
    for path in (truncated, random_bytes):
        with pytest.raises(SceneError, match=rf"{path.name}: not a readable HDF5 recording"):
            read_recording(path)
    import h5py

    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["data"] = np.arange(3)
    with pytest.raises(SceneError, match=r"foreign\.h5: not a CompNeuroVis recording"):
        read_recording(foreign)
    newer = tmp_path / "newer.h5"
    newer.write_bytes(good.read_bytes())
    with h5py.File(newer, "a") as f:
        f.attrs["format_version"] = 99
    with pytest.raises(SceneError, match=r"newer\.h5: recording format 99"):
        read_recording(newer)


def test_recording_session_in_the_worker_records_everything(tmp_path):
    import functools

    from compneurovis.core import InvokeAction, RecordingSession, WorkerTransport

    path = tmp_path / "worker.h5"
    factory = functools.partial(RecordingSession, FitzHughNagumoCable, str(path))
    live = None
    with WorkerTransport(factory) as transport:
        deadline = time.monotonic() + 60
        frames = 0
        while frames < 50 and time.monotonic() < deadline:
            for update in transport.poll(0.2):
                if isinstance(update, SceneReady):
                    live = update.scene
                else:
                    live.apply(update)
                    frames += isinstance(update, DisplayFrame)
        assert "record" in live.actions
        transport.send(InvokeAction(action_id="record"))  # pause writing
        time.sleep(0.3)
    recording, replayed = _replayed(path)
    assert recording.complete
    assert not any(getattr(u, "message", "").startswith("recording paused") for u in recording.updates)
    times = replayed.fields["segment_history"].coords["time"]
    assert np.all(np.diff(times) > 0) and len(times) > 50
    np.testing.assert_allclose(np.diff(times), 0.05, rtol=1e-6)  # every step, none coalesced away


@pytest.mark.requires("launcher", "qt")
# imageio-ffmpeg's reader leaves its ffmpeg pipes for the garbage collector
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_render_recording_to_mp4_and_export(tmp_path):
    import imageio_ffmpeg

    path = tmp_path / "fhn.h5"
    live = _record(FitzHughNagumoCable(), path, 24, commands=[(1, EntityClicked(entity_id="fhn.trunk[30]"))])
    movie = tmp_path / "fhn.mp4"
    result = subprocess.run([sys.executable, "-m", "compneurovis", "render", str(path), "--mp4", str(movie),
                             "--fps", "12", "--size", "640x360"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "DISPLAY": ""}, check=False)
    assert result.returncode == 0, result.stderr
    reader = imageio_ffmpeg.read_frames(str(movie))
    meta = next(reader)
    assert tuple(meta["size"]) == (640, 360) and meta["fps"] == 12
    assert sum(1 for _ in reader) == 24
    reader.close()
    csv_path, npz_path = tmp_path / "traces.csv", tmp_path / "history.npz"
    result = subprocess.run([sys.executable, "-m", "compneurovis", "export", str(path), "--csv", str(csv_path),
                             "--entity", "fhn.trunk[30]", "--npz", str(npz_path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    rows = csv_path.read_text().splitlines()
    history = live.fields["segment_history"]
    assert rows[0] == "time (ms),fhn.trunk[30] (a.u.)" and len(rows) == 1 + history.shape[0]
    last = [float(v) for v in rows[-1].split(",")]
    assert last == [history.coords["time"][-1], float(history.values[-1, 1])]
    with np.load(npz_path) as data:
        np.testing.assert_array_equal(data["segment_history"], history.values)
        assert list(data["segment_history__segment"]) == ["fhn.trunk[0]", "fhn.trunk[30]"]


@pytest.mark.requires("neuron", "launcher")
@pytest.mark.parametrize("mode", ["full", "on_demand"])
def test_recorded_neuron_session_replays_sample_for_sample(tmp_path, mode):
    from compneurovis.neuron.examples.hh import HHSession

    path = tmp_path / "hh.h5"
    session = HHSession(history_capture_mode=mode, max_samples=100_000)
    try:
        live = _record(session, path, 60, commands=[(20, SetControl(control_id="stim_amp", value=0.5))])
    finally:
        session.shutdown()
    # both modes keep every step (FULL: of every segment; ON_DEMAND: of the traced one)
    per_frame = session.steps_per_update()
    assert session.steps_per_update() > 1
    assert live.fields["segment_history"].shape[0] == 1 + 60 * per_frame
    _, replayed = _replayed(path)
    _assert_fields_equal(live, replayed)
