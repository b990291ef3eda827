"""Row storage behind a field that grows along its first axis (a time-major history).

Appending ``k`` rows to a field of ``n`` rows costs O(k) amortised, not O(n):
the rows live in a preallocated buffer with spare capacity, and each field's
``values`` is a read-only view of a contiguous run of it. Rows a view shows are
never overwritten: a full buffer is replaced by a new one (holding only the
rows still kept), so an older `Field` (e.g. one a frontend is drawing, or the
one a refused update rolls back to) keeps its values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Fewest spare rows a new buffer gets.
_MIN_SPARE = 64


class RowStore:
    """A buffer of rows (and their coordinates along the grown dim)."""

    __slots__ = ("coord", "generation", "stop", "values")

    def __init__(self, values: np.ndarray, coord: np.ndarray | None, kept: int, spare: int) -> None:
        capacity = kept + spare
        self.values = np.empty((capacity, *values.shape[1:]), dtype=values.dtype)
        self.coord = None if coord is None else np.empty(capacity, dtype=coord.dtype)
        self.stop = 0
        self.generation = 0

    def write(self, values: np.ndarray, coord: np.ndarray | None) -> None:
        k = values.shape[0]
        self.values[self.stop:self.stop + k] = values
        if self.coord is not None and coord is not None:
            self.coord[self.stop:self.stop + k] = coord
        self.stop += k

    def views(self, kept: int) -> tuple[np.ndarray, np.ndarray | None]:
        start = self.stop - kept
        values = self.values[start:self.stop]
        values.flags.writeable = False
        coord = None if self.coord is None else self.coord[start:self.stop]
        if coord is not None:
            coord.flags.writeable = False
        return values, coord


def append_rows(owner: Any, values: np.ndarray, coord: np.ndarray | None, block: np.ndarray,
                new_coord: np.ndarray | None, max_length: int | None) -> tuple[np.ndarray, np.ndarray | None, Any]:
    """Rows of ``values`` followed by ``block``, the oldest dropped beyond ``max_length``.

    Args:
        owner: The field appended to; its store (``owner._rows``) is reused when
            ``owner`` is the newest field written through it.
        values: ``owner``'s values (rows first).
        coord: ``owner``'s coordinate along the rows, or ``None``.
        block: Rows to append (already checked to fit).
        new_coord: Their coordinates, or ``None``.
        max_length: Most rows kept, or ``None``.

    Returns:
        ``(values, coord, (store, generation))``: read-only views of the result,
        and the token the new field keeps to append in place next time.
    """
    n, k = values.shape[0], block.shape[0]
    kept = n + k if max_length is None else min(n + k, max(int(max_length), 0))
    store, generation = getattr(owner, "_rows", (None, -1))
    if store is None or store.generation != generation or store.stop + k > store.values.shape[0] \
            or (coord is None) != (store.coord is None):
        old = max(0, kept - k)  # rows of ``values`` still kept
        store = RowStore(values, coord, kept, max(_MIN_SPARE, kept // 2, k))
        if old:
            store.write(values[n - old:], None if coord is None else coord[n - old:])
        if k > kept:
            block = block[k - kept:]
            new_coord = None if new_coord is None else new_coord[k - kept:]
    store.write(block, new_coord)
    store.generation += 1
    out, out_coord = store.views(kept)
    return out, out_coord, (store, store.generation)
