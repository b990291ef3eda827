"""`RenderScheduler`: which dirty views to draw now, capped per view and paced (Qt-free)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from ._pacing import FramePacer


class RenderScheduler:
    """Dirty views, their last draws, and a `FramePacer` that keeps each step short.

    A view is due once its ``max_refresh_hz`` allows, or later when its draws
    are slow (`FramePacer.interval`). Due views are drawn most overdue first
    while they fit into the pacer's budget; the rest wait for the next call,
    so a 3-D draw and a plot repaint that together would stall the event loop
    go to different steps. A suspended view (its drawing failed) is not drawn
    until `resume`.

    Args:
        pacer: Draw costs and the per-step budget (a new `FramePacer` by default).
    """

    def __init__(self, pacer: FramePacer | None = None) -> None:
        self.pacer = pacer or FramePacer()
        #: Draws per view since the window was made.
        self.counts: dict[str, int] = {}
        self.dirty: set[str] = set()
        self.suspended: set[str] = set()
        self._last_draw: dict[str, float] = {}

    def mark(self, view_ids: Iterable[str]) -> None:
        """Mark views for redraw."""
        self.dirty.update(view_ids)

    def suspend(self, view_id: str) -> None:
        """Stop drawing ``view_id`` until `resume`."""
        self.suspended.add(view_id)
        self.dirty.discard(view_id)

    def resume(self, view_ids: Iterable[str]) -> None:
        """Draw these views again (and mark them dirty)."""
        view_ids = set(view_ids)
        self.suspended -= view_ids
        self.dirty |= view_ids

    def reset(self, view_ids: Iterable[str]) -> None:
        """Start over with ``view_ids`` (after a rebuild): all dirty, none suspended, costs forgotten."""
        self.dirty = set(view_ids)
        self.suspended.clear()
        self.pacer.forget()

    def run(self, caps: Mapping[str, float], draw: Callable[[str], bool], *, now: float | None = None,
            force: bool = False) -> list[str]:
        """Draw the due dirty views among ``caps`` (view id to ``max_refresh_hz``); return those drawn.

        Args:
            caps: The views that exist now, with their refresh caps (0: uncapped).
            draw: Draws one view; returns ``False`` if it failed (then it is not counted).
            now: The time (`time.monotonic`) to schedule at.
            force: Draw every dirty view now, ignoring caps and budget.
        """
        now = time.monotonic() if now is None else now
        due: list[tuple[float, str, float]] = []
        for vid in list(self.dirty):
            hz = caps.get(vid)
            if hz is None or vid in self.suspended:
                self.dirty.discard(vid)
                continue
            cap = 1.0 / hz if hz > 0 else 0.0
            interval = self.pacer.interval(vid, cap)
            waited = now - self._last_draw.get(vid, -1e9)
            if not force and waited < interval:
                continue
            due.append((waited / interval if interval > 0 else float("inf"), vid, interval))
        due.sort(key=lambda item: -item[0])
        drawn = []
        spent = 0.0
        for _, vid, interval in due:
            if not force and not self.pacer.fits(vid, spent):
                continue
            start = time.perf_counter()
            ok = draw(vid)
            took = time.perf_counter() - start
            self.dirty.discard(vid)
            if not ok:
                continue
            self.pacer.record(vid, took)
            spent += took + self.pacer.cost(vid, "paint")  # a plot paints after this call
            # Keep the phase: the timer ticks every few ms, so "now" is up to a tick late, and
            # restarting the interval from it would draw at a fraction of the cap (25/s for 30).
            last = self._last_draw.get(vid)
            on_time = last is not None and not force and now - last < 2 * interval
            self._last_draw[vid] = last + interval if on_time and last is not None else now
            self.counts[vid] = self.counts.get(vid, 0) + 1
            drawn.append(vid)
        return drawn
