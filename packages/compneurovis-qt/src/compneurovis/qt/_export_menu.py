"""The window's File menu: export the clicked segments' traces (CSV) or all history (NPZ); record.

The exports work on the Scene the window shows (live or replayed) through the
core's `export_csv` / `export_npz`; recording goes through `WindowRecording`.
A failure goes to the error banner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QFileDialog, QMenu

from compneurovis.core import LinePlotViewSpec, Scene, SceneError, export_csv, export_npz, history_fields

from ._window_recording import START_TEXT, STOP_TEXT

if TYPE_CHECKING:
    from ._window import CompNeuroVisWindow

CSV_ACTION_TEXT = "Export traces of clicked segments (CSV)…"
NPZ_ACTION_TEXT = "Export all history (NPZ)…"
RECORD_TOGGLE_TEXT = "Pause / resume the session's recording"


def trace_field_id(scene: Scene) -> str:
    """The history field whose traces the CSV holds: the first line plot's 2-D time field.

    Raises:
        SceneError: If the Scene has no 2-D field with a ``time`` dim.
    """
    traces = history_fields(scene)
    candidates = [v.field_id for v in scene.views.values() if isinstance(v, LinePlotViewSpec)]
    for fid in [*candidates, "segment_history", *traces]:
        if fid in traces:
            return fid
    raise SceneError("nothing to export: the scene holds no traces (no 2-D field with a 'time' dim)")


def _require_scene(window: CompNeuroVisWindow) -> Scene:
    if window.scene is None:
        raise SceneError("nothing to export: no scene is shown yet")
    return window.scene


def _clicked_traces(window: CompNeuroVisWindow, scene: Scene, field_id: str) -> list[str]:
    history = scene.fields[field_id]
    series_dim = next(d for d in history.dims if d != "time")
    traced = [str(e) for e in history.coord(series_dim)]
    if not window.clicked_entities:
        raise SceneError("nothing to export: click segments in a 3-D view first "
                         "(or use Export all history)")
    wanted = [e for e in window.clicked_entities if e in traced]
    if not wanted:
        raise SceneError(f"no trace for the clicked segment(s) {window.clicked_entities} in {field_id!r}; "
                         f"traced: {traced}")
    return wanted


def _default_name(window: CompNeuroVisWindow, suffix: str) -> str:
    title = window.scene.title if window.scene is not None else "compneurovis"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower() or "compneurovis"
    return f"{slug}-{suffix}"


def _ask_path(window: CompNeuroVisWindow, caption: str, name: str, pattern: str) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(window, caption, str(Path.cwd() / name), pattern)
    return Path(chosen) if chosen else None


def _failed(window: CompNeuroVisWindow, what: str, exc: Exception) -> None:
    window.error_banner.show_error(f"Export of {what} failed: {exc}")


def _run(window: CompNeuroVisWindow, what: str, write: Callable[[], Path]) -> Path | None:
    try:
        out = write()
    except (SceneError, OSError, ValueError) as exc:
        _failed(window, what, exc)
        return None
    window.statusBar().showMessage(f"Exported {what} to {out}", 8000)
    return out


def _target(window: CompNeuroVisWindow, path: str | Path | None, title: str, name: str, filters: str) -> Path | None:
    """``path``, or the file the user picks in a save dialog (``None`` if cancelled)."""
    if path is None:
        path = _ask_path(window, title, _default_name(window, name), filters)
    return None if path is None else Path(path)


def export_traces_csv(window: CompNeuroVisWindow, path: str | Path | None = None) -> Path | None:
    """Write the clicked segments' traces (oldest click first) to a CSV file.

    Args:
        window: The window whose Scene and clicks are exported.
        path: The file; ``None`` asks with a save dialog (not shown when there is nothing to export).

    Returns:
        The file written, or ``None`` if cancelled or failed (the error banner says why).
    """
    try:
        scene = _require_scene(window)
        field_id = trace_field_id(scene)
        entities = _clicked_traces(window, scene, field_id)
    except SceneError as exc:
        _failed(window, "traces", exc)
        return None
    target = _target(window, path, "Export traces of clicked segments", "traces.csv",
                     "CSV files (*.csv);;All files (*)")
    if target is None:
        return None
    return _run(window, "traces", lambda: export_csv(scene, target, field_id=field_id, entity_ids=entities))


def export_history_npz(window: CompNeuroVisWindow, path: str | Path | None = None) -> Path | None:
    """Write every history field of the window's Scene, with its coordinates, to one NPZ file.

    Args:
        window: The window whose Scene is exported.
        path: The file; ``None`` asks with a save dialog (not shown when there is nothing to export).

    Returns:
        The file written, or ``None`` if cancelled or failed (the error banner says why).
    """
    try:
        scene = _require_scene(window)
        trace_field_id(scene)  # some history to write, before asking where
    except SceneError as exc:
        _failed(window, "history", exc)
        return None
    target = _target(window, path, "Export all history", "history.npz", "NumPy archives (*.npz);;All files (*)")
    if target is None:
        return None
    return _run(window, "history", lambda: export_npz(scene, target))


def start_recording(window: CompNeuroVisWindow, path: str | Path | None = None) -> Path | None:
    """Start the window's own recording to ``path`` (``None``: ask with a save dialog).

    Returns:
        The file, or ``None`` if cancelled or failed (the error banner says why).
    """
    if window.scene is None:
        window.error_banner.show_error("nothing to record: no scene is shown yet")
        return None
    target = _target(window, path, "Record to", "recording.cnvrec",
                     "CompNeuroVis recordings (*.cnvrec);;All files (*)")
    return None if target is None else window.recording.start(target)


def _record_action_text(window: CompNeuroVisWindow) -> str:
    if window.recording.worker_records():
        return RECORD_TOGGLE_TEXT
    return STOP_TEXT if window.recording.active else START_TEXT


def _record_triggered(window: CompNeuroVisWindow) -> None:
    if window.recording.worker_records() or window.recording.active:
        window.recording.toggle()
    else:
        window.start_recording()


def install_export_menu(window: CompNeuroVisWindow) -> QMenu:
    """Add a File menu with the two export actions and the recording toggle to ``window``'s menu bar."""
    menu = window.menuBar().addMenu("&File")
    csv_action = QAction(CSV_ACTION_TEXT, window)
    csv_action.triggered.connect(lambda: window.export_traces_csv())
    npz_action = QAction(NPZ_ACTION_TEXT, window)
    npz_action.triggered.connect(lambda: window.export_history_npz())
    menu.addAction(csv_action)
    menu.addAction(npz_action)
    menu.addSeparator()
    record_action = QAction(START_TEXT, window)
    record_action.triggered.connect(lambda: _record_triggered(window))
    menu.addAction(record_action)
    menu.aboutToShow.connect(lambda: record_action.setText(_record_action_text(window)))
    return menu
