"""``compneurovis render``: exact sizes, ffmpeg's own errors, Ctrl+C leaves a playable movie."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from compneurovis.core import Recorder, SceneReady
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

pytestmark = [
    pytest.mark.requires("launcher", "qt"),
    # imageio-ffmpeg's reader leaves its ffmpeg pipes for the garbage collector
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _record(path, frames):
    session = FitzHughNagumoCable()
    with Recorder(path) as recorder:
        recorder.write_updates([SceneReady(scene=session.initialize())])
        for _ in range(frames):
            session.advance()
            recorder.write_updates(session.read_updates())


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "fhn.cnvrec"
    _record(path, 12)
    return path


def _render(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "compneurovis", "render", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "DISPLAY": ""}, check=False)


def _movie(path):
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
        frames = [np.frombuffer(f, np.uint8) for f in reader]
    finally:
        reader.close()
    return meta, frames


def test_a_size_below_the_windows_minimum_renders_exactly_that_size(recording, tmp_path):
    movie, pngs = tmp_path / "small.mp4", tmp_path / "frames"
    result = _render(recording, "--mp4", movie, "--png-dir", pngs, "--size", "320x240", "--fps", "10")
    assert result.returncode == 0, result.stderr
    meta, frames = _movie(movie)
    assert tuple(meta["size"]) == (320, 240) and len(frames) == 12
    from PyQt6.QtGui import QImage

    images = sorted(pngs.glob("frame_*.png"))
    assert len(images) == 12 and all((QImage(str(p)).width(), QImage(str(p)).height()) == (320, 240)
                                     for p in images)
    # the movie holds the rendered picture, not a blank frame: its pixels vary like the PNG's
    assert frames[-1].reshape(240, 320, 3).std() > 5


def test_every_nth_frame_makes_a_movie_of_every_nth_recorded_frame_and_the_last(recording, tmp_path):
    movie, pngs = tmp_path / "sparse.mp4", tmp_path / "sparse"
    result = _render(recording, "--mp4", movie, "--png-dir", pngs, "--size", "640x400", "--every", "5")
    assert result.returncode == 0, result.stderr
    assert "rendered 4 frames" in result.stdout  # recorded frames 0, 5, 10 and the last, 11
    assert sorted(p.name for p in pngs.glob("*.png")) == [f"frame_{k:05d}.png" for k in range(4)]
    _, frames = _movie(movie)
    assert len(frames) == 4 and frames[-1].reshape(400, 640, 3).std() > 5


def test_odd_mp4_size_is_refused_before_rendering(recording, tmp_path):
    movie = tmp_path / "odd.mp4"
    result = _render(recording, "--mp4", movie, "--size", "321x240")
    assert result.returncode == 2
    assert "argument --size: MP4 (H.264) needs an even width and height, got 321x240" in result.stderr
    assert not movie.exists()


def test_an_ffmpeg_failure_reports_ffmpegs_reason(recording, tmp_path):
    # ffmpeg cannot choose a container for this name: its own message must reach the user
    result = _render(recording, "--mp4", tmp_path / "movie.unknownformat", "--size", "320x240")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"compneurovis: error: ffmpeg could not write {tmp_path / 'movie.unknownformat'}: ")
    assert "muxer" in last or "output format" in last, last
    assert "Broken pipe" not in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_during_render_ends_cleanly_and_leaves_a_playable_movie(tmp_path):
    path = tmp_path / "long.cnvrec"
    _record(path, 600)
    movie = tmp_path / "long.mp4"
    process = subprocess.Popen([sys.executable, "-m", "compneurovis", "render", str(path), "--mp4", str(movie),
                                "--size", "640x360"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "DISPLAY": ""}, start_new_session=True)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: process.stderr.read(1), "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not re.search(r" ([2-9]\d|\d{3})/600 ", "".join(chunks)):
            time.sleep(0.1)  # the progress bar says 20 frames or more went to ffmpeg
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl+C: the whole process group
        process.wait(60)
        reader.join(10)
        stderr = "".join(chunks)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
        process.stdout.close()
    assert process.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("compneurovis: interrupted: ") and last.endswith(f" frames written to {movie}")
    assert "Traceback" not in stderr
    written = int(last.split(": ")[2].split()[0])
    assert 0 < written < 600
    meta, frames = _movie(movie)  # finalised: readable to the end
    assert tuple(meta["size"]) == (640, 360) and len(frames) == written
