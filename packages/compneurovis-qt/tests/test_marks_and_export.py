"""Axis marks drawn on trace plots (live patches and replayed recordings); the File menu's exports."""

import csv

import numpy as np
import pyqtgraph as pg
import pytest
from cnv_qt_scenes import make_scene
from PyQt6.QtCore import QPointF
from PyQt6.QtGui import QImage

from compneurovis.core import (
    AxisMark,
    DisplayFrame,
    Field,
    LinePlotViewSpec,
    PanelSpec,
    RecordingSession,
    ReplaySession,
    ScenePatch,
    SetControl,
    decode,
    encode,
)
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable
from compneurovis.qt import CompNeuroVisWindow
from compneurovis.qt._export_menu import CSV_ACTION_TEXT, NPZ_ACTION_TEXT
from compneurovis.qt._plot_marks import MARK_COLORS
from compneurovis.qt._trace_plot import TracePlot


def _infinite_lines(plot: TracePlot) -> list:
    return [i for i in plot.getPlotItem().items if isinstance(i, pg.InfiniteLine) and i.isVisible()]


def _trace(t_end: float, n: int = 400) -> Field:
    times = np.linspace(t_end - 40.0, t_end, n)
    return Field("h", np.sin(times / 3.0)[None, :], ("segment", "time"),
                 {"segment": np.array(["seg0"]), "time": times}, unit="mV")


def _mark_columns(plot: TracePlot, color: str) -> np.ndarray:
    """Pixel columns of the plot where many pixels have ``color`` (a dashed vertical line)."""
    image = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)  # bytes B, G, R, 255
    width, height = image.width(), image.height()
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    pixels = np.frombuffer(bits, np.uint8).reshape(height, image.bytesPerLine())[:, : width * 4]
    bgra = pixels.reshape(height, width, 4).astype(int)
    target = pg.mkColor(color)
    close = ((abs(bgra[..., 2] - target.red()) < 40) & (abs(bgra[..., 1] - target.green()) < 40)
             & (abs(bgra[..., 0] - target.blue()) < 40))
    return np.flatnonzero(close.sum(axis=0) > 0.25 * height)


def _pixel_x(plot: TracePlot, x: float) -> float:
    scene_point = plot.getPlotItem().vb.mapViewToScene(QPointF(x, 0.0))
    return plot.mapFromScene(scene_point).x()


def test_trace_plot_draws_one_line_per_mark_that_scrolls_with_sim_time(qtbot):
    marks = (AxisMark(x=12.5, label="stimulus = 0.3", kind="control"), AxisMark(x=30.0, label="kick", kind="action"))
    plot = TracePlot(LinePlotViewSpec(id="t", field_id="h", rolling_window=20.0, marks=marks))
    qtbot.addWidget(plot)
    plot.resize(640, 320)
    plot.show()
    qtbot.waitExposed(plot)
    assert [line.value() for line in plot.mark_lines.lines] == [12.5, 30.0]
    assert plot.mark_lines.label_texts() == ["stimulus = 0.3", "kick"]
    assert len(_infinite_lines(plot)) == 2
    plot.update_from(_trace(25.0), None)  # window 5..25: only the control mark is in view
    qtbot.wait(50)
    columns = _mark_columns(plot, MARK_COLORS["control"])
    assert columns.size and abs(columns.mean() - _pixel_x(plot, 12.5)) < 3
    first = columns.mean()
    plot.update_from(_trace(28.0), None)  # scrolled by 3 ms: the line moves left with its sim time
    qtbot.wait(50)
    columns = _mark_columns(plot, MARK_COLORS["control"])
    assert abs(columns.mean() - _pixel_x(plot, 12.5)) < 3
    assert columns.mean() < first - 40  # 3 of 20 ms across the plot
    plot.update_from(_trace(40.0), None)  # window 20..40: the control mark has scrolled out
    qtbot.wait(50)
    assert _mark_columns(plot, MARK_COLORS["control"]).size == 0
    assert _mark_columns(plot, MARK_COLORS["action"]).size
    assert [line.value() for line in plot.mark_lines.lines] == [12.5, 30.0]


