"""A bounded ring buffer of per-entity history, kept by live sessions."""

from __future__ import annotations

import numpy as np


class TraceBuffer:
    """The last ``capacity`` samples of a growing set of traced entities.

    Args:
        capacity: Maximum number of time samples kept (oldest dropped first).
        rows: Entity rows (indices into the geometry) traced from the start.
    """

    def __init__(self, capacity: int, rows: list[int] | np.ndarray) -> None:
        if capacity < 1:
            raise ValueError(f"history capacity must be at least 1, got {capacity}")
        self.capacity = int(capacity)
        self.rows = np.asarray(rows, dtype=np.int64)
        self._times = np.empty(self.capacity, dtype=np.float64)
        self._values = np.empty((self.capacity, self.rows.size), dtype=np.float32)
        self._count = 0  # total samples ever appended

    def __len__(self) -> int:
        return min(self._count, self.capacity)

    def append(self, times: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Append ``values[k, row]`` samples (all entities) at ``times[k]``.

        Returns:
            The ``(n_traced, k)`` float32 block of the traced rows that was added.
        """
        block = np.asarray(values[:, self.rows], dtype=np.float32)
        k = block.shape[0]
        tail = block[-self.capacity:], np.asarray(times, dtype=np.float64)[-self.capacity:]
        positions = (self._count + np.arange(k - tail[0].shape[0], k)) % self.capacity
        self._values[positions] = tail[0]
        self._times[positions] = tail[1]
        self._count += k
        return block.T

    def add_row(self, row: int) -> None:
        """Start tracing one more entity; its past samples are NaN."""
        self.rows = np.append(self.rows, np.int64(row))
        column = np.full((self.capacity, 1), np.nan, dtype=np.float32)
        self._values = np.concatenate([self._values, column], axis=1)

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(times (T,), values (n_traced, T))`` in time order."""
        n = len(self)
        order = (self._count - n + np.arange(n)) % self.capacity
        return self._times[order].copy(), np.ascontiguousarray(self._values[order].T)
