"""The window's File menu: export the clicked segments' traces (CSV) or all history (NPZ); record.

The exports work on the Scene the window shows (live or replayed) through the
core's `export_csv` / `export_npz`; recording goes through `WindowRecording`.
A failure goes to the error banner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QFileDialog, QMenu, QMenuBar

from compneurovis.core import LinePlotViewSpec, Scene, SceneError, export_csv, export_npz, history_fields

from ._window_hooks import WindowHooks
from ._window_recording import START_TEXT, STOP_TEXT, WindowRecording

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


def _require_scene(hooks: WindowHooks) -> Scene:
    scene = hooks.scene()
    if scene is None:
        raise SceneError("nothing to export: no scene is shown yet")
    return scene


def _clicked_traces(hooks: WindowHooks, scene: Scene, field_id: str) -> list[str]:
    history = scene.fields[field_id]
    series_dim = next(d for d in history.dims if d != "time")
    traced = [str(e) for e in history.coord(series_dim)]
    clicked = hooks.clicked()
    if not clicked:
        raise SceneError("nothing to export: click segments in a 3-D view first "
                         "(or use Export all history)")
    wanted = [e for e in clicked if e in traced]
    if not wanted:
        raise SceneError(f"no trace for the clicked segment(s) {clicked} in {field_id!r}; "
                         f"traced: {traced}")
    return wanted


def _default_name(hooks: WindowHooks, suffix: str) -> str:
    scene = hooks.scene()
    title = scene.title if scene is not None else "compneurovis"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower() or "compneurovis"
    return f"{slug}-{suffix}"


def _ask_path(hooks: WindowHooks, caption: str, name: str, pattern: str) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(hooks.parent, caption, str(Path.cwd() / name), pattern)
    return Path(chosen) if chosen else None


def _failed(hooks: WindowHooks, what: str, exc: Exception) -> None:
    hooks.report_error(f"Export of {what} failed: {exc}")


def _run(hooks: WindowHooks, what: str, write: Callable[[], Path]) -> Path | None:
    try:
        out = write()
    except (SceneError, OSError, ValueError) as exc:
        _failed(hooks, what, exc)
        return None
    hooks.show_message(f"Exported {what} to {out}")
    return out


def _target(hooks: WindowHooks, path: str | Path | None, title: str, name: str, filters: str) -> Path | None:
    """``path``, or the file the user picks in a save dialog (``None`` if cancelled)."""
    if path is None:
        path = _ask_path(hooks, title, _default_name(hooks, name), filters)
    return None if path is None else Path(path)


def export_traces_csv(hooks: WindowHooks, path: str | Path | None = None) -> Path | None:
    """Write the clicked segments' traces (oldest click first) to a CSV file.

    Args:
        hooks: The window's Scene and clicks.
        path: The file; ``None`` asks with a save dialog (not shown when there is nothing to export).

    Returns:
        The file written, or ``None`` if cancelled or failed (the error banner says why).
    """
    try:
        scene = _require_scene(hooks)
        field_id = trace_field_id(scene)
        entities = _clicked_traces(hooks, scene, field_id)
    except SceneError as exc:
        _failed(hooks, "traces", exc)
        return None
    target = _target(hooks, path, "Export traces of clicked segments", "traces.csv",
                     "CSV files (*.csv);;All files (*)")
    if target is None:
        return None
    return _run(hooks, "traces", lambda: export_csv(scene, target, field_id=field_id, entity_ids=entities))


def export_history_npz(hooks: WindowHooks, path: str | Path | None = None) -> Path | None:
    """Write every history field of the window's Scene, with its coordinates, to one NPZ file.

    Args:
        hooks: The window's Scene.
        path: The file; ``None`` asks with a save dialog (not shown when there is nothing to export).

    Returns:
        The file written, or ``None`` if cancelled or failed (the error banner says why).
    """
    try:
        scene = _require_scene(hooks)
        trace_field_id(scene)  # some history to write, before asking where
    except SceneError as exc:
        _failed(hooks, "history", exc)
        return None
    target = _target(hooks, path, "Export all history", "history.npz", "NumPy archives (*.npz);;All files (*)")
    if target is None:
        return None
    return _run(hooks, "history", lambda: export_npz(scene, target))


def start_recording(hooks: WindowHooks, recording: WindowRecording, path: str | Path | None = None) -> Path | None:
    """Start the window's own recording to ``path`` (``None``: ask with a save dialog).

    Returns:
        The file, or ``None`` if cancelled or failed (the error banner says why).
    """
    if hooks.scene() is None:
        hooks.report_error("nothing to record: no scene is shown yet")
        return None
    target = _target(hooks, path, "Record to", "recording.cnvrec",
                     "CompNeuroVis recordings (*.cnvrec);;All files (*)")
    return None if target is None else recording.start(target)


def _record_action_text(recording: WindowRecording) -> str:
    if recording.worker_records():
        return RECORD_TOGGLE_TEXT
    return STOP_TEXT if recording.active else START_TEXT


def _record_triggered(hooks: WindowHooks, recording: WindowRecording) -> None:
    if recording.worker_records() or recording.active:
        recording.toggle()
    else:
        start_recording(hooks, recording)


def install_export_menu(menu_bar: QMenuBar, hooks: WindowHooks, recording: WindowRecording) -> QMenu:
    """Add a File menu with the two export actions and the recording toggle to ``menu_bar``."""
    menu = menu_bar.addMenu("&File")
    assert menu is not None
    parent = hooks.parent
    csv_action = QAction(CSV_ACTION_TEXT, parent)
    csv_action.triggered.connect(lambda: export_traces_csv(hooks))
    npz_action = QAction(NPZ_ACTION_TEXT, parent)
    npz_action.triggered.connect(lambda: export_history_npz(hooks))
    menu.addAction(csv_action)
    menu.addAction(npz_action)
    menu.addSeparator()
    record_action = QAction(START_TEXT, parent)
    record_action.triggered.connect(lambda: _record_triggered(hooks, recording))
    menu.addAction(record_action)
    menu.aboutToShow.connect(lambda: record_action.setText(_record_action_text(recording)))
    return menu