def test_scene_patch_replaces_the_marks_of_a_window_plot(window, qtbot):
    marks = [AxisMark(x=0.05, label="a"), AxisMark(x=0.1, label="b", kind="reset"), AxisMark(x=0.15, label="c")]
    window.apply_updates([ScenePatch(views={"t": {"marks": marks}})])
    plot = window.views["t"].plot
    assert [line.value() for line in plot.mark_lines.lines] == [0.05, 0.1, 0.15]
    assert plot.mark_lines.label_texts() == ["a", "b", "c"]
    window.apply_updates([ScenePatch(views={"t": {"marks": [(0.2, "d {x}")]}})])
    assert [line.value() for line in _infinite_lines(plot)] == [0.2]
    assert plot.mark_lines.label_texts() == ["d {x}"]
    window.apply_updates([ScenePatch(views={"t": {"marks": [(float("inf"), "bad")]}})])
    assert window.error_banner.isVisible() and "finite" in window.error_banner.message
    assert [line.value() for line in _infinite_lines(plot)] == [0.2]
    qtbot.wait(50)  # let the 3-D view redraw after the banner resized it, before the window closes


def _record_fhn(path, frames=40, at=12, value=0.3):
    session = RecordingSession(FitzHughNagumoCable, path)
    session.initialize()
    times = []
    try:
        for k in range(frames):
            if k == at:
                session.handle(SetControl(control_id="stimulus", value=value))
            session.advance()
            times.append([u.sim_time for u in session.read_updates() if isinstance(u, DisplayFrame)][-1])
    finally:
        session.shutdown()
    return times


def _replay_window(qtbot, path, offscreen=False):
    replay = ReplaySession.from_recording(path, frame_interval=0.0)
    window = CompNeuroVisWindow(decode(encode(replay.initialize())), offscreen=offscreen)
    qtbot.addWidget(window)
    window.resize(1000, 650)
    window.show()
    qtbot.waitExposed(window)
    while replay.position < len(replay.frames):
        replay.advance()
        window.apply_updates(decode(encode(replay.read_updates())))
    window.render_due(force=True)
    return window


def test_replayed_recording_draws_its_control_change_on_the_trace_plot(qtbot, tmp_path):
    pytest.importorskip("h5py")
    path = tmp_path / "fhn.h5"
    times = _record_fhn(path)
    window = _replay_window(qtbot, path)
    plot = window.views["trace"].plot
    assert [line.value() for line in plot.mark_lines.lines] == [times[11]]
    assert plot.mark_lines.label_texts() == ["stimulus = 0.3"]
    x_lo, x_hi = plot.getPlotItem().viewRange()[0]
    assert x_lo <= times[11] <= x_hi


def _csv_rows(path):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], np.array(rows[1:], dtype=float)


def test_export_actions_write_the_clicked_traces_and_all_history(qtbot, tmp_path):
    session = FitzHughNagumoCable(max_samples=10_000)
    window = CompNeuroVisWindow(decode(encode(session.initialize())), send=session.handle)
    qtbot.addWidget(window)
    window.resize(1000, 650)
    window.show()
    qtbot.waitExposed(window)
    window.render_due(force=True)
    holder, renderer = window.views["morphology"].panel, window.views["morphology"].renderer
    geometry = window.scene.geometries["morphology"]
    for target in (60, 10):  # click two segments; the session starts their traces
        xy = renderer.world_to_display(geometry.centers[target:target + 1])[0]
        assert holder.click_at(xy[0], xy[1]) == target
        for _ in range(5):
            session.advance()
            window.apply_updates(decode(encode(session.read_updates())))
    clicked = [geometry.entity_ids[60], geometry.entity_ids[10]]
    assert window.clicked_entities == clicked
    history = window.scene.fields["segment_history"]
    traced = [str(e) for e in history.coord("segment")]
    assert set(clicked) <= set(traced) and len(traced) == 3  # the default trace too

    out = window.export_traces_csv(tmp_path / "traces.csv")
    assert out == tmp_path / "traces.csv" and not window.error_banner.isVisible()
    header, table = _csv_rows(out)
    assert header == ["time (ms)", *(f"{e} (a.u.)" for e in clicked)]
    np.testing.assert_array_equal(table[:, 0], history.coord("time"))
    np.testing.assert_array_equal(table[:, 1:], history.values[:, [traced.index(e) for e in clicked]])  # time-major

    out = window.export_history_npz(tmp_path / "history.npz")
    with np.load(out) as data:
        np.testing.assert_array_equal(data["segment_history"], history.values)
        np.testing.assert_array_equal(data["segment_history__time"], history.coord("time"))
        assert list(data["segment_history__segment"]) == traced
    assert window.menuBar().isVisible()
    texts = [a.text() for a in window.file_menu.actions() if not a.isSeparator()]
    assert texts == [CSV_ACTION_TEXT, NPZ_ACTION_TEXT, "Start recording…"]


