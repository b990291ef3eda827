"""`ViewSet`: the drawings of the views shown, what changed for each, and which ones failed.

Every call into a drawing goes through `ViewSet.call`: an exception stops that
view (the `RenderScheduler` suspends it) and is reported once, until the view
draws again; new data or a new spec for it (`touched`) gives it a new start.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from compneurovis.core import Scene

from ._render_scheduler import RenderScheduler
from ._view_registry import ViewDrawing

log = logging.getLogger("compneurovis.qt")


class ViewSet:
    """The shown views' drawings, with their pending changes and failures.

    Args:
        scheduler: Suspends a failed view and resumes a touched one.
        report: Shows a failure: ``report(message, traceback_text)`` (the window's error banner).
    """

    def __init__(self, scheduler: RenderScheduler, report: Callable[[str, str], None]) -> None:
        self.scheduler = scheduler
        self.report = report
        #: View id to its drawing.
        self.drawings: dict[str, ViewDrawing] = {}
        self.changed: dict[str, set[str]] = {}  # view id -> its fields updated since its last draw
        self.produced_at: dict[str, float] = {}  # view id -> produced_at of the frame it is to draw
        self.failed: dict[str, str] = {}  # view id -> the error that stopped it
        self._reported: set[str] = set()  # failed views already reported (until they draw again)

    def start(self, scene: Scene) -> None:
        """After a rebuild: every view draws all its fields, none failed."""
        self.failed.clear()
        self.changed = {vid: set(scene.views[vid].field_ids()) for vid in self.drawings}
        self.produced_at.clear()
        self.scheduler.reset(self.drawings)

    def close(self, view_ids: Iterable[str] | None = None) -> None:
        """Close and forget these drawings (all when ``None``)."""
        for vid in list(self.drawings if view_ids is None else view_ids):
            drawing = self.drawings.pop(vid, None)
            if drawing is None:
                continue
            try:
                drawing.close()
            except Exception:  # a drawing's cleanup must not stop the others'
                log.exception("closing view %r failed", vid)

    def reading(self, scene: Scene, field_id: str) -> list[str]:
        """Ids of the shown views that read ``field_id``."""
        return [vid for vid in self.drawings if field_id in scene.views[vid].field_ids()]

    def field_changed(self, scene: Scene, field_id: str, produced_at: float | None = None) -> None:
        """Field ``field_id`` has new values: the views reading it take them at their next draw."""
        views = self.reading(scene, field_id)
        for vid in views:
            self.changed.setdefault(vid, set()).add(field_id)
            if produced_at is not None:
                self.produced_at[vid] = produced_at
        self.touched(views)

    def touched(self, view_ids: Iterable[str]) -> None:
        """New data or spec for these views: redraw them, and a failed one gets a new start."""
        view_ids = list(view_ids)
        for vid in view_ids:
            self.failed.pop(vid, None)
        self.scheduler.resume(view_ids)

    def call(self, view_id: str, fn: Callable[[ViewDrawing], Any]) -> Any:
        """``fn(drawing)``, or ``None`` when the view is gone, failed, or fails now (reported once)."""
        drawing = self.drawings.get(view_id)
        if drawing is None or view_id in self.failed:
            return None
        try:
            return fn(drawing)
        except Exception as exc:  # noqa: BLE001 - any drawing bug: one report, the other views draw on
            message = f"view {view_id!r} stopped drawing: {type(exc).__name__}: {exc}"
            self.failed[view_id] = message
            self.scheduler.suspend(view_id)
            if view_id not in self._reported:
                self._reported.add(view_id)
                log.error("%s", message)
                self.report(message, traceback.format_exc())
            return None

    def draw(self, scene: Scene, view_id: str) -> bool:
        """Give one view its changes and draw it; ``False`` if it is gone or failed."""
        changed = frozenset(self.changed.pop(view_id, ()))
        if not self.call(view_id, lambda d: (d.update(scene, changed), d.draw(), True)[2]):
            return False
        self._reported.discard(view_id)  # drawn again: a later failure is news
        return True
