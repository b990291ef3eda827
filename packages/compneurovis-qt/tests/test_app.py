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

    # Safety net in case the first frame never comes. Stopped when the test ends: a bare
    # QTimer.singleShot would fire 60 s later, in whichever test runs then, on a deleted window.
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: [w.close() for w in closed])
    safety.start(60_000)
    try:
        assert run_app(FitzHughNagumoCable, on_window=on_window) == 0
    finally:
        safety.stop()
    time.sleep(0.2)
    leftover = [p for p in _children() if p.pid not in before]
    assert leftover == []


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    ptr = image.constBits()
    ptr.setsize(image.height() * image.bytesPerLine())
    rows = np.frombuffer(ptr, dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :3 * image.width()].reshape(image.height(), image.width(), 3).copy()


def test_screenshot_of_fitzhugh_nagumo(tmp_path):
    from PyQt6.QtCore import QEvent, QObject, QPoint

    from compneurovis.vtk import BACKGROUND, color_table

    out = tmp_path / "fhn.png"
    timings = []
    where = {}

    class Remember(QObject):
        """When the window is about to close (right after the screenshot, views still intact):
        where each segment's centre lies in the window, and a point of the panel's background."""

        def eventFilter(self, window, event):
            if event.type() == QEvent.Type.Close and "centres" not in where:
                holder, renderer = window.views["morphology"].panel, window.views["morphology"].renderer
                corner = holder.mapTo(window, QPoint(0, 0))
                xy = renderer.world_to_display(window.scene.geometries["morphology"].centers)
                where["centres"] = np.column_stack([corner.x() + xy[:, 0],
                                                    corner.y() + holder.height() - 1 - xy[:, 1]])
                where["background"] = (corner.x() + holder.width() - 5, corner.y() + holder.height() // 2)
                where["map"] = window.scene.views["morphology"].color_map
            return False

    remember = Remember()

    def on_window(window):
        window.installEventFilter(remember)

    assert run_app(FitzHughNagumoCable, screenshot=out, after=0.5, size=(900, 560),
                   on_first_frame=timings.append, on_window=on_window) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 560)
    assert timings and 0 < timings[0] < 60
    # The 3-D view is in the screenshot: its background, and at each segment's centre a colour of
    # the view's colour map (the values themselves move on while the session runs).
    pixels = _rgb(image).astype(float)
    x, y = where["background"]
    assert np.abs(pixels[y, x] - np.array(BACKGROUND) * 255).max() < 8
    table = color_table(where["map"]) * 255
    centres = np.round(where["centres"]).astype(int)
    inside = centres[(centres[:, 0] >= 0) & (centres[:, 0] < 900) & (centres[:, 1] >= 0) & (centres[:, 1] < 560)]
    assert len(inside) > 0.9 * len(centres)
    distance = np.array([np.abs(table - pixels[cy, cx]).max(axis=1).min() for cx, cy in inside])
    assert (distance < 60).mean() > 0.8, np.sort(distance)[-20:]


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


def test_screenshot_of_a_session_failing_before_its_scene_raises_its_error_and_writes_nothing(tmp_path):
    import cnv_qt_test_sessions

    from compneurovis.qt import ScreenshotError

    out = tmp_path / "never.png"
    before = {p.pid for p in _children()}
    # a timeout far above the worker's report: the session's own error must end the wait, not the timeout
    with pytest.raises(ScreenshotError, match=r"before its first Scene: ValueError: cell.swc, line 7: no soma on "
                                              r"purpose; no screenshot written"):
        run_app(cnv_qt_test_sessions.FailsBeforeScene, screenshot=out, after=0.1, timeout=300)
    assert not out.exists()
    assert [p for p in _children() if p.pid not in before] == []


def test_a_screenshot_is_of_the_sessions_own_scene_never_of_its_preview(tmp_path):
    import cnv_qt_test_sessions

    from compneurovis.core import is_preview
    from compneurovis.qt import ScreenshotError

    windows = []
    out = tmp_path / "own.png"
    assert run_app(cnv_qt_test_sessions.PreviewsFirst, screenshot=out, after=0.0, size=(320, 200),
                   on_window=windows.append) == 0
    assert out.exists() and not is_preview(windows[0].scene)
    out = tmp_path / "never.png"
    with pytest.raises(ScreenshotError, match=r"before its first Scene: ValueError: cell.swc, line 9: broken after its "
                                              r"preview; no screenshot written"):
        run_app(cnv_qt_test_sessions.FailsAfterPreview, screenshot=out, after=0.0, timeout=300)
    assert not out.exists()


