"""How the window applies each update type: one handler per type, looked up by the update's class.

Each handler gets the window and the update, applies the update to the Scene
(which raises `SceneError` when it does not fit, leaving the Scene unchanged)
and tells the window's parts what changed. A new update type gets one entry
in `_HANDLERS`; a subclass of a listed type uses its base's handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from compneurovis.core import (
    DisplayFrame,
    Error,
    FieldAppend,
    FieldReplace,
    LayoutReplace,
    PanelPatch,
    Scene,
    ScenePatch,
    SceneReady,
    SessionUpdate,
    StatePatch,
    Status,
)

from ._controls_panel import ControlsPanel
from ._error_banner import ErrorBanner
from ._timings import TimingStats

log = logging.getLogger("compneurovis.qt")



class UpdateTarget(Protocol):
    """What the handlers need from the window (`CompNeuroVisWindow` is one)."""

    scene: Scene | None
    sim_time: float | None
    status_text: str
    timings: TimingStats
    error_banner: ErrorBanner
    views: dict[str, Any]

    def set_scene(self, scene: Scene) -> None: ...
    def rebuild(self) -> None: ...
    def fields_changed(self, field_id: str, produced_at: float | None = None) -> None: ...
    def reconfigure(self, view_id: str) -> None: ...
    def controls_panels(self) -> dict[str, ControlsPanel]: ...
    def replace_panel(self, panel_id: str) -> None: ...
    def show_status(self) -> None: ...
    def setWindowTitle(self, title: str | None) -> None: ...  # Qt's name


Handler = Callable[[UpdateTarget, Any], None]

#: Panel attributes a controls panel can take in place (its neighbours keep their state).
_IN_PLACE_PANEL_CHANGES = {"control_ids", "action_ids", "title"}


def _scene_ready(window: UpdateTarget, update: SceneReady) -> None:
    window.set_scene(update.scene)


def _field(window: UpdateTarget, update: DisplayFrame | FieldReplace | FieldAppend, produced_at: float | None) -> None:
    if window.scene is None:
        return
    window.scene.apply(update)
    if update.sim_time is not None:
        window.sim_time = update.sim_time
        window.timings.on_sim_time(update.sim_time)
    window.fields_changed(update.field_id, produced_at)


def _display_frame(window: UpdateTarget, update: DisplayFrame) -> None:
    _field(window, update, update.produced_at)  # its latency is measured when drawn


def _field_replace(window: UpdateTarget, update: FieldReplace) -> None:
    _field(window, update, None)


def _field_append(window: UpdateTarget, update: FieldAppend) -> None:
    _field(window, update, None)  # history: the display latency is that of display frames


def _state(window: UpdateTarget, update: StatePatch) -> None:
    if window.scene is None:
        return
    window.scene.apply(update)
    for panel in window.controls_panels().values():
        panel.set_state(update.values)


def _scene_patch(window: UpdateTarget, update: ScenePatch) -> None:
    if window.scene is None:
        return
    window.scene.apply(update)
    window.setWindowTitle(window.scene.title)
    if update.controls:
        for pid in window.controls_panels():
            window.replace_panel(pid)
    for vid in update.views:
        if window.scene is not None and vid in window.views:
            window.reconfigure(vid)


def _panel_patch(window: UpdateTarget, update: PanelPatch) -> None:
    if window.scene is None:
        return
    window.scene.apply(update)
    if set(update.changes) <= _IN_PLACE_PANEL_CHANGES and update.panel_id in window.controls_panels():
        window.replace_panel(update.panel_id)  # the 3-D views keep their cameras
    else:
        window.rebuild()


def _layout(window: UpdateTarget, update: LayoutReplace) -> None:
    if window.scene is None:
        return
    window.scene.apply(update)
    window.rebuild()


def _status(window: UpdateTarget, update: Status) -> None:
    if window.scene is not None:
        window.scene.apply(update)
    window.status_text = update.message
    if update.sim_time is not None and window.scene is not None:
        window.sim_time = update.sim_time
    window.show_status()


def _error(window: UpdateTarget, update: Error) -> None:
    window.error_banner.show_error(update.message, update.traceback, fatal=update.fatal)
    log.error("session error: %s", update.message)
    if window.scene is not None:
        window.scene.apply(update)


_HANDLERS: dict[type, Handler] = {
    SceneReady: _scene_ready,
    DisplayFrame: _display_frame,
    FieldReplace: _field_replace,
    FieldAppend: _field_append,
    StatePatch: _state,
    ScenePatch: _scene_patch,
    PanelPatch: _panel_patch,
    LayoutReplace: _layout,
    Status: _status,
    Error: _error,
}


def _unknown(window: UpdateTarget, update: Any) -> None:
    if window.scene is not None:
        window.scene.apply(update)  # raises SceneError naming the type if the Scene does not know it


def handler_for(update: SessionUpdate) -> Handler:
    """The handler of ``update``'s type (or of its nearest listed base class)."""
    for cls in type(update).__mro__:
        handler = _HANDLERS.get(cls)
        if handler is not None:
            return handler
    return _unknown