def test_export_from_a_replay_window_equals_its_history(qtbot, tmp_path):
    pytest.importorskip("h5py")
    path = tmp_path / "fhn.h5"
    _record_fhn(path, frames=20)
    window = _replay_window(qtbot, path)
    history = window.scene.fields["segment_history"]
    assert history.values.shape[0] > 20  # time-major
    with np.load(window.export_history_npz(tmp_path / "replay.npz")) as data:
        np.testing.assert_array_equal(data["segment_history"], history.values)
        np.testing.assert_array_equal(data["segment_history__time"], history.coord("time"))
    window.clicked_entities.append("fhn.trunk[0]")  # the recorded default trace, as if clicked in the replay
    header, table = _csv_rows(window.export_traces_csv(tmp_path / "replay.csv"))
    assert header[1:] == ["fhn.trunk[0] (a.u.)"]
    np.testing.assert_array_equal(table[:, 1], history.values[:, 0])


def test_export_errors_go_to_the_banner(window, tmp_path, qtbot):
    assert window.export_traces_csv(tmp_path / "none.csv") is None  # nothing clicked
    assert window.error_banner.isVisible() and "click segments" in window.error_banner.message
    assert not (tmp_path / "none.csv").exists()
    window.clicked_entities.append("seg3")  # clicked, but not traced
    assert window.export_traces_csv(tmp_path / "none.csv") is None
    assert "no trace for the clicked segment(s) ['seg3']" in window.error_banner.message
    window.clicked_entities.append("seg0")
    assert window.export_traces_csv(tmp_path / "missing" / "t.csv") is None  # unwritable
    assert "No such file or directory" in window.error_banner.message
    assert window.export_traces_csv(tmp_path / "t.csv") == tmp_path / "t.csv"  # seg3 left out
    assert _csv_rows(tmp_path / "t.csv")[0] == ["time (ms)", "seg0 (mV)"]
    assert window.export_history_npz(tmp_path / "missing" / "h.npz") is None
    assert "Export of history failed" in window.error_banner.message
    qtbot.wait(50)  # let the 3-D view redraw after the banner resized it, before the window closes


def test_export_menu_reports_when_there_is_no_history(qtbot):
    scene = make_scene()
    del scene.views["t"]
    del scene.fields["history"]
    scene.panels["ptrace"] = PanelSpec(id="ptrace", kind="line_plot")
    window = CompNeuroVisWindow(scene)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    npz = next(a for a in window.file_menu.actions() if a.text() == NPZ_ACTION_TEXT)
    npz.trigger()  # nothing to export: the banner says so and no file dialog opens
    assert window.error_banner.isVisible() and "no traces" in window.error_banner.message
    csv_action = next(a for a in window.file_menu.actions() if a.text() == CSV_ACTION_TEXT)
    csv_action.trigger()
    assert window.error_banner.count == 2
    qtbot.wait(50)  # let the 3-D view redraw after the banner resized it, before the window closes


def test_offscreen_windows_hide_the_menu_bar(qtbot):
    window = CompNeuroVisWindow(offscreen=True)  # no Scene, so no VTK view
    qtbot.addWidget(window)
    window.show()
    assert window.menuBar().isHidden() and len([a for a in window.file_menu.actions() if not a.isSeparator()]) == 3
