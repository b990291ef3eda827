"""Recordings survive what happens to files: kills, full disks, truncated or damaged copies, two writers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cnv_core_sessions import Batched

from compneurovis.core import (
    PROTOCOL_VERSION,
    DisplayFrame,
    Recorder,
    RecordingSession,
    SceneError,
    SceneReady,
    read_recording,
)
from compneurovis.core import _recording_format as fmt
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

HERE = Path(__file__).parent


def record(path: Path, frames: int, *, flush_interval: float = 0.0) -> list:
    """Record the FitzHugh-Nagumo cable (a block per frame by default); return every update written."""
    session = FitzHughNagumoCable(history_capture_mode="full")
    written = []
    with Recorder(path, flush_interval=flush_interval) as recorder:
        recorder.write_updates([SceneReady(scene=session.initialize())])
        for _ in range(frames):
            session.advance()
            updates = session.read_updates()
            recorder.write_updates(updates)
            written += updates
    return written


def same_updates(read: list, written: list) -> None:
    assert len(read) == len(written)
    for a, b in zip(read, written, strict=True):
        assert type(a) is type(b)
        np.testing.assert_array_equal(getattr(a, "values", None), getattr(b, "values", None))


def block_offsets(data: bytes) -> list[int]:
    blocks, damage = fmt.split_blocks(memoryview(data))
    assert damage is None
    return [pos for pos, _ in blocks] + [len(data)]


def test_round_trip_keeps_every_update(tmp_path):
    path = tmp_path / "run.cnvrec"
    written = record(path, 20, flush_interval=1.0)
    recording = read_recording(path)
    assert recording.complete and recording.damage is None
    same_updates(recording.updates, written)
    assert len(recording.frames()) == 20


def test_a_recording_keeps_every_display_frame_of_a_session_that_could_batch_them(tmp_path):
    path = tmp_path / "run.cnvrec"
    session = RecordingSession(Batched, path)
    session.initialize()
    session.allow_batched_advance()  # what the worker does; a recording does not pass it on
    for _ in range(20):
        session.advance()
        session.read_updates()
    session.shutdown()
    assert session.inner.step_sizes == [session.inner.steps_per_update()] * 20
    frames = read_recording(path).frames()
    assert len(frames) == 20


def test_a_copy_cut_anywhere_reads_back_every_whole_block(tmp_path):
    path = tmp_path / "run.cnvrec"
    written = record(path, 12)
    data = path.read_bytes()
    offsets = block_offsets(data)
    cut = tmp_path / "cut.cnvrec"
    for size in (len(data) - 1, *(o + d for o in offsets[1:-1] for d in (0, 1, 17))):
        cut.write_bytes(data[:size])
        recording = read_recording(cut)
        whole = sum(1 for o in offsets[1:] if o <= size) - 1  # data blocks entirely inside the cut (minus the Scene)
        assert not recording.complete
        assert (recording.damage is None) == (size in offsets)
        if recording.damage is not None:
            assert f"at byte {max(o for o in offsets if o <= size)}" in recording.damage
            assert "cut off" in recording.damage
        same_updates(recording.updates, written[:len(recording.updates)])
        assert len(recording.frames()) == min(whole, 12)


def test_a_flipped_bit_keeps_everything_before_its_block(tmp_path):
    path = tmp_path / "run.cnvrec"
    written = record(path, 10)
    data = bytearray(path.read_bytes())
    offsets = block_offsets(bytes(data))
    victim = offsets[5] + fmt.BLOCK.size + 400
    data[victim] ^= 0x10
    path.write_bytes(bytes(data))
    recording = read_recording(path)
    assert recording.damage == f"block 5 at byte {offsets[5]}: checksum mismatch; the file is damaged here"
    assert not recording.complete and len(recording.frames()) == 4
    same_updates(recording.updates, written[:len(recording.updates)])


def _crafted(path: Path, source: Path, frame: np.ndarray) -> None:
    """``source``'s header and Scene block, then one checksum-valid data block holding ``frame``."""
    data = source.read_bytes()
    offsets = block_offsets(data)
    raws: list = []
    values = fmt.raw(frame[None], raws)
    payload = fmt.pack({"kind": "data", "start": 0, "end": 1, "appends": [],
                        "frames": [{"field": "segment_display", "values": values,
                                    "seq": np.zeros(1, np.int64), "sim_time": np.zeros(1)}],
                        "log": {"bytes": np.zeros(0, np.uint8), "offsets": np.zeros(1, np.int64),
                                "seq": np.zeros(0, np.int64), "sim_time": np.zeros(0), "wall_time": np.zeros(0)},
                        "events": {"wall_time": np.zeros(0), "sim_time": np.zeros(0), "kind": [], "detail": []}},
                       raws)
    path.write_bytes(data[:offsets[1]] + fmt.block(payload) + b"".join(payload))


