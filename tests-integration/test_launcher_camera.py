"""``compneurovis render --camera``: presets and exact views reach the movie frames; bad values exit 2."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compneurovis.core import Camera, Recorder, SceneReady
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

pytestmark = pytest.mark.requires("launcher", "qt")


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "fhn.cnvrec"
    session = FitzHughNagumoCable()
    with Recorder(path) as recorder:
        recorder.write_updates([SceneReady(scene=session.initialize())])
        for _ in range(3):
            session.advance()
            recorder.write_updates(session.read_updates())
    return path


def _render(*args):
    return subprocess.run([sys.executable, "-m", "compneurovis", "render", *map(str, args)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "DISPLAY": ""}, check=False)


def _last_frame(folder):
    from PyQt6.QtGui import QImage

    image = QImage(str(sorted(folder.glob("frame_*.png"))[-1])).convertToFormat(QImage.Format.Format_RGB888)
    return np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8).reshape(
        image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(image.height(), image.width(), 3)


def test_render_camera_presets_change_the_frames(recording, tmp_path):
    frames = {}
    for camera in ("front", "side", "0,0,400:0,0,0:0,1,0"):
        folder = tmp_path / camera.replace(":", "_").replace(",", "-")
        result = _render(recording, "--png-dir", folder, "--size", "320x240", "--camera", camera)
        assert result.returncode == 0, result.stderr
        frames[camera] = _last_frame(folder).astype(int)
    assert np.abs(frames["front"] - frames["side"]).max() > 50  # the cable along x, seen end-on
    assert np.abs(frames["front"] - frames["0,0,400:0,0,0:0,1,0"]).max() > 50  # another distance


@pytest.mark.parametrize(("value", "message"), [
    ("back", "expected a preset (front, side, top, isometric)"),
    ("1,2,3:4,5,6", "position:focal point:view up"),
    ("0,0,1:0,0,0:0,0,1", "parallel to the viewing direction"),
    ("0,0,nan:0,0,0:0,1,0", "expected a finite number"),
])
def test_bad_camera_values_exit_2_naming_the_option(recording, tmp_path, value, message):
    result = _render(recording, "--png-dir", tmp_path / "f", "--camera", value)
    assert result.returncode == 2
    assert "argument --camera" in result.stderr and message in result.stderr and "Traceback" not in result.stderr


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(st.floats(), min_size=9, max_size=9).map(
    lambda v: ":".join(",".join(repr(x) for x in v[i:i + 3]) for i in (0, 3, 6)))))
def test_fuzzed_camera_values_parse_or_are_refused(text):
    import argparse

    from compneurovis.launcher._options import camera

    try:
        value = camera(text)
    except argparse.ArgumentTypeError as exc:
        assert str(exc)
        return
    assert isinstance(value, Camera)
    value.check()  # a camera the parser returns is well formed
