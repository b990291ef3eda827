"""`CompNeuroVisWindow`: panels from a Scene's layout, every update applied in place."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QImage, QKeyEvent, QKeySequence, QPainter, QShortcut
from PyQt6.QtWidgets import QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    LayoutReplace,
    LinePlotViewSpec,
    MorphologyGeometry,
    MorphologyViewSpec,
    PanelPatch,
    PanelSpec,
    Scene,
    SceneError,
    ScenePatch,
    SceneReady,
    SessionCommand,
    SessionUpdate,
    StatePatch,
    Status,
)

from . import _export_menu
from ._controls_panel import ControlsPanel
from ._error_banner import ErrorBanner
from ._pacing import FramePacer
from ._panels import apply_column_sizes, build_panel
from ._theme import apply_theme
from ._timings import TimingStats
from ._trace_plot import TracePlot
from ._view3d_panel import View3DPanel, to_qimage
from ._vtk_morphology import MorphologyRenderer
from ._window_recording import WindowRecording

log = logging.getLogger("compneurovis.qt")

_MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                  Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock}


class CompNeuroVisWindow(QMainWindow):
    """The main window: 3-D views, line plots and controls laid out as the Scene says.

    Args:
        scene: The Scene to show first, or ``None`` to wait for a `SceneReady`.
        send: Where commands go (e.g. ``transport.send``); ``None`` drops them.
        offscreen: Render 3-D views offscreen (no display or OpenGL widget needed).
        theme: ``"dark"`` (default) or ``"light"``.
        show_timings: Show sim ms per wall second and display latency in the
            status bar (F2 toggles it).
    """

    #: Emitted once, with seconds since the window was created, after the first 3-D frame.
    firstFrame = pyqtSignal(float)

    def __init__(self, scene: Scene | None = None, *, send: Callable[[SessionCommand], None] | None = None,
                 offscreen: bool = False, theme: str = "dark", show_timings: bool = False) -> None:
        super().__init__()
        self.created_at = time.monotonic()
        self.first_frame_seconds: float | None = None
        self.sink = send
        self.offscreen = offscreen
        self.scene: Scene | None = None
        self.sim_time: float | None = None
        self.panels: dict[str, QWidget] = {}
        self.views: dict[str, Any] = {}  # view id -> (View3DPanel, renderer) or TracePlot
        self.render_counts: dict[str, int] = {}
        #: Simulation rate and display latency (always measured; shown when `show_timings`).
        self.timings = TimingStats()
        self.show_timings = show_timings
        self._produced_at: dict[str, float] = {}  # 3-D view id -> produced_at of the frame to draw
        self._dirty: set[str] = set()
        self._last_draw: dict[str, float] = {}
        #: Draw cost per view; keeps one event-loop step short (see `render_due`).
        self.pacer = FramePacer()
        self._shortcuts: list[QShortcut] = []
        self.status_text = ""
        self.selection_text = ""
        #: Entities clicked in any 3-D view, oldest first (their traces are drawn first).
        self.clicked_entities: list[str] = []
        apply_theme(self, theme)
        central = QWidget()
        self._column = QVBoxLayout(central)
        self._column.setContentsMargins(4, 4, 4, 0)
        self.error_banner = ErrorBanner()
        self._column.addWidget(self.error_banner)
        self._body: QSplitter | None = None
        #: Shown until the first Scene arrives (a session may take a while to build its model).
        self.waiting_label = QLabel("Starting the session…\n(building the model; the first start of "
                                    "a compiled one can take a while)")
        self.waiting_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting_label.setEnabled(False)  # the theme's dimmed text colour
        self._column.addWidget(self.waiting_label, 1)
        self._weights: tuple[float, ...] = ()
        self._sized = False
        self.setCentralWidget(central)
        self._status_label = QLabel()
        self.statusBar().addWidget(self._status_label, 1)
        self.setWindowTitle("CompNeuroVis")
        #: The window's own recording (File menu), for sessions that do not record themselves.
        self.recording = WindowRecording(self)
        #: File menu: export the clicked segments' traces (CSV) or all history (NPZ); record.
        self.file_menu = _export_menu.install_export_menu(self)
        self.menuBar().setVisible(not offscreen)  # no menu bar in screenshots and movies
        if scene is not None:
            self.set_scene(scene)

    # ------------------------------------------------------------ commands

    def send(self, command: SessionCommand) -> None:
        """Send ``command`` to the session (through the sink)."""
        self.recording.command(command)
        if self.sink is not None:
            self.sink(command)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        """Send keys no shortcut claimed to the session as `KeyPressed` (F2 toggles timings)."""
        if event is None or event.key() in _MODIFIER_KEYS or event.isAutoRepeat():
            return
        key = QKeySequence(event.keyCombination()).toString()
        if key == "R":  # reset the camera of every 3-D view (unless an action claims R)
            self.reset_cameras()
        elif key == "F2":
            self.set_show_timings(not self.show_timings)
        elif key:
            self.send(KeyPressed(key=key))

    def set_show_timings(self, show: bool) -> None:
        """Show (or hide) sim rate and display latency in the status bar."""
        self.show_timings = show
        self._show_status()

    def reset_cameras(self) -> None:
        """Frame every 3-D view's whole content again."""
        for entry in self.views.values():
            if isinstance(entry, tuple):
                entry[0].reset_camera()

    def export_traces_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the clicked segments' traces to CSV (``None``: ask where); errors go to the banner."""
        return _export_menu.export_traces_csv(self, path)

    def export_history_npz(self, path: str | Path | None = None) -> Path | None:
        """Write all history fields to NPZ (``None``: ask where); errors go to the banner."""
        return _export_menu.export_history_npz(self, path)

    def start_recording(self, path: str | Path | None = None) -> Path | None:
        """Record what the window shows from now on to an HDF5 file (``None``: ask where).

        The file starts with the current Scene and gets every update the
        window applies and every command it sends, until `stop_recording` or
        the window closes. Returns the file, or ``None`` (cancelled, or the
        error banner says why).
        """
        return _export_menu.start_recording(self, path)

    def stop_recording(self) -> Path | None:
        """Finish the window's recording; return its file (``None`` if none was running)."""
        return self.recording.stop()

    # --------------------------------------------------------------- scene

    def set_scene(self, scene: Scene) -> None:
        """Show ``scene`` (replacing everything shown)."""
        self.scene = scene
        self.setWindowTitle(scene.title)
        self.waiting_label.hide()
        self._rebuild()

    def _rebuild(self) -> None:
        """Build every panel of the layout from the Scene."""
        scene = self.scene
        assert scene is not None
        self._clear_panels()
        layout = scene.layout
        if layout is None:
            first = tuple(p for p in scene.panels if scene.panels[p].kind == "view_3d")
            rest = tuple(p for p in scene.panels if p not in first)
            columns: tuple[tuple[str, ...], ...] = tuple(c for c in (first, rest) if c)
            weights: tuple[float, ...] = (3.0, 2.0)[:len(columns)]
        else:
            columns, weights = layout.columns, layout.column_weights
        body = QSplitter(Qt.Orientation.Horizontal)
        body.setChildrenCollapsible(False)
        for column in columns:
            stack = QSplitter(Qt.Orientation.Vertical)
            stack.setChildrenCollapsible(False)
            stretches = []
            for pid in column:
                panel = scene.panels.get(pid)
                if panel is None or not panel.visible:
                    continue
                if panel.kind == "controls" and not panel.control_ids and not panel.action_ids:
                    continue  # nothing to show
                widget = self._build_panel(panel)
                self.panels[pid] = widget
                stack.addWidget(widget)
                stretches.append(1 if panel.kind == "controls" else 3)
            for i, s in enumerate(stretches):
                stack.setStretchFactor(i, s)
            if stretches:
                body.addWidget(stack)
        weights = tuple(weights[:body.count()]) + (1.0,) * max(0, body.count() - len(weights))
        for i, w in enumerate(weights):
            body.setStretchFactor(i, max(1, round(w * 10)))
        self._weights = weights
        self._body = body
        self._column.addWidget(body, 1)
        self._apply_sizes()
        self._rebuild_shortcuts()
        self._dirty = set(self.views)
        self.pacer.forget()
        self._show_status()

    def _apply_sizes(self) -> None:
        if self._body is not None:
            apply_column_sizes(self._body, self._weights, self.width(), self.height())

    def resizeEvent(self, event: Any) -> None:
        """Keep the panel proportions of the layout when the window is resized."""
        super().resizeEvent(event)
        if not self._sized and self._body is not None:
            self._apply_sizes()

    def showEvent(self, event: Any) -> None:
        """Apply the layout's column weights once the window has its real size."""
        super().showEvent(event)
        if not self._sized:
            self._apply_sizes()
            self._sized = True

    def _clear_panels(self) -> None:
        for entry in self.views.values():
            if isinstance(entry, tuple):
                entry[0].finalize()
        self.views.clear()
        self.panels.clear()
        if self._body is not None:
            self._column.removeWidget(self._body)
            self._body.hide()
            self._body.deleteLater()
            self._body = None

    def _build_panel(self, panel: PanelSpec) -> QWidget:
        assert self.scene is not None
        widget, views = build_panel(self.scene, panel, offscreen=self.offscreen, send=self.send,
                                    on_pick=self._picked)
        self.views.update(views)
        for vid, entry in views.items():
            if isinstance(entry, TracePlot):
                self._time_paints(vid, entry)
        return widget

    def _time_paints(self, view_id: str, plot: TracePlot) -> None:
        """Count a plot's paint (which Qt runs after the draw call) in its draw cost."""
        plot.on_paint = lambda seconds: self.pacer.record(view_id, seconds, "paint")

    def _replace_panel(self, panel_id: str) -> None:
        """Rebuild one panel in place (e.g. controls after a patch)."""
        assert self.scene is not None
        old = self.panels[panel_id]
        holder = old.parentWidget()
        new = self._build_panel(self.scene.panels[panel_id])
        if isinstance(holder, QSplitter):
            holder.replaceWidget(holder.indexOf(old), new)
        old.hide()
        old.deleteLater()
        self.panels[panel_id] = new

    def _rebuild_shortcuts(self) -> None:
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._shortcuts = []
        assert self.scene is not None
        for action in self.scene.actions.values():
            for key in action.shortcuts:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(
                    lambda a=action: self.send(_invoke(a.id, a.payload)))
                self._shortcuts.append(shortcut)

    # ------------------------------------------------------------- updates

    def apply_updates(self, updates: Iterable[SessionUpdate]) -> None:
        """Apply updates in order; one that does not fit shows an error and is skipped."""
        applied = []
        for update in updates:
            try:
                self.apply_update(update)
            except SceneError as exc:
                log.warning("update %s rejected: %s", type(update).__name__, exc)
                self.error_banner.show_error(f"{type(update).__name__} rejected: {exc}")
            else:
                applied.append(update)
        self.recording.updates(applied)

    def apply_update(self, update: SessionUpdate) -> None:
        """Apply one update to the Scene and to the widgets showing it.

        Raises:
            SceneError: If the update does not fit the Scene.
        """
        if isinstance(update, SceneReady):
            self.set_scene(update.scene)
            return
        if isinstance(update, Error):
            self.error_banner.show_error(update.message, update.traceback, fatal=update.fatal)
            log.error("session error: %s", update.message)
        if self.scene is None:
            if isinstance(update, Status):
                self.status_text = update.message
                self._show_status()
            return
        self.scene.apply(update)
        if isinstance(update, DisplayFrame | FieldReplace | FieldAppend):
            if update.sim_time is not None:
                self.sim_time = update.sim_time
                self.timings.on_sim_time(update.sim_time)
            views = self._views_of_field(update.field_id)
            if isinstance(update, DisplayFrame) and update.produced_at is not None:
                for vid in views:
                    if isinstance(self.views[vid], tuple):
                        self._produced_at[vid] = update.produced_at
            self._dirty.update(views)
        elif isinstance(update, StatePatch):
            for panel in self.panels.values():
                if isinstance(panel, ControlsPanel):
                    panel.set_state(update.values)
        elif isinstance(update, ScenePatch):
            self.setWindowTitle(self.scene.title)
            if update.controls:
                for pid, panel in list(self.panels.items()):
                    if isinstance(panel, ControlsPanel):
                        self._replace_panel(pid)
            for vid in update.views:
                self._reconfigure(vid)
        elif isinstance(update, PanelPatch) and set(update.changes) <= {"control_ids", "action_ids", "title"} \
                and isinstance(self.panels.get(update.panel_id), ControlsPanel):
            self._replace_panel(update.panel_id)  # the 3-D views keep their cameras
        elif isinstance(update, PanelPatch | LayoutReplace):
            self._rebuild()
        elif isinstance(update, Status):
            self.status_text = update.message
            if update.sim_time is not None:
                self.sim_time = update.sim_time
            self._show_status()

    def _views_of_field(self, field_id: str) -> list[str]:
        assert self.scene is not None
        out = []
        for vid, spec in self.scene.views.items():
            used = getattr(spec, "color_field_id", None) or getattr(spec, "field_id", None)
            if used == field_id and vid in self.views:
                out.append(vid)
        return out

    def _reconfigure(self, view_id: str) -> None:
        assert self.scene is not None
        spec = self.scene.views[view_id]
        entry = self.views.get(view_id)
        if entry is None:
            return
        if isinstance(spec, LinePlotViewSpec):
            entry.configure(spec)
        elif isinstance(spec, MorphologyViewSpec):
            renderer: MorphologyRenderer = entry[1]
            if renderer.geometry is not self.scene.geometries[spec.geometry_id]:
                self._rebuild()
                return
            renderer.set_color_map(spec.color_map)
            renderer.scale.configure(spec.color_limits, spec.color_norm)
            renderer.set_title(spec.title)
        else:
            self._rebuild()
            return
        self._dirty.add(view_id)

    def _show_status(self) -> None:
        parts = []
        if self.sim_time is not None:
            parts.append(f"t = {self.sim_time:.2f} ms")
        if self.status_text:
            parts.append(self.status_text)
        if self.selection_text:
            parts.append(self.selection_text)
        if self.show_timings:
            parts.append(self.timings.text())
        self._status_label.setText("   |   ".join(parts))

    # ------------------------------------------------------------- picking

    def _picked(self, view_id: str, index: int | None) -> None:
        renderer = self.views[view_id][1]
        if not isinstance(renderer, MorphologyRenderer):
            return
        renderer.select(index)
        if index is None:
            self.selection_text = ""
            renderer.set_info("")
        else:
            geometry: MorphologyGeometry = renderer.geometry
            entity = geometry.entity_ids[index]
            self.selection_text = f"Selected: {geometry.labels[index]}"
            if entity in self.clicked_entities:
                self.clicked_entities.remove(entity)
            self.clicked_entities.append(entity)
            for vid, other in self.views.items():
                if isinstance(other, TracePlot):
                    self._dirty.add(vid)
            renderer.set_info(self.selection_text)
            self.send(EntityClicked(entity_id=entity, view_id=view_id))
        self._show_status()
        self._dirty.add(view_id)
        self.render_due(force=True)

    # ----------------------------------------------------------- rendering

    def mark_dirty(self, view_id: str | None = None) -> None:
        """Mark one view (or all) for redraw."""
        self._dirty.update([view_id] if view_id else self.views)

    def render_due(self, *, now: float | None = None, force: bool = False) -> list[str]:
        """Redraw dirty views that are due; return the ids drawn.

        A view is due once its ``max_refresh_hz`` allows, or later when its
        draws are slow (`FramePacer.interval`). Due views are drawn most
        overdue first while they fit into the pacer's budget; the rest wait for
        the next call, so a 3-D draw and a plot repaint that together would
        stall the event loop go to different steps. ``force`` draws every
        dirty view now.
        """
        if self.scene is None:
            return []
        now = time.monotonic() if now is None else now
        due: list[tuple[float, str, Any, float]] = []
        for vid in list(self._dirty):
            spec = self.scene.views.get(vid)
            if spec is None or vid not in self.views:
                self._dirty.discard(vid)
                continue
            cap = 1.0 / spec.max_refresh_hz if spec.max_refresh_hz > 0 else 0.0
            interval = self.pacer.interval(vid, cap)
            waited = now - self._last_draw.get(vid, -1e9)
            if not force and waited < interval:
                continue
            due.append((waited / interval if interval > 0 else float("inf"), vid, spec, interval))
        due.sort(key=lambda item: -item[0])
        drawn = []
        spent = 0.0
        for _, vid, spec, interval in due:
            if vid not in self.views:
                continue  # an earlier draw's signal (firstFrame) closed or rebuilt the window
            if not force and not self.pacer.fits(vid, spent):
                continue
            start = time.perf_counter()
            self._draw(vid, spec)
            took = time.perf_counter() - start
            self.pacer.record(vid, took)
            spent += took + self.pacer.cost(vid, "paint")  # a plot paints after this call
            self._dirty.discard(vid)
            # Keep the phase: the timer ticks every few ms, so "now" is up to a tick late, and
            # restarting the interval from it would draw at a fraction of the cap (25/s for 30).
            last = self._last_draw.get(vid)
            on_time = last is not None and not force and now - last < 2 * interval
            self._last_draw[vid] = last + interval if on_time else now  # type: ignore[operator]
            self.render_counts[vid] = self.render_counts.get(vid, 0) + 1
            drawn.append(vid)
        self._show_status()
        return drawn

    def _draw(self, view_id: str, spec: Any) -> None:
        assert self.scene is not None
        entry = self.views[view_id]
        if isinstance(spec, LinePlotViewSpec):
            geometry = self.scene.geometries.get(spec.geometry_id) if spec.geometry_id else None
            entry.update_from(self.scene.fields[spec.field_id],
                              geometry if isinstance(geometry, MorphologyGeometry) else None,
                              preferred=self.clicked_entities[::-1])
            return
        holder, renderer = entry
        field_id = spec.color_field_id if isinstance(spec, MorphologyViewSpec) else spec.field_id
        renderer.set_values(self.scene.fields[field_id].values)
        if isinstance(renderer, MorphologyRenderer) and self.sim_time is not None:
            info = f"t = {self.sim_time:.1f} ms"
            renderer.set_info(f"{self.selection_text}    {info}" if self.selection_text else info)
        holder.render()
        produced_at = self._produced_at.pop(view_id, None)
        if produced_at is not None:
            self.timings.on_frame_shown(produced_at)
        if self.first_frame_seconds is None:
            self.first_frame_seconds = time.monotonic() - self.created_at
            log.info("first 3-D frame after %.3f s", self.first_frame_seconds)
            self.firstFrame.emit(self.first_frame_seconds)

    # ---------------------------------------------------------- screenshot

    def grab_image(self) -> QImage:
        """The whole window as an image, with each 3-D view's OpenGL content painted in."""
        self.render_due(force=True)
        image = self.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        painter = QPainter(image)
        ratio = image.devicePixelRatio() or 1.0
        for entry in self.views.values():
            if isinstance(entry, tuple):
                holder: View3DPanel = entry[0]
                if not holder.isVisible():
                    continue
                pixels = holder.image()
                top_left = holder.mapTo(self, holder.rect().topLeft())
                target = holder.rect().translated(top_left)
                painter.drawImage(target, to_qimage(pixels))
        painter.end()
        image.setDevicePixelRatio(ratio)
        return image

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Finish a running recording and release the VTK views before the window closes."""
        self.recording.stop()
        self._clear_panels()
        super().closeEvent(event)


def _invoke(action_id: str, payload: dict[str, Any]) -> SessionCommand:
    return InvokeAction(action_id=action_id, payload=dict(payload))
