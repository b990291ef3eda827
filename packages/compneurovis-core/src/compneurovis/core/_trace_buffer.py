"""A bounded ring buffer of per-entity history, kept by live sessions."""

from __future__ import annotations

import numpy as np

_FLOAT32 = np.dtype(np.float32)


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
        self._all_rows: bool | None = None

    def __len__(self) -> int:
        return min(self._count, self.capacity)

    def append(self, times: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Append ``values[k, row]`` samples (all entities) at ``times[k]``.

        A C-contiguous float32 ``values`` that owns its memory (``values.base is
        None``) and covers every entity in row order is not copied: the returned
        block is ``values`` itself, so the caller must not change it afterwards.

        Returns:
            The ``(k, n_traced)`` float32 block of the traced rows that was added,
            time-major like the history field it is appended to.
        """
        if self._all_rows is None:  # cached until the traced set changes
            n = self.rows.size
            self._all_rows = n == values.shape[1] and bool(np.array_equal(self.rows, np.arange(n)))
        if self._all_rows:  # FULL capture: no fancy indexing over thousands of columns
            # a fresh float32 array the caller hands over is used as it is (no copy per frame)
            owned = values.base is None and values.dtype == _FLOAT32 and values.flags.c_contiguous
            block = values if owned else np.array(values, dtype=np.float32)
        else:
            block = np.take(values, self.rows, axis=1).astype(np.float32, copy=False)
        k = block.shape[0]
        if k == 1:  # one sample per display frame: the common case, no slicing arithmetic
            start = self._count % self.capacity
            self._values[start] = block[0]
            self._times[start] = times[0]
            self._count += 1
            return block
        tail, tail_times = block, times
        if k > self.capacity:
            tail, tail_times = block[-self.capacity:], times[-self.capacity:]
        start = (self._count + k - tail.shape[0]) % self.capacity
        if start + tail.shape[0] <= self.capacity:  # no wrap: plain slices
            self._values[start:start + tail.shape[0]] = tail
            self._times[start:start + tail.shape[0]] = tail_times
        else:
            positions = (start + np.arange(tail.shape[0])) % self.capacity
            self._values[positions] = tail
            self._times[positions] = tail_times
        self._count += k
        return block

    def add_row(self, row: int) -> None:
        """Start tracing one more entity; its past samples are NaN."""
        self.rows = np.append(self.rows, np.int64(row))
        self._all_rows = None
        column = np.full((self.capacity, 1), np.nan, dtype=np.float32)
        self._values = np.concatenate([self._values, column], axis=1)

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(times (T,), values (T, n_traced))`` in time order (time-major)."""
        n = len(self)
        order = (self._count - n + np.arange(n)) % self.capacity
        return self._times[order], self._values[order]
