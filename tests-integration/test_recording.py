"""Record a live session, reopen, replay and export it; a killed recorder loses at most a second."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    Recorder,
    ReplaySession,
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
    path = tmp_path / "fhn.cnvrec"
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


def test_hdf5_export_is_readable_without_compneurovis(tmp_path):
    import h5py

    from compneurovis.core import export_hdf5

    path = tmp_path / "fhn.cnvrec"
    session = FitzHughNagumoCable(history_capture_mode="full", max_samples=100_000)
    live = _record(session, path, 10, commands=[(3, SetControl(control_id="stimulus", value=0.5))])
    exported = export_hdf5(read_recording(path), tmp_path / "fhn.h5")
    with h5py.File(exported, "r") as f:
        assert f.attrs["format"] == "compneurovis-recording-export" and f.attrs["complete"]
        part = f["history/segment_history/0"]
        assert list(part.attrs["dims"]) == ["time", "segment"]
        np.testing.assert_array_equal(part["values"][()], live.fields["segment_history"].values)
        np.testing.assert_array_equal(part["time"][()], live.fields["segment_history"].coords["time"])
        assert [s.decode() for s in part["segment"][()]] == list(live.fields["segment_history"].coords["segment"])
        frames = f["frames/segment_display/0/values"]
        assert frames.shape == (10, 90)
        np.testing.assert_array_equal(frames[-1], live.fields["segment_display"].values)
        kinds = [k.decode() for k in f["events"]["kind"]]
        assert kinds.count("SetControl") == 1 and kinds.count("StatePatch") == 1


def test_a_killed_recorder_keeps_everything_flushed_a_second_before(tmp_path):
    path = tmp_path / "killed.cnvrec"
    writer = subprocess.Popen([sys.executable, str(Path(__file__).with_name("recording_writer.py")), str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "recording"
        start = time.monotonic()
        while time.monotonic() - start < 2.0:  # the writer's progress, as it reports it
            position, sim_time = writer.stdout.readline().split()
        promised = int(position)  # passed to the recorder at least 1.2 s before the kill
        time.sleep(1.2)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)
        writer.stdout.close()
    recording, scene = _replayed(path)
    assert not recording.complete
    assert len(recording.updates) >= promised > 10
    assert np.nanmax(recording.sim_times) >= float(sim_time)
    history = scene.fields["segment_history"]
    assert np.all(np.diff(history.coords["time"]) > 0)
    np.testing.assert_array_equal(history.values[-1], scene.fields["segment_display"].values)


def test_a_copy_truncated_by_one_byte_reads_back_all_but_its_end_mark(tmp_path):
    good = tmp_path / "good.cnvrec"
    _record(FitzHughNagumoCable(), good, 5)
    truncated = tmp_path / "truncated.cnvrec"
    truncated.write_bytes(good.read_bytes()[:-1])
    whole, cut = read_recording(good), read_recording(truncated)
    assert whole.complete and not cut.complete and "is cut off" in cut.damage
    assert len(cut.updates) == len(whole.updates)  # the cut hit the end mark only
    result = subprocess.run([sys.executable, "-m", "compneurovis", "export", str(truncated), "--npz",
                             str(tmp_path / "cut.npz"), "--h5", str(tmp_path / "cut.h5")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert f"warning: {truncated}: block" in result.stderr and "is cut off" in result.stderr
    import h5py

    with h5py.File(tmp_path / "cut.h5", "r") as f:
        assert not f.attrs["complete"] and "is cut off" in f.attrs["damage"]
        assert f["frames/segment_display/0/values"].shape[0] == 5


def test_a_file_that_is_no_recording_fails_export_with_the_reason(tmp_path):
    random_bytes = tmp_path / "random.cnvrec"
    random_bytes.write_bytes(np.random.default_rng(0).bytes(4096))
    result = subprocess.run([sys.executable, "-m", "compneurovis", "export", str(random_bytes), "--npz",
                             str(tmp_path / "x.npz")], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert f"{random_bytes}: not a CompNeuroVis recording" in result.stderr
    assert not (tmp_path / "x.npz").exists()


def test_recording_session_in_the_worker_records_everything(tmp_path):
    import functools

    from compneurovis.core import InvokeAction, RecordingSession, WorkerTransport

    path = tmp_path / "worker.cnvrec"
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
        assert frames >= 50, f"{frames} display frames in 60 s"
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

    path = tmp_path / "fhn.cnvrec"
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

    path = tmp_path / "hh.cnvrec"
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
