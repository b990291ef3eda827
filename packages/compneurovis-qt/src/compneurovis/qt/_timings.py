"""`TimingStats`: simulation rate and display latency, for the status bar (F2) and benchmarks."""

from __future__ import annotations

import time
from collections import deque

import numpy as np


class TimingStats:
    """Sim ms per wall second reaching the window, and display latency of 3-D frames.

    The rate is measured over the last ``window_seconds`` of updates that
    carry a ``sim_time``, by their arrival (wall) time in the window. The
    latency of a frame is the wall time from its ``produced_at`` (worker's
    `time.monotonic`, comparable across processes) to the end of the draw
    that showed it.

    Args:
        window_seconds: Span of recent arrivals the rate is measured over.
        keep: How many latencies to keep (oldest dropped first).
    """

    def __init__(self, window_seconds: float = 2.0, keep: int = 20000) -> None:
        self.window_seconds = window_seconds
        self.latencies: deque[float] = deque(maxlen=keep)
        self._arrivals: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        """Forget every sample."""
        self.latencies.clear()
        self._arrivals.clear()

    def on_sim_time(self, sim_time: float, now: float | None = None) -> None:
        """Record that values for ``sim_time`` (ms) reached the window at ``now``."""
        now = time.monotonic() if now is None else now
        if self._arrivals and sim_time < self._arrivals[-1][1]:
            self._arrivals.clear()  # the session was reset: start over
        self._arrivals.append((now, sim_time))
        while len(self._arrivals) > 2 and now - self._arrivals[0][0] > self.window_seconds:
            self._arrivals.popleft()

    def on_frame_shown(self, produced_at: float, now: float | None = None) -> None:
        """Record that a frame computed at ``produced_at`` finished drawing at ``now``."""
        now = time.monotonic() if now is None else now
        self.latencies.append(now - produced_at)

    def sim_rate(self) -> float | None:
        """Simulated ms per wall second over the recent window, or ``None`` without two samples."""
        if len(self._arrivals) < 2:
            return None
        (t0, s0), (t1, s1) = self._arrivals[0], self._arrivals[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else None

    def latency(self, last: int | None = None) -> tuple[float, float] | None:
        """Median and 95th percentile latency in seconds (of the ``last`` frames, or all kept)."""
        if not self.latencies:
            return None
        values = np.fromiter(self.latencies, dtype=float)
        if last is not None:
            values = values[-last:]
        median, p95 = np.percentile(values, [50, 95])
        return float(median), float(p95)

    def text(self) -> str:
        """One status-bar line, e.g. ``"sim 41.2 ms/s   latency 35 ms (p95 60 ms)"``."""
        rate = self.sim_rate()
        parts = [f"sim {rate:.1f} ms/s" if rate is not None else "sim - ms/s"]
        lat = self.latency(last=100)
        if lat is not None:
            parts.append(f"latency {lat[0] * 1000:.0f} ms (p95 {lat[1] * 1000:.0f} ms)")
        return "   ".join(parts)
