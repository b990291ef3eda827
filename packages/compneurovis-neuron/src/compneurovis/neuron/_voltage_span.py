"""Reading many segments' voltages straight from NEURON 9's node storage.

NEURON 9 keeps every node's voltage in one contiguous column and tells each
``seg._ref_v`` its row (``repr`` shows ``row=R/N``). A `VoltageSpan` covers
the rows of a set of segments, ``[lowest, highest]``, as one numpy array:

- a zero-copy view onto the column itself (``live``), where NEURON's own
  ``find_data_handle`` confirms that the view's first and last addresses are
  rows ``0`` and ``N - 1`` of the voltage column; each step then costs one
  contiguous copy of the span, with no NEURON call at all;
- otherwise a Vector refilled by one ``Vector.from_double`` per read (a public
  NEURON call, about a sixth of a ``PtrVector.gather`` of the same refs).

The column's address is taken from the handle inside the lowest row's ref (its
``std::vector`` pointer; the same two-level lookup NEURON does on every
dereference), read through a pipe so that a layout other than NEURON 9.0's
gives an error, not a crash, and then proved by the checks above.

Rows move only when the model's structure changes: deleting a section moves
rows at once and sets NEURON's ``v_structure_change``; the re-sort that
follows, in the next ``fadvance``/``finitialize``, bumps
``structure_change_cnt`` (the counter NEURON's own rxd watches for stale node
pointers); a reallocation of the column changes the vector's data pointer. A
`VoltageSpan` is trusted only while none of these has happened; callers fall
back to `RefSampler` otherwise.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_VOLTAGE_ROW = re.compile(r"\{Node::field::Voltage row=(\d+)/(\d+) ")
_RAW_ADDRESS = re.compile(r"\{raw=(0x[0-9a-fA-F]+)\}")
_HANDLE_CONTAINER_WORD = 5  # PyHocObject words: refcnt, type, ho_, then the handle; its container pointer
_HANDLE_MIN_SIZE = 8 * (_HANDLE_CONTAINER_WORD + 1)

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


def time_value() -> Any | None:
    """NEURON's ``t`` as a ``ctypes.c_double`` (``.value`` reads it, no hoc lookup), or ``None``.

    Only returned when it is the very variable ``h._ref_t`` points to.
    """
    from neuron import h

    try:
        from neuron import nrn_dll_sym

        t = nrn_dll_sym("t", ctypes.c_double)
    except (AttributeError, ImportError, OSError, TypeError, ValueError):
        return None
    match = _RAW_ADDRESS.search(repr(h._ref_t))
    if match is None or int(match[1], 16) != ctypes.addressof(t) or t.value != h.t:
        return None
    return t


def _read_word(address: int) -> int | None:
    """The 8 bytes at ``address`` as an unsigned integer, or ``None`` if the memory is not readable.

    Read by the kernel (a write into a pipe), which answers EFAULT for a bad
    address where a plain read would crash the process.
    """
    if address <= 0:
        return None
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, (ctypes.c_char * 8).from_address(address))
        return int.from_bytes(os.read(read_end, 8), sys.byteorder)
    except OSError:
        return None
    finally:
        os.close(read_end)
        os.close(write_end)


def _storage_column(ref: Any, size: int) -> tuple[np.ndarray, Any] | None:
    """A zero-copy view of the whole voltage column ``ref`` lives in, and the column's data-pointer cell.

    ``None`` unless NEURON itself places the view's first and last elements at
    rows ``0`` and ``size - 1`` of its voltage column.
    """
    import neuron

    if sys.getsizeof(ref) < _HANDLE_MIN_SIZE:
        return None
    container = (ctypes.c_uint64 * (_HANDLE_CONTAINER_WORD + 1)).from_address(id(ref))[_HANDLE_CONTAINER_WORD]
    base = _read_word(container)
    if not base or _read_word(base) is None:
        return None
    column = np.ctypeslib.as_array((ctypes.c_double * size).from_address(base))
    for row in (0, size - 1):  # NEURON's own address lookup: no dereference unless inside its storage
        match = _VOLTAGE_ROW.search(repr(neuron.numpy_element_ref(column, row)))
        if match is None or (int(match[1]), int(match[2])) != (row, size):
            return None
    return column, ctypes.c_void_p.from_address(container)


class VoltageSpan:
    """The node voltages of many segments, read as one span of NEURON's storage rows.

    Build one with `VoltageSpan.build`; it is valid while `is_current` says so.
    `window` holds the rows from the lowest to the highest (in storage order)
    after `fill` (``None`` when `window` is NEURON's storage itself); `order`
    puts such rows into the segments' order.

    Args:
        base: The ref of the lowest storage row among the segments.
        offsets: Each segment's row minus the base row, in the caller's order.
        flags: NEURON's ``(structure_change_cnt, v_structure_change)`` ctypes ints.
        storage: NEURON's voltage column (zero-copy) and its data-pointer cell, or ``None``.
        lowest: The base ref's row.
    """

    def __init__(self, base: Any, offsets: np.ndarray, flags: tuple[Any, Any],
                 storage: tuple[np.ndarray, Any] | None = None, lowest: int = 0) -> None:
        from neuron import h

        self._base = base
        self._offsets = offsets
        self._span = int(offsets.max()) + 1
        self._count, self._pending = flags
        self._token = self._count.value
        self._blocks: dict[int, np.ndarray] = {}  # k -> the (k, span) block of `block`
        self.live = storage is not None
        self._column_vector: Any = None
        if storage is not None:
            column, self._data = storage
            self._address = self._data.value
            self.window: np.ndarray = column[lowest:lowest + self._span]
            self.fill: Callable[..., Any] | None = None
        else:
            self._data, self._address = None, None
            self._column_vector = vector = h.Vector(self._span)
            self.fill = functools.partial(vector.from_double, self._span, base)
            self.window = vector.as_numpy()  # `build` checks reads keep this memory

    @classmethod
    def build(cls, refs: Sequence[Any], *, live: bool = True) -> VoltageSpan | None:
        """Lay out ``refs`` (``seg._ref_v``) in NEURON's storage, or ``None`` where that is not possible.

        ``None`` when NEURON does not show storage rows (not NEURON 9), does not
        export its structure counter, a structure change is still pending, or
        any ref is not a node voltage.

        Args:
            refs: The segments' ``_ref_v``.
            live: Try the zero-copy view first (``False``: always ``from_double``).
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
        offsets = rows - rows[lowest]
        storage = _storage_column(refs[lowest], size) if live else None
        span = cls(refs[lowest], offsets, flags, storage, int(rows[lowest]))
        if span._agrees_with(refs):
            return span
        if storage is None:
            return None
        fallback = cls(refs[lowest], offsets, flags)  # the storage view disagreed: from_double only
        return fallback if fallback._agrees_with(refs) else None

    def is_current(self) -> bool:
        """Whether the rows are still where `build` found them (no structure change since)."""
        return (self._count.value == self._token and not self._pending.value
                and (self._data is None or self._data.value == self._address))

    def block(self, k: int) -> np.ndarray:
        """A reusable ``(k, span)`` float32 block for `k` copies of `window` (one per step)."""
        blocks = self._blocks
        if k not in blocks:
            blocks[k] = np.empty((k, self._span), dtype=np.float32)
        return blocks[k]

    def order(self, block: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """A `block` of ``k`` copies of `window` as a new ``(k, n)`` array (owning its memory) in the refs' order.

        Args:
            block: ``(k, span)`` rows as `window` holds them.
            columns: Only these refs (indices into the refs' order); all of them when ``None``.
        """
        offsets = self._offsets if columns is None else self._offsets[columns]
        # one index row for every step: flat indices for all k rows (8 bytes each) cost more cache than they
        # save. Every offset lies in [0, span), so "wrap" never wraps; numpy's loop for it takes a 2,536-column
        # block about 20 % faster than "clip" or "raise" do (numpy 2.4), a percent of a FULL NEURON frame
        return block.take(offsets, axis=1, mode="wrap")

    @property
    def offsets(self) -> np.ndarray:
        """Where each ref's value sits in `window`: ``window[offsets]`` is in the refs' order."""
        return self._offsets

    def read(self) -> np.ndarray:
        """The current voltages, ``(n,)`` float64 in the order of the refs given to `build`."""
        if self.fill is not None:
            self.fill()
        return self.window.take(self._offsets, mode="wrap")  # in range: see `order`

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
        same_memory = self.live or self.window.ctypes.data == self._column_vector.as_numpy().ctypes.data
        return same_memory and self.is_current() and np.array_equal(marked, np.arange(len(refs)))
