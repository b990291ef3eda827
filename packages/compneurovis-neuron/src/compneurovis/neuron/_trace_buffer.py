"""A `TraceBuffer` whose append stays cheap with thousands of traced segments."""

from __future__ import annotations

import numpy as np

from compneurovis.core import TraceBuffer


class FastTraceBuffer(TraceBuffer):
    """`TraceBuffer` with an ``append`` that avoids numpy fancy indexing.

    With every entity traced in order (FULL history) the block is the input
    cast to float32; otherwise ``np.take`` picks the traced columns. The core
    version indexes ``values[:, rows]``, which costs about 80 µs per frame at
    2,500 segments; this keeps the frame overhead of a FULL session small.
    Results are identical to `TraceBuffer.append`.
    """

    def __init__(self, capacity: int, rows: list[int] | np.ndarray) -> None:
        super().__init__(capacity, rows)
        self._checked_rows: np.ndarray | None = None
        self._identity = False

    def append(self, times: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Append ``values[k, row]`` samples (all entities) at ``times[k]``.

        Returns:
            The ``(n_traced, k)`` float32 block of the traced rows that was added.
        """
        rows = self.rows
        if self._checked_rows is not rows:
            self._identity = rows.size == values.shape[1] and bool(np.array_equal(rows, np.arange(rows.size)))
            self._checked_rows = rows
        if self._identity:
            block = np.array(values, dtype=np.float32)
        else:
            block = np.take(values, rows, axis=1).astype(np.float32, copy=False)
        k = block.shape[0]
        tail = block[-self.capacity:]
        times = np.asarray(times, dtype=np.float64)[-self.capacity:]
        start = (self._count + k - tail.shape[0]) % self.capacity
        if start + tail.shape[0] <= self.capacity:  # no wrap: plain slices
            self._values[start:start + tail.shape[0]] = tail
            self._times[start:start + tail.shape[0]] = times
        else:
            positions = (start + np.arange(tail.shape[0])) % self.capacity
            self._values[positions] = tail
            self._times[positions] = times
        self._count += k
        return block.T
