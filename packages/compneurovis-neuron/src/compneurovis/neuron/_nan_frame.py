"""A reused display frame for history kept at every step for a few traced segments.

With ``ON_DEMAND`` history a frame of ``k`` steps is a ``(k, n_segments)``
float32 array that is NaN but for the traced columns (every step) and the
whole last row (the display). Allocating one per frame is what made a served
100,000-segment network run at half speed: NumPy asks for transparent huge
pages for arrays of 4 MB and more, and the kernel zeroes fresh ones at every
frame (``clear_page_erms``: 38 % of the server's time in ``perf``). The
buffer here is allocated once and only the cells written last frame are set
back to NaN.
"""

from __future__ import annotations

import numpy as np


class NanFrame:
    """A ``(k, n)`` float32 frame reused from one display frame to the next, NaN where nothing is written.

    The frame `take` returns is a view of the buffer (so its ``base`` is set):
    whoever keeps its values must copy them before the next `take`.
    """

    def __init__(self) -> None:
        self._buffer: np.ndarray | None = None
        self._written: tuple[int, np.ndarray | slice] | None = None

    def take(self, k: int, n: int, columns: np.ndarray | slice) -> np.ndarray:
        """The ``(k, n)`` frame, all NaN, for a frame that writes ``columns`` of every row and the whole last row."""
        buffer = self._buffer
        if buffer is None or buffer.shape[0] < k or buffer.shape[1] != n:
            buffer = self._buffer = np.full((k + 2, n), np.nan, dtype=np.float32)  # psolve may take a step more
        elif self._written is not None:  # undo what the last frame wrote
            rows, columns_before = self._written
            buffer[:rows, columns_before] = np.nan
            buffer[rows - 1] = np.nan
        self._written = (k, columns)
        return buffer[:k]