def test_a_wrongly_shaped_or_typed_frame_is_refused_naming_file_and_field(tmp_path):
    good = tmp_path / "good.cnvrec"
    record(good, 1)
    n = read_recording(good).scene.fields["segment_display"].values.shape[0]
    ok = tmp_path / "ok.cnvrec"
    _crafted(ok, good, np.zeros(n, np.float32))
    assert len(read_recording(ok).updates) == 1  # the crafting itself is sound
    cases = [("short", np.zeros(n - 1, np.float32),
              r"the update stream: update at stream position 0 \(DisplayFrame\): field 'segment_display': "
              "display frame of shape"),
             ("text", np.full(n, "x"), r"block 1 at byte \d+: malformed \(ValueError: frame values has dtype <U1\)")]
    for name, frame, message in cases:
        bad = tmp_path / f"{name}.cnvrec"
        _crafted(bad, good, frame)
        with pytest.raises(SceneError, match=rf"{name}\.cnvrec: {message}"):
            read_recording(bad)


def test_the_recorder_refuses_a_wrongly_shaped_frame_and_keeps_the_rest(tmp_path):
    path = tmp_path / "run.cnvrec"
    session = FitzHughNagumoCable()
    with Recorder(path) as recorder:
        recorder.write_updates([SceneReady(scene=session.initialize())])
        session.advance()
        good = session.read_updates()
        recorder.write_updates(good)
        with pytest.raises(SceneError, match="segment_display"):
            recorder.write_updates([DisplayFrame(field_id="segment_display", values=np.zeros(3, np.float32))])
    same_updates(read_recording(path).updates, good)


