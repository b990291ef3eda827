"""Reading many segments' voltages straight from NEURON 9's node storage.

NEURON 9 keeps every node's voltage in one contiguous column and tells each
``seg._ref_v`` its row (``repr`` shows ``row=R/N``). One
``Vector.from_double`` over the rows of a cell copies them all at memory
speed, about a sixth of the cost of a ``PtrVector.gather`` of the same refs,
which resolves one data handle per ref.

Rows move only when the model's structure changes: deleting a section moves
rows at once and sets NEURON's ``v_structure_change``; the re-sort that
follows, in the next ``fadvance``/``finitialize``, bumps
``structure_change_cnt`` (the counter NEURON's own rxd watches for stale node
pointers). A `VoltageSpan` is trusted only while that counter is unchanged
and nothing is pending; callers fall back to `RefSampler` otherwise.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_VOLTAGE_ROW = re.compile(r"\{Node::field::Voltage row=(\d+)/(\d+) ")


_flags: tuple[Any, Any] | bool | None = False  # looked up once; False: not yet


def _structure_flags() -> tuple[Any, Any] | None:
    """NEURON's ``structure_change_cnt`` and ``v_structure_change``, or ``None`` if not exported."""
    global _flags
    if _flags is False:
        try:
            from neuron import nrn_dll_sym

            _flags = (nrn_dll_sym("structure_change_cnt", ctypes.c_int),
                      nrn_dll_sym("v_structure_change", ctypes.c_int))
        except (AttributeError, ImportError, OSError, TypeError, ValueError):
            _flags = None
    return _flags  # type: ignore[return-value]


def structure_token() -> int | None:
    """NEURON's structure change count, or ``None`` while a change is pending or if it is not exported."""
    flags = _structure_flags()
    if flags is None or flags[1].value:
        return None
    return int(flags[0].value)


class VoltageSpan:
    """The node voltages of many segments, read with one ``Vector.from_double``.

    Build one with `VoltageSpan.build`; it is valid while `is_current` says so.

    Args:
        base: The ref of the lowest storage row among the segments.
        offsets: Each segment's row minus the base row, in the caller's order.
        flags: NEURON's ``(structure_change_cnt, v_structure_change)`` ctypes ints.
    """

    def __init__(self, base: Any, offsets: np.ndarray, flags: tuple[Any, Any]) -> None:
        from neuron import h

        self._base = base
        self._offsets = offsets
        self._span = int(offsets.max()) + 1
        self._count, self._pending = flags
        self._token = self._count.value
        self._column_vector = h.Vector(self._span)
        self._from_double = self._column_vector.from_double
        self._column: np.ndarray = self._column_vector.as_numpy()  # `build` checks reads keep this memory

    @classmethod
    def build(cls, refs: Sequence[Any]) -> VoltageSpan | None:
        """Lay out ``refs`` (``seg._ref_v``) in NEURON's storage, or ``None`` where that is not possible.

        ``None`` when NEURON does not show storage rows (not NEURON 9), does not
        export its structure counter, a structure change is still pending, or
        any ref is not a node voltage.
        """
        flags = _structure_flags()
        if flags is None or flags[1].value or not refs:
            return None
        rows = np.empty(len(refs), dtype=np.intp)
        size = None
        for i, ref in enumerate(refs):
            match = _VOLTAGE_ROW.search(repr(ref))
            if match is None or (size is not None and int(match[2]) != size):
                return None
            rows[i], size = int(match[1]), int(match[2])
        if len(np.unique(rows)) != len(rows) or rows.max() >= size:
            return None
        lowest = int(np.argmin(rows))
        span = cls(refs[lowest], rows - rows[lowest], flags)
        return span if span._agrees_with(refs) else None

    def is_current(self) -> bool:
        """Whether the rows are still where `build` found them (no structure change since)."""
        return self._count.value == self._token and not self._pending.value

    def read(self) -> np.ndarray:
        """The current voltages, ``(n,)`` float64 in the order of the refs given to `build`."""
        self._from_double(self._span, self._base)
        return self._column[self._offsets]

    def _agrees_with(self, refs: Sequence[Any]) -> bool:
        """Whether a read returns each ref's own value, checked with distinct values written through the refs.

        The refs' values are saved, replaced by ``0, 1, 2, ...`` for one read,
        and restored exactly, so the model's state is unchanged.
        """
        from neuron import h

        pointers = h.PtrVector(len(refs))
        for i, ref in enumerate(refs):
            pointers.pset(i, ref)
        saved = h.Vector(len(refs))
        pointers.gather(saved)
        pointers.scatter(h.Vector(np.arange(len(refs), dtype=float)))
        try:
            marked = self.read()
        finally:
            pointers.scatter(saved)
        same_memory = self._column.ctypes.data == self._column_vector.as_numpy().ctypes.data
        return same_memory and np.array_equal(marked, np.arange(len(refs)))