def test_screenshot_without_a_scene_in_time_raises_and_writes_nothing(tmp_path):
    import cnv_qt_test_sessions

    from compneurovis.qt import ScreenshotError

    out = tmp_path / "never.png"
    with pytest.raises(ScreenshotError, match=r"no Scene arrived within 2 s; no screenshot written"):
        run_app(cnv_qt_test_sessions.NeverDraws, screenshot=out, timeout=2)
    assert not out.exists()


def test_screenshot_after_a_session_failure_shows_the_error_and_raises(tmp_path):
    import cnv_qt_test_sessions

    from compneurovis.qt import ScreenshotError

    out = tmp_path / "failed.png"
    seen = []
    # `after` far above the failure (third advance): the failure ends the wait
    with pytest.raises(ScreenshotError, match=r"the session failed: RuntimeError: boom.*failed.png shows the window"):
        run_app(cnv_qt_test_sessions.FailingCable, screenshot=out, after=300, size=(640, 400), on_window=seen.append)
    assert not seen[0].error_banner.isHidden() and "boom" in seen[0].error_banner.message
    assert QImage(str(out)).size().width() == 640


def test_screenshot_into_an_unwritable_place_fails_before_the_session_starts(tmp_path):
    from compneurovis.qt import ScreenshotError

    started = []
    with pytest.raises(ScreenshotError, match=r"cannot write the screenshot .*: it is a folder"):
        run_app(FitzHughNagumoCable, screenshot=tmp_path, on_window=started.append)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ScreenshotError, match=r"cannot write the screenshot .*a-file/x.png"):
        run_app(FitzHughNagumoCable, screenshot=blocker / "x.png", on_window=started.append)
    assert started == []  # refused before any window or worker


def test_screenshot_has_exactly_the_size_asked_even_below_the_windows_minimum(tmp_path):
    import cnv_qt_test_sessions  # noqa: F401 - the worker imports it

    out = tmp_path / "small.png"
    minimums = []

    def on_window(window):  # the window's minimum once its panels exist: the case this test is about
        window.firstFrame.connect(lambda *_: minimums.append(window.minimumSizeHint()))

    assert run_app(FitzHughNagumoCable, screenshot=out, after=0.2, size=(200, 150), on_window=on_window) == 0
    assert minimums and (minimums[0].width() > 200 or minimums[0].height() > 150)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (200, 150)
def test_run_app_without_a_display_draws_on_the_offscreen_platform(tmp_path):
    """No DISPLAY, no QT_QPA_PLATFORM: a window still opens (unseen), the 3-D panel draws offscreen."""
    import os

    script = tmp_path / "nodisplay.py"
    script.write_text(
        "import numpy as np\n"
        "from cnv_qt_scenes import make_scene\n"
        "from PyQt6.QtCore import QTimer\n"
        "from PyQt6.QtGui import QGuiApplication\n"
        "from compneurovis.qt import run_app\n"
        "from compneurovis.qt._offscreen_view import ImageView\n"
        "seen = []\n"
        "def on_window(window):\n"
        "    def look_then_close():\n"
        "        holder = window.views['m'].panel\n"
        "        seen.append((QGuiApplication.platformName(), type(holder._widget), holder.image().shape))\n"
        "        window.close()\n"
        "    QTimer.singleShot(500, look_then_close)\n"
        "assert run_app(make_scene(), on_window=on_window) == 0\n"
        "platform, widget, shape = seen[0]\n"
        "assert platform == 'offscreen' and widget is ImageView, seen\n"
        "assert shape[0] > 100 and shape[1] > 100, shape\n"
        "print('ok')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = os.pathsep.join([str(__import__("pathlib").Path(__file__).parent), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ok" in result.stdout
    assert "no display" in result.stderr  # the user is told the window is not shown
