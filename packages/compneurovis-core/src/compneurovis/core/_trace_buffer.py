"""A bounded ring buffer of per-entity history, kept by live sessions."""

from __future__ import annotations

from collections import deque

import numpy as np

_FLOAT32 = np.dtype(np.float32)


class TraceBuffer:
    """The last ``capacity`` samples of a growing set of traced entities.

    Samples are kept as the blocks they arrived in, oldest first, and dropped
    a whole block at a time once the newer blocks alone hold ``capacity``
    samples: appending a block the caller hands over costs no copy, which
    matters when every segment is kept at every step (``FULL``). Runs of small
    blocks (a few traced entities) are merged so their number stays bounded.

    A buffer that does not ``keep_history`` holds only the newest block: a
    session whose every entity is traced from the start (``FULL``) never
    reads its past samples back, and its consumers (the window, a recording)
    keep the history they are sent. Keeping a second copy in the simulation's
    process cost ~10 % of a 2,536-segment NEURON cell's speed (fresh memory
    every frame) and ``capacity`` x entities of memory.

    Args:
        capacity: Maximum number of time samples kept (oldest dropped first).
        rows: Entity rows (indices into the geometry) traced from the start.
        keep_history: ``False``: keep only the newest block (see above).
    """

    _SMALL_BLOCK_BYTES = 16384  # blocks below this size are merged in runs of `_MERGE_RUN`
    _MERGE_RUN = 64

    def __init__(self, capacity: int, rows: list[int] | np.ndarray, *, keep_history: bool = True) -> None:
        if capacity < 1:
            raise ValueError(f"history capacity must be at least 1, got {capacity}")
        self.capacity = int(capacity)
        self.keep_history = keep_history
        self.rows = np.asarray(rows, dtype=np.int64)
        self._blocks: deque[tuple[np.ndarray, np.ndarray]] = deque()  # (times (k,), values (k, n_traced))
        self._held = 0  # samples in `_blocks`, possibly more than `capacity` (oldest block partly stale)
        self._small_run = 0  # how many of the newest blocks are small and not yet merged
        self._all_rows: bool | None = None

    def __len__(self) -> int:
        return min(self._held, self.capacity)

    def append(self, times: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Append ``values[k, row]`` samples (all entities) at ``times[k]``.

        A C-contiguous float32 ``values`` that owns its memory (``values.base is
        None``) and covers every entity in row order is not copied: the returned
        block is ``values`` itself, kept by the buffer, so the caller must not
        change it afterwards.

        Returns:
            The ``(k, n_traced)`` float32 block of the traced rows that was added,
            time-major like the history field it is appended to.
        """
        if self._all_rows is None:  # cached until the traced set changes
            n = self.rows.size
            self._all_rows = n == values.shape[1] and bool(np.array_equal(self.rows, np.arange(n)))
        if self._all_rows:  # FULL capture: no fancy indexing over thousands of columns
            # a fresh float32 array the caller hands over is kept as it is (no copy per frame)
            owned = values.base is None and values.dtype == _FLOAT32 and values.flags.c_contiguous
            block = values if owned else np.array(values, dtype=np.float32)
        else:
            block = np.take(values, self.rows, axis=1).astype(np.float32, copy=False)
        return self.append_rows(times, block)

    def append_rows(self, times: np.ndarray, block: np.ndarray) -> np.ndarray:
        """Append ``block[k, i]``, the samples of the traced rows only (``rows[i]``), at ``times[k]``.

        The ``(k, n_traced)`` float32 ``block`` is kept as it is (no copy), so
        the caller must not change it afterwards. Returns ``block``.
        """
        if block.ndim != 2 or block.shape[1] != self.rows.size:
            raise ValueError(f"expected a block of {self.rows.size} traced rows, got shape {block.shape}")
        k = block.shape[0]
        if k > self.capacity:
            stored, stored_times = block[-self.capacity:], times[-self.capacity:]
        else:
            stored, stored_times = block, times
        if not self.keep_history:  # the newest block only, as handed over: no copy, no allocation
            self._blocks.clear()
            self._blocks.append((stored_times, stored))
            self._held, self._small_run = stored.shape[0], 0
            return block
        self._blocks.append((np.array(stored_times, dtype=np.float64), stored))
        self._held += stored.shape[0]
        if stored.nbytes < self._SMALL_BLOCK_BYTES:
            self._small_run += 1
            if self._small_run >= self._MERGE_RUN:
                self._merge_newest(self._small_run)
        else:
            self._small_run = 0
        blocks = self._blocks
        while self._held - blocks[0][1].shape[0] >= self.capacity:
            self._held -= blocks.popleft()[1].shape[0]
        return block

    def _merge_newest(self, count: int) -> None:
        """Merge the newest ``count`` blocks into one."""
        merged = [self._blocks.pop() for _ in range(min(count, len(self._blocks)))][::-1]
        self._blocks.append((np.concatenate([t for t, _ in merged]), np.concatenate([v for _, v in merged])))
        self._small_run = 0

    def add_row(self, row: int) -> None:
        """Start tracing one more entity; its past samples are NaN."""
        self.rows = np.append(self.rows, np.int64(row))
        self._all_rows = None
        times, values = self.snapshot()
        column = np.full((values.shape[0], 1), np.nan, dtype=np.float32)
        self._blocks = deque([(times, np.concatenate([values, column], axis=1))] if len(times) else [])
        self._held, self._small_run = len(times), 0

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(times (T,), values (T, n_traced))`` in time order (time-major)."""
        n = len(self)
        if not self._blocks:
            return np.empty(0), np.empty((0, self.rows.size), dtype=np.float32)
        times = np.concatenate([t for t, _ in self._blocks])[-n:]
        values = np.concatenate([v for _, v in self._blocks])[-n:]
        return times, values
