"""Batched sampling of NEURON variables: one `PtrVector` gather per step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class RefSampler:
    """Read many NEURON variable refs (``seg._ref_v``, ...) at once.

    ``gather()`` copies every ref's current value into one ``h.Vector``
    (``out``) through ``h.PtrVector.gather``; ``view`` is a numpy view of that
    Vector's memory, so after a gather it holds the new values without a copy.
    Hot loops call ``ptr_gather(out)`` directly.

    Args:
        refs: NEURON pointers, e.g. ``[seg._ref_v for seg in sec]``.

    Raises:
        TypeError: If an item is not a NEURON variable ref.
    """

    def __init__(self, refs: Sequence[Any]) -> None:
        from neuron import h

        self.size = len(refs)
        self._ptrs = h.PtrVector(max(1, self.size))
        for i, ref in enumerate(refs):
            try:
                self._ptrs.pset(i, ref)
            except Exception as exc:
                raise TypeError(f"item {i} ({ref!r}) is not a NEURON variable ref: {exc}") from exc
        self.out = h.Vector(max(1, self.size))
        self.ptr_gather = self._ptrs.gather
        self.ptr_gather(self.out)
        self.view: np.ndarray = self.out.as_numpy()[: self.size]

    def gather(self) -> None:
        """Copy the current value of every ref into `view`."""
        self.ptr_gather(self.out)

    def read(self) -> np.ndarray:
        """Gather now and return a copy of the values."""
        self.ptr_gather(self.out)
        return self.view.copy()
