"""The new views in recordings: a recorded ring network replays its raster and renders with `compneurovis render`."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from compneurovis.core import CATEGORY_COLORS, Recorder, SceneReady, read_recording, spikes_by_cell

pytestmark = pytest.mark.requires("neuron", "qt", "launcher")

FRAMES = 100  # 25 ms: cells 0 to 2 fire once each (at about 7, 13 and 19 ms)


@pytest.fixture
def recorded(tmp_path):
    """A recorded RingNetworkSession (spike field, raster, population categories) and its live Scene."""
    from compneurovis.neuron.examples.network import RingNetworkSession

    path = tmp_path / "ring.h5"
    session = RingNetworkSession()
    try:
        live = session.initialize()
        with Recorder(path) as recorder:
            recorder.write_updates([SceneReady(scene=live)])
            for _ in range(FRAMES):
                session.advance()
                updates = session.read_updates()
                live.apply_all(updates)
                recorder.write_updates(updates)
    finally:
        session.shutdown()
    return path, live


def test_replayed_raster_holds_the_live_spikes_and_draws_them(recorded, qtbot):
    from compneurovis.qt import CompNeuroVisWindow

    path, live = recorded
    recording = read_recording(path)
    window = CompNeuroVisWindow(recording.scene)
    qtbot.addWidget(window)
    window.resize(1000, 650)
    window.show()
    qtbot.waitExposed(window)
    for frame in recording.frames():
        window.apply_updates(frame)
    window.render_due(force=True)
    replayed = spikes_by_cell(window.scene.fields["spikes"])
    expected = spikes_by_cell(live.fields["spikes"])
    assert [t.tolist() for t in replayed] == [t.tolist() for t in expected]
    assert [len(t) for t in expected] == [1, 1, 1, 0, 0]
    plot = window.views["raster"].plot
    plot.repaint()
    image = plot.grab().toImage()
    x, y = plot.to_widget(float(expected[2][0]), 2.0)  # cell bs2, population "ring"
    color = image.pixelColor(round(x), round(y))
    ring = np.array([int(CATEGORY_COLORS[1][k:k + 2], 16) for k in (1, 3, 5)])
    assert np.abs(np.array([color.red(), color.green(), color.blue()]) - ring).max() <= 2


def test_compneurovis_render_draws_the_raster_dots_in_population_colours(recorded, tmp_path):
    from PyQt6.QtGui import QImage

    path, _ = recorded
    frames = tmp_path / "frames"
    result = subprocess.run([sys.executable, "-m", "compneurovis", "render", str(path), "--png-dir", str(frames),
                             "--size", "960x540"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "DISPLAY": ""}, check=False)
    assert result.returncode == 0, result.stderr
    pngs = sorted(frames.glob("*.png"))
    assert len(pngs) == FRAMES
    image = QImage(str(pngs[-1])).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    pixels = np.frombuffer(bits, np.uint8).reshape(height, image.bytesPerLine())[:, :width * 3]
    pixels = pixels.reshape(height, width, 3).astype(int)
    right = pixels[:, width // 2:]  # the raster's column
    for color in CATEGORY_COLORS[:2]:  # driver and ring dots
        rgb = np.array([int(color[k:k + 2], 16) for k in (1, 3, 5)])
        assert (np.abs(right - rgb).max(axis=2) <= 2).sum() >= 10, color
