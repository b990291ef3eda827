"""The frame loop: drain the transport within a time budget, apply, redraw what is due."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from PyQt6.QtCore import QObject, QTimer

from compneurovis.core import SessionUpdate, UpdateCoalescer

from ._window import CompNeuroVisWindow

log = logging.getLogger("compneurovis.qt")


class UpdateSource(Protocol):
    """Anything with a transport-like ``poll`` (e.g. `WorkerTransport`)."""

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]: ...


class FrameLoop(QObject):
    """Ticks on a `QTimer`: drains updates within a time budget, applies, redraws.

    Each tick reads updates for at most ``budget`` seconds, coalesces them,
    applies them to the window's Scene and redraws the views whose refresh cap allows.

    History is never dropped: every `FieldAppend` is applied (merged when a
    backlog built up); only superseded display frames are skipped.

    Args:
        window: The window to update.
        source: Where updates come from.
        budget: Seconds per tick spent reading and applying updates.
        interval_ms: Timer period.
    """

    def __init__(self, window: CompNeuroVisWindow, source: UpdateSource, *, budget: float = 0.008,
                 interval_ms: int = 8) -> None:
        super().__init__(window)
        self.window = window
        self.source = source
        self.budget = budget
        self.coalescer = UpdateCoalescer()
        self.updates_applied = 0
        self.ticks = 0
        #: When the session's own first Scene (not a preview) was applied.
        self.scene_ready_at: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)

    def start(self) -> None:
        """Start ticking."""
        self._timer.start()

    def stop(self) -> None:
        """Stop ticking."""
        self._timer.stop()

    def tick(self) -> None:
        """One frame: drain, coalesce, apply, redraw."""
        self.ticks += 1
        deadline = time.monotonic() + self.budget
        batch: list[SessionUpdate] = []
        while time.monotonic() < deadline:
            got = self.source.poll(0.0, max_messages=8)
            if not got:
                break
            batch.extend(got)
        if batch:
            batch = self.coalescer.coalesce(batch)
            self.window.apply_updates(batch)
            self.updates_applied += len(batch)
            if self.scene_ready_at is None and self.window.scene is not None and not self.window.showing_preview:
                self.scene_ready_at = time.monotonic()
        self.window.render_due()
