import subprocess
import sys
import time

import numpy as np
import psutil
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage

from compneurovis.core import EntityClicked, InvokeAction, WorkerTransport
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable
from compneurovis.qt import CompNeuroVisWindow, FrameLoop, run_app
from compneurovis.qt._controls_panel import ControlsPanel


def _children() -> list:
    """Live child processes, except multiprocessing's resource tracker (one per parent, by design)."""
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline()):
                out.append(p)
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.fixture
def live(qtbot):
    """A window fed by a real worker through the frame loop; closed and checked afterwards."""
    made = []

    def start(factory):
        transport = WorkerTransport(factory).start()
        window = CompNeuroVisWindow(send=transport.send)
        qtbot.addWidget(window)
        window.resize(1000, 650)
        loop = FrameLoop(window, transport)
        loop.start()
        window.show()
        made.append((transport, loop, window))
        qtbot.waitUntil(lambda: window.scene is not None, timeout=30_000)
        return transport, loop, window

    before = {p.pid for p in _children()}
    yield start
    for transport, loop, window in made:
        loop.stop()
        transport.close()
        window.close()
        assert not transport.is_alive()
    time.sleep(0.1)
    assert [p for p in _children() if p.pid not in before] == []


def test_fitzhugh_nagumo_end_to_end_click_adds_a_trace(live, qtbot):
    transport, _loop, window = live(FitzHughNagumoCable)
    qtbot.waitUntil(lambda: window.render_counts.get("morphology", 0) > 2, timeout=20_000)
    assert window.first_frame_seconds is not None
    holder, renderer = window.views["morphology"].panel, window.views["morphology"].renderer
    geometry = window.scene.geometries["morphology"]
    target = 60
    xy = renderer.world_to_display(geometry.centers[target:target + 1])[0]
    assert holder.click_at(xy[0], xy[1]) == target
    entity = geometry.entity_ids[target]
    qtbot.waitUntil(lambda: entity in window.views["trace"].plot.curves, timeout=20_000)
    history = window.scene.fields["segment_history"]
    assert entity in [str(s) for s in history.coord("segment")]
    # Time keeps growing and the trace plot holds every applied sample.
    t0 = window.sim_time
    qtbot.waitUntil(lambda: window.sim_time > t0 + 5, timeout=20_000)
    transport.send(InvokeAction(action_id="pause"))
    qtbot.waitUntil(lambda: "paused" in window.status_text, timeout=20_000)


def test_session_error_is_shown_and_window_stays_usable(live, qtbot):
    import cnv_qt_test_sessions

    transport, loop, window = live(cnv_qt_test_sessions.FailingCable)
    qtbot.waitUntil(window.error_banner.isVisible, timeout=20_000)
    assert "boom" in window.error_banner.message
    assert "RuntimeError" in window.error_banner.details.toPlainText()
    # Still responsive: a button click goes through, the event loop runs, the window redraws.
    sent = []
    window.sink = sent.append
    panel = next(p for p in window.panels.values() if isinstance(p, ControlsPanel))
    qtbot.mouseClick(panel.buttons["kick"], Qt.MouseButton.LeftButton)
    assert sent == [InvokeAction(action_id="kick")]
    ticks = loop.ticks
    qtbot.waitUntil(lambda: loop.ticks > ticks + 3, timeout=5_000)
    holder, _ = window.views["morphology"].panel, window.views["morphology"].renderer
    holder.click_at(*window.views["morphology"].renderer.world_to_display(
        window.scene.geometries["morphology"].centers[:1])[0][:2])
    assert isinstance(sent[-1], EntityClicked)
    qtbot.waitUntil(lambda: not transport.is_alive(), timeout=10_000)


def test_closing_leaves_no_worker(qtbot):
    before = {p.pid for p in _children()}
    closed = []

    def on_window(window):
        window.firstFrame.connect(lambda _s: window.close())
        closed.append(window)

    from PyQt6.QtCore import QTimer

    QTimer.singleShot(60_000, lambda: [w.close() for w in closed])  # safety net
    assert run_app(FitzHughNagumoCable, on_window=on_window) == 0
    time.sleep(0.2)
    leftover = [p for p in _children() if p.pid not in before]
    assert leftover == []


def test_screenshot_of_fitzhugh_nagumo(tmp_path):
    out = tmp_path / "fhn.png"
    timings = []
    assert run_app(FitzHughNagumoCable, screenshot=out, after=0.5, size=(900, 560),
                   on_first_frame=timings.append) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 560)
    ptr = image.convertToFormat(QImage.Format.Format_RGB888).constBits()
    ptr.setsize(image.height() * image.bytesPerLine())
    pixels = np.frombuffer(ptr, dtype=np.uint8)
    assert pixels.std() > 10 and len(np.unique(pixels)) > 50
    assert timings and 0 < timings[0] < 60


def test_screenshot_of_static_scene(tmp_path):
    from cnv_qt_scenes import make_scene

    from compneurovis.qt import render_scene

    out = render_scene(make_scene(), tmp_path / "static.png", size=(640, 400))
    assert QImage(str(out)).width() == 640
    assert run_app(make_scene(), screenshot=tmp_path / "static2.png", after=0.0, size=(500, 300)) == 0


def test_cli_writes_a_screenshot_without_a_display(tmp_path):
    out = tmp_path / "cli.png"
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-m", "compneurovis.qt",
         "compneurovis.core.examples.fitzhugh_nagumo:FitzHughNagumoCable",
         "--screenshot", str(out), "--after", "0.5", "--size", "640x400", "--timings"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "first frame" in result.stdout
    assert QImage(str(out)).size().width() == 640


def test_replay_session_runs_in_a_worker_and_is_drawn(tmp_path, qtbot):
    from cnv_qt_scenes import make_scene

    from compneurovis.core import ReplaySession

    frames = np.linspace(-60.0, 20.0, 50)[:, None] * np.ones((1, 5))
    replay = ReplaySession.from_frames(make_scene(), "display", frames.astype(np.float32),
                                       times=np.arange(50) * 0.5, frame_interval=0.005)
    seen = []
    out = tmp_path / "replay.png"
    assert run_app(replay, screenshot=out, after=0.6, size=(640, 400),
                   on_window=seen.append) == 0
    window = seen[0]
    assert window.scene.fields["display"].values[0] == pytest.approx(20.0)
    assert QImage(str(out)).width() == 640


def test_run_app_records_the_session(tmp_path):
    pytest.importorskip("h5py")
    from compneurovis.core import DisplayFrame, read_recording

    path = tmp_path / "run.h5"
    assert run_app(FitzHughNagumoCable, screenshot=tmp_path / "shot.png", after=0.5, size=(640, 400),
                   record=path) == 0
    recording = read_recording(path)
    assert recording.complete  # the worker closed the file when the window closed
    assert "record" in recording.scene.actions  # the window's Ctrl+R toggle
    frames = [u for u in recording.updates if isinstance(u, DisplayFrame) and u.field_id == "segment_display"]
    assert len(frames) > 5
    times = [u.sim_time for u in frames]
    assert times == sorted(times) and times[0] > 0
    with pytest.raises(ValueError, match="static Scene"):
        from cnv_qt_scenes import make_scene

        run_app(make_scene(), record=path)
