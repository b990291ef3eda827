"""`CompNeuroVisWindow`: composes the layout, the view drawings, the render scheduler and the selection.

The window never asks which kind of view it shows: every view is drawn by the
class registered for its spec type (`register_view`), panels come from
`_panels`, redraws are paced by `RenderScheduler`, picks go to `Selection`,
and each update type has one handler in `_UPDATE_HANDLERS`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QImage, QKeyEvent, QKeySequence, QPainter, QShortcut
from PyQt6.QtWidgets import QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from compneurovis.core import (
    EntityClicked,
    InvokeAction,
    KeyPressed,
    PanelSpec,
    Scene,
    SceneError,
    SessionCommand,
    SessionUpdate,
    is_preview,
)

from . import _export_menu
from ._controls_panel import ControlsPanel
from ._error_banner import ErrorBanner
from ._pacing import FramePacer
from ._panels import apply_column_sizes, build_body, build_panel
from ._render_scheduler import RenderScheduler
from ._resolution_menu import install_resolution_action
from ._scene_swap import same_structure
from ._selection import Selection
from ._theme import apply_theme
from ._timings import TimingStats
from ._view3d_panel import to_qimage
from ._view_menu import install_view_menu
from ._view_registry import ViewContext, ViewDrawing
from ._view_set import ViewSet
from ._window_hooks import WindowHooks
from ._window_recording import WindowRecording
from ._window_updates import handler_for

log = logging.getLogger("compneurovis.qt")

_MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                  Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock}


class CompNeuroVisWindow(QMainWindow):
    """The main window: views, line plots and controls laid out as the Scene says.

    Args:
        scene: The Scene to show first, or ``None`` to wait for a `SceneReady`.
        send: Where commands go (e.g. ``transport.send``); ``None`` drops them.
        offscreen: Render 3-D views offscreen (no display or OpenGL widget needed).
        theme: ``"dark"`` (default) or ``"light"``.
        show_timings: Show sim ms per wall second and display latency in the
            status bar (F2 toggles it).
        adaptive_resolution: Let 3-D views draw live frames at a reduced
            resolution when they are slow (View menu; see `set_adaptive_resolution`).
    """

    #: Emitted once, with seconds since the window was created, after the first 3-D frame.
    firstFrame = pyqtSignal(float)

    def __init__(self, scene: Scene | None = None, *, send: Callable[[SessionCommand], None] | None = None,
                 offscreen: bool = False, theme: str = "dark", show_timings: bool = False,
                 adaptive_resolution: bool = True) -> None:
        super().__init__()
        self.created_at = time.monotonic()
        self.first_frame_seconds: float | None = None
        self.sink = send
        self.offscreen = offscreen
        self.scene: Scene | None = None
        #: Whether the Scene shown is a preview (`is_preview` when it arrived), not yet the session's own.
        self.showing_preview = False
        self.sim_time: float | None = None
        self.panels: dict[str, QWidget] = {}
        #: Simulation rate and display latency (always measured; shown when `show_timings`).
        self.timings = TimingStats()
        self.show_timings = show_timings
        #: Which views to draw when (capped per view, paced per step).
        self.scheduler = RenderScheduler()
        #: Entities picked in any view, oldest first (their traces are drawn first).
        self.selection = Selection()
        self.context = ViewContext(offscreen=offscreen, selection=self.selection, picked=self._picked,
                                   paint_cost=lambda vid, s: self.scheduler.pacer.record(vid, s, "paint"),
                                   apply=lambda updates: self.apply_updates(updates),
                                   adaptive_resolution=adaptive_resolution)
        self._shortcuts: list[QShortcut] = []
        self.status_text = ""
        apply_theme(self, theme)
        central = QWidget()
        self._column = QVBoxLayout(central)
        self._column.setContentsMargins(4, 4, 4, 0)
        self.error_banner = ErrorBanner()
        #: The views' drawings; a drawing that raises is shown once in the banner and stops.
        self.view_set = ViewSet(self.scheduler, lambda message, trace: self.error_banner.show_error(message, trace))
        #: The drawing of each view shown (view id to its `ViewDrawing`).
        self.views: dict[str, ViewDrawing] = self.view_set.drawings
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
        self.hooks = WindowHooks(scene=lambda: self.scene, clicked=lambda: list(self.selection.clicked),
                                 send=self.send, report_error=self.error_banner.show_error,
                                 show_message=lambda text: self.statusBar().showMessage(text, 8000), parent=self)
        #: The window's own recording (File menu), for sessions that do not record themselves.
        self.recording = WindowRecording(self.hooks)
        #: File menu: export the clicked segments' traces (CSV) or all history (NPZ); record.
        self.file_menu = _export_menu.install_export_menu(self.menuBar(), self.hooks, self.recording)
        #: View menu: colour a morphology by its categories or its live field.
        self.view_menu = install_view_menu(self.menuBar(), lambda: self.scene, self.apply_updates)
        #: View menu switch: reduced-resolution live frames in the 3-D views.
        self.resolution_action = install_resolution_action(self.view_menu, self, adaptive_resolution,
                                                           self.set_adaptive_resolution)
        self.menuBar().setVisible(not offscreen)  # no menu bar in screenshots and movies
        if scene is not None:
            self.set_scene(scene)

    # ---------------------------------------------------------- read-outs

    @property
    def pacer(self) -> FramePacer:
        """The scheduler's draw costs and per-step budget."""
        return self.scheduler.pacer

    @property
    def render_counts(self) -> dict[str, int]:
        """Draws per view since the window was made."""
        return self.scheduler.counts

    @property
    def clicked_entities(self) -> list[str]:
        """Entities picked in any view, oldest first."""
        return self.selection.clicked

    @property
    def selection_text(self) -> str:
        """Status-bar text of the latest pick."""
        return self.selection.text

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
        self.show_status()

    @property
    def adaptive_resolution(self) -> bool:
        """Whether 3-D views may draw live frames at a reduced resolution."""
        return self.context.adaptive_resolution

    def set_adaptive_resolution(self, on: bool) -> None:
        """Let 3-D views draw live frames at a reduced resolution (or always at full resolution).

        While the picture changes fast (live data, a camera drag), a view whose
        draws do not fit its frame budget draws at a lower resolution and
        stretches the image; once still it draws once at full resolution.
        Screenshots, movies and recordings are always drawn at full resolution.
        """
        self.context.adaptive_resolution = on
        if self.resolution_action.isChecked() != on:
            self.resolution_action.setChecked(on)
        for vid in list(self.views):
            self.view_set.call(vid, lambda d: d.set_adaptive_resolution(on))

    def reset_cameras(self) -> None:
        """Frame every view's whole content again."""
        for vid in list(self.views):
            self.view_set.call(vid, lambda d: d.reset_camera())

    def export_traces_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the clicked segments' traces to CSV (``None``: ask where); errors go to the banner."""
        return _export_menu.export_traces_csv(self.hooks, path)

    def export_history_npz(self, path: str | Path | None = None) -> Path | None:
        """Write all history fields to NPZ (``None``: ask where); errors go to the banner."""
        return _export_menu.export_history_npz(self.hooks, path)

    def start_recording(self, path: str | Path | None = None) -> Path | None:
        """Record what the window shows from now on to an HDF5 file (``None``: ask where).

        The file starts with the current Scene and gets every update the
        window applies and every command it sends, until `stop_recording` or
        the window closes. Returns the file, or ``None`` (cancelled, or the
        error banner says why).
        """
        return _export_menu.start_recording(self.hooks, self.recording, path)

    def stop_recording(self) -> Path | None:
        """Finish the window's recording; return its file (``None`` if none was running)."""
        return self.recording.stop()

    # --------------------------------------------------------------- scene

    def set_scene(self, scene: Scene) -> None:
        """Show ``scene`` (replacing everything shown) and its status line.

        A Scene with the shown one's structure (`same_structure`: a demo's
        preview, then the session's own) is swapped in under the drawings,
        which redraw from it; the panels, camera and selection stay.
        """
        old = self.scene
        self.showing_preview = is_preview(scene)
        self.status_text = scene.status
        self.setWindowTitle(scene.title)
        self.waiting_label.hide()
        if old is not None and self._body is not None and same_structure(old, scene):
            scene.geometries.update(old.geometries)  # equal: the drawings keep the objects they were built on
            self.scene = scene
            for panel in self.controls_panels().values():
                panel.set_state(scene.state)
            self.view_set.start(scene)
            self.show_status()
            return
        self.scene = scene
        self.rebuild()

    def rebuild(self) -> None:
        """Build every panel of the layout (and every view's drawing) from the Scene."""
        scene = self.scene
        assert scene is not None
        self._clear_panels()
        body, self.panels, self._weights = build_body(scene, self._build_panel)
        self._body = body
        self._column.addWidget(body, 1)
        self._apply_sizes()
        self._rebuild_shortcuts()
        self.view_set.start(scene)
        self.show_status()

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
        self.view_set.close()
        self.panels.clear()
        if self._body is not None:
            self._column.removeWidget(self._body)
            self._body.hide()
            self._body.deleteLater()
            self._body = None

    def _build_panel(self, panel: PanelSpec) -> QWidget:
        assert self.scene is not None
        widget, drawings = build_panel(self.scene, panel, self.context, self.send)
        self.views.update(drawings)
        return widget

    def replace_panel(self, panel_id: str) -> None:
        """Rebuild one panel in place (e.g. controls after a patch); the other panels keep their state."""
        assert self.scene is not None
        old = self.panels[panel_id]
        holder = old.parentWidget()
        new = self._build_panel(self.scene.panels[panel_id])
        if isinstance(holder, QSplitter):
            holder.replaceWidget(holder.indexOf(old), new)
        old.hide()
        old.deleteLater()
        self.panels[panel_id] = new

    def controls_panels(self) -> dict[str, ControlsPanel]:
        """The controls panels shown, by panel id."""
        return {pid: p for pid, p in self.panels.items() if isinstance(p, ControlsPanel)}

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
                    lambda a=action: self.send(InvokeAction(action_id=a.id, payload=dict(a.payload))))
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
        """Apply one update to the Scene and to the views showing it (its handler in `_window_updates`).

        Raises:
            SceneError: If the update does not fit the Scene.
        """
        handler_for(update)(self, update)

    def views_of_field(self, field_id: str) -> list[str]:
        """Ids of the shown views that read ``field_id``."""
        assert self.scene is not None
        return self.view_set.reading(self.scene, field_id)

    def fields_changed(self, field_id: str, produced_at: float | None = None) -> None:
        """Field ``field_id`` has new values: its views take them at their next draw."""
        assert self.scene is not None
        self.view_set.field_changed(self.scene, field_id, produced_at)

    def reconfigure(self, view_id: str) -> None:
        """Apply a patched spec to its drawing, or rebuild the panels when the drawing asks."""
        scene = self.scene
        assert scene is not None
        if view_id not in self.views:
            return
        self.view_set.failed.pop(view_id, None)  # a new spec: a new start
        spec = scene.views[view_id]
        if not self.view_set.call(view_id, lambda d: d.configure(spec, scene)):
            if view_id not in self.view_set.failed:
                self.rebuild()
            return
        self.views[view_id].spec = spec
        self.view_set.touched([view_id])

    def show_status(self) -> None:
        """Rewrite the status bar: sim time, session status, selection, timings."""
        parts = []
        if self.sim_time is not None:
            parts.append(self.scene.time_text(self.sim_time) if self.scene is not None
                         else f"t = {self.sim_time:.2f} ms")
        if self.status_text:
            parts.append(self.status_text)
        if self.selection.text:
            parts.append(self.selection.text)
        if self.show_timings:
            parts.append(self.timings.text())
        self._status_label.setText("   |   ".join(parts))

    # ------------------------------------------------------------- picking

    def _picked(self, view_id: str, entity_id: str | None, label: str) -> None:
        self.selection.pick(view_id, entity_id, label)
        if entity_id is not None:
            self.send(EntityClicked(entity_id=entity_id, view_id=view_id))
        redraw = [view_id]
        for vid in list(self.views):
            if vid != view_id and self.view_set.call(vid, lambda d: d.on_selection(self.selection)):
                redraw.append(vid)
        self.scheduler.mark(redraw)
        self.show_status()
        self.render_due(force=True)

    # ----------------------------------------------------------- rendering

    def mark_dirty(self, view_id: str | None = None) -> None:
        """Mark one view (or all) for redraw."""
        self.scheduler.mark([view_id] if view_id else self.views)

    def render_due(self, *, now: float | None = None, force: bool = False) -> list[str]:
        """Redraw dirty views that are due (see `RenderScheduler`); return the ids drawn.

        ``force`` draws every dirty view now.
        """
        if self.scene is None:
            return []
        caps = {vid: self.scene.views[vid].max_refresh_hz for vid in self.views if vid in self.scene.views}
        drawn = self.scheduler.run(caps, lambda vid: self._draw(vid), now=now, force=force)
        self.show_status()
        return drawn

    def _draw(self, view_id: str) -> bool:
        """Update and draw one view; ``False`` if it is gone or failed (the banner says why)."""
        assert self.scene is not None
        drawing = self.views.get(view_id)
        if drawing is None:
            return False  # an earlier draw's signal (firstFrame) closed or rebuilt the window
        self.context.sim_time = self.sim_time
        if not self.view_set.draw(self.scene, view_id):
            return False
        produced_at = self.view_set.produced_at.pop(view_id, None)
        if produced_at is not None:
            self.timings.on_frame_shown(produced_at)
        if self.first_frame_seconds is None and drawing.marks_first_frame:
            self.first_frame_seconds = time.monotonic() - self.created_at
            log.info("first 3-D frame after %.3f s", self.first_frame_seconds)
            self.firstFrame.emit(self.first_frame_seconds)
        return True

    def failed_views(self) -> dict[str, str]:
        """Views stopped by an error, with the message shown for each."""
        return dict(self.view_set.failed)

    # ---------------------------------------------------------- screenshot

    def fit_to_image_size(self, size: tuple[int, int]) -> None:
        """Resize to ``size``, or, below the layout's minimum, to the smallest multiple of it that fits.

        `grab_image` with the same ``size`` then scales the picture down to exactly ``size``.
        """
        self.resize(*size)
        actual = self.size()
        if (actual.width(), actual.height()) != tuple(size):
            scale = max(actual.width() / size[0], actual.height() / size[1])
            self.resize(math.ceil(size[0] * scale), math.ceil(size[1] * scale))

    def grab_image(self, size: tuple[int, int] | None = None) -> QImage:
        """The whole window as an image, with each view's OpenGL content painted in.

        Args:
            size: Scale the picture to exactly this ``(width, height)`` (see `fit_to_image_size`).
        """
        image = self._grab()
        if size is None or (image.width(), image.height()) == tuple(size):
            return image
        return image.scaled(size[0], size[1], Qt.AspectRatioMode.IgnoreAspectRatio,
                            Qt.TransformationMode.SmoothTransformation)

    def _grab(self) -> QImage:
        self.render_due(force=True)
        image = self.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        painter = QPainter(image)
        ratio = image.devicePixelRatio() or 1.0
        for vid in list(self.views):
            shot = self.view_set.call(vid, lambda d: d.snapshot())
            if shot is None:
                continue
            widget, pixels = shot
            top_left = widget.mapTo(self, widget.rect().topLeft())
            painter.drawImage(widget.rect().translated(top_left), to_qimage(pixels))
        painter.end()
        image.setDevicePixelRatio(ratio)
        return image

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Finish a running recording and release the views before the window closes."""
        self.recording.stop()
        self._clear_panels()
        super().closeEvent(event)
