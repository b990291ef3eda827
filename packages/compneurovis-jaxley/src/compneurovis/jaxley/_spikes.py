"""Spike detection in a Jaxley session: upward threshold crossings of the emitted voltage."""

from __future__ import annotations

import numpy as np

from compneurovis.core import threshold_crossings


class VoltageSpikes:
    """Threshold crossings of some entities' values, step by step, kept until read.

    The values are the session's emitted ones (float32), so a spike is a step
    whose emitted voltage is at or above ``threshold`` after one below it; its
    time is that step's time.

    Args:
        rows: The entity row of each cell's detector.
        threshold: The threshold, in the values' unit (mV).
    """

    def __init__(self, rows: np.ndarray, threshold: float) -> None:
        self.rows = np.asarray(rows, dtype=np.int64)
        self.threshold = float(threshold)
        self._above = np.zeros(self.rows.size, dtype=bool)
        self._times: list[np.ndarray] = []
        self._cells: list[np.ndarray] = []

    def restart(self, values: np.ndarray) -> None:
        """Start over from the ``(n_entities,)`` initial values; pending spikes are dropped."""
        self._above = np.asarray(values, dtype=np.float32)[self.rows] >= self.threshold
        self._times, self._cells = [], []

    def observe(self, times: np.ndarray, values: np.ndarray) -> None:
        """Detect crossings in ``(k,)`` times and ``(k, n_entities)`` values."""
        block = np.asarray(np.asarray(values)[:, self.rows], dtype=np.float32)
        t, cell, self._above = threshold_crossings(times, block, self.threshold, self._above)
        if t.size:
            self._times.append(t)
            self._cells.append(cell)

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times, cell_index)`` detected since the last call."""
        if not self._times:
            return np.empty(0), np.empty(0, dtype=np.int64)
        out = np.concatenate(self._times), np.concatenate(self._cells)
        self._times, self._cells = [], []
        return out