def test_foreign_hdf5_other_version_and_empty_files_are_refused_by_name(tmp_path):
    good = tmp_path / "good.cnvrec"
    record(good, 2)
    cases = {
        "random.cnvrec": np.random.default_rng(0).bytes(4096),
        "old.h5": fmt.HDF5_MAGIC + bytes(200),
        "newer.cnvrec": fmt.HEADER.pack(fmt.MAGIC, 99, PROTOCOL_VERSION) + good.read_bytes()[16:],
        "empty.cnvrec": b"",
        "header-only.cnvrec": good.read_bytes()[:16],
    }
    messages = {
        "random.cnvrec": "not a CompNeuroVis recording",
        "old.h5": "an HDF5 file, not a recording of format 3: HDF5 recordings \\(format 2",
        "newer.cnvrec": f"recording format 99 / protocol {PROTOCOL_VERSION} is not readable",
        "empty.cnvrec": "not a CompNeuroVis recording \\(0 bytes",
        "header-only.cnvrec": "the recording holds no Scene",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(SceneError, match=rf"{name}: {messages[name]}"):
            read_recording(tmp_path / name)
    with pytest.raises(SceneError, match=r"missing\.cnvrec: cannot read the recording: No such file"):
        read_recording(tmp_path / "missing.cnvrec")


def test_a_second_recorder_is_refused_and_the_first_file_is_untouched(tmp_path):
    path = tmp_path / "run.cnvrec"
    session = FitzHughNagumoCable()
    first = Recorder(path)
    try:
        first.write_updates([SceneReady(scene=session.initialize())])
        session.advance()
        first.write_updates(session.read_updates())
        first.flush()
        before = path.read_bytes()
        other = subprocess.run([sys.executable, "-c", "import sys; from compneurovis.core import Recorder; "
                                "Recorder(sys.argv[1])", str(path)], capture_output=True, text=True, timeout=60)
        assert other.returncode == 1
        assert f"cannot record to {path}: another recorder is writing it" in other.stderr
        with pytest.raises(OSError, match="another recorder is writing it"):
            Recorder(path)  # in the same process too
        assert path.read_bytes() == before
        session.advance()
        first.write_updates(session.read_updates())
    finally:
        first.close()
    recording = read_recording(path)
    assert recording.complete and len(recording.frames()) == 2


def test_a_missing_folder_or_a_folder_path_fails_at_once(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cannot record to .*missing/run\.cnvrec: No such file"):
        Recorder(tmp_path / "missing" / "run.cnvrec")
    with pytest.raises(IsADirectoryError, match="cannot record to"):
        Recorder(tmp_path)


def _full_disk(folder: Path, limit: str) -> dict:
    result = subprocess.run([sys.executable, str(HERE / "recording_full_disk.py"), str(folder / "run.cnvrec"), limit],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _check_full_disk(folder: Path, report: dict, reason: str) -> None:
    path = folder / "run.cnvrec"
    assert report["error"].startswith(f"recording to {path} stopped: {reason}; the file keeps the")
    assert report["running_after"]  # the session goes on
    recording = read_recording(path)
    assert recording.damage is None and not recording.complete  # cut back to its last whole block
    assert len(recording.updates) == report["flushed"] > 100
    assert len(recording.frames()) == report["flushed_frames"]


def _as_root() -> list[str] | None:
    """How to run mount: directly as root, through passwordless sudo (CI runners), or not at all."""
    if sys.platform != "linux":
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") is None:
        return None
    sudo = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
    return ["sudo", "-n"] if sudo.returncode == 0 else None


def test_a_full_disk_stops_the_recording_with_the_reason_and_keeps_what_was_flushed(tmp_path):
    prefix = _as_root()
    if prefix is None:
        pytest.skip("mounting a small tmpfs needs Linux and root or passwordless sudo")
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run([*prefix, "mount", "-t", "tmpfs", "-o", "size=2m,mode=1777", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:  # e.g. a container without CAP_SYS_ADMIN; the RLIMIT_FSIZE test still runs
        pytest.skip(f"this machine does not allow mounting a tmpfs: {mounted.stderr.strip()[:200]}")
    try:
        report = _full_disk(folder, "0")
        _check_full_disk(folder, report, "No space left on device")
    finally:
        subprocess.run([*prefix, "umount", str(folder)], check=True)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_file_size_limit_stops_the_recording_with_the_reason(tmp_path):
    report = _full_disk(tmp_path, str(2 << 20))
    _check_full_disk(tmp_path, report, "File too large")


def test_recording_session_reports_a_folder_it_cannot_write_before_building_the_model(tmp_path):
    session = RecordingSession(FitzHughNagumoCable, tmp_path / "missing" / "run.cnvrec")
    with pytest.raises(FileNotFoundError, match="cannot record to"):
        session.initialize()
    assert session.recorder is None


FUZZ_EXAMPLES = 200


def test_damaged_recordings_raise_only_scene_error_or_read_back_a_prefix(tmp_path):
    """Hypothesis mutations of a real recording (see fuzz_recording.py), in a child process."""
    result = subprocess.run([sys.executable, str(HERE / "fuzz_recording.py"), str(tmp_path), str(FUZZ_EXAMPLES)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]  # a signal death is negative, an assertion 1
    counts = json.loads(result.stdout.splitlines()[-1])
    categories = ("truncated", "bit flips", "block repeated", "garbage", "garbage file", "crafted block",
                  "wrong shapes")
    for category in categories:
        assert counts.get(f"{category}: SceneError", 0) + counts.get(f"{category}: read", 0) >= 0.9 * FUZZ_EXAMPLES
    for category in ("truncated", "bit flips", "garbage"):  # partial reads happen, and were checked as prefixes
        assert counts[f"{category}: read"] > 0
