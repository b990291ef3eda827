"""Record a Scene and its update stream to an append-only file that survives crashes.

The file (format 3, see `_recording_format`) is a header and then checksummed
blocks, each one `encode`d message. Display frames and history appends,
nearly all of a live run's bytes, are copied into preallocated row buffers as
they arrive; every ``flush_interval`` seconds (or when a buffer fills) the
buffers and the rare other updates (encoded as they arrive) become one block,
which the recorder's writer thread checksums, appends and (at most once a
second) syncs to the disk. A kill, a crash, a full disk or a truncated copy
therefore loses only what was not yet written: the reader drops a torn last
block. `export_hdf5` turns a recording into HDF5 for other tools.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import _recording_format as fmt
from ._codec import decode, encode
from ._errors import SceneError
from ._protocol import (
    PROTOCOL_VERSION,
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    FieldReplace,
    InvokeAction,
    KeyPressed,
    Reset,
    SceneReady,
    SessionCommand,
    SessionUpdate,
    SetControl,
    StatePatch,
    Status,
)
from ._recording_read import Recording, check_frame, read_recording
from ._recording_writer import BlockWriter
from ._scene import Scene

__all__ = ["Recorder", "Recording", "read_recording"]

_EVENT_KINDS = (SetControl, InvokeAction, KeyPressed, EntityClicked, Reset, StatePatch, Status, Error)
_APPENDS = np.dtype([("seq", "i8"), ("count", "i8"), ("max_length", "i8"), ("sim_time", "f8")])
_TIMES = np.dtype([("seq", "i8"), ("sim_time", "f8")])
#: Bytes buffered per stream before a block is written.
_BUFFER_BYTES = 4 << 20


class _Rows:
    """Rows of one dtype and shape, buffered until the next block (the recorder writes one when full)."""

    def __init__(self, row_shape: tuple[int, ...], dtype: Any) -> None:
        dtype = np.dtype(dtype)
        row_bytes = max(1, dtype.itemsize * int(np.prod(row_shape, dtype=np.int64)))
        self.buffer = np.empty((max(16, _BUFFER_BYTES // row_bytes), *row_shape), dtype)
        self.spare: np.ndarray | None = None  # the buffer the block being written uses
        self.big: np.ndarray | None = None  # one block of rows larger than the buffer
        self.n = 0

    def free(self) -> int:
        """Rows that still fit."""
        return self.buffer.shape[0] - self.n if self.big is None else 0

    def add(self, row: Any) -> None:
        """Buffer one row (there must be room: see `free`)."""
        self.buffer[self.n] = row
        self.n += 1

    def extend(self, rows: np.ndarray) -> None:
        """Buffer a block of rows (with room for them, or into an empty buffer)."""
        k = rows.shape[0]
        if k > self.buffer.shape[0] - self.n:
            assert not self.n and self.big is None
            self.big = np.array(rows)
            return
        self.buffer[self.n:self.n + k] = rows
        self.n += k

    @property
    def pending(self) -> bool:
        """Whether rows wait for the next block."""
        return bool(self.n) or self.big is not None

    def take(self) -> np.ndarray:
        """Every buffered row; buffering goes on in a spare buffer (free again once the block is written)."""
        rows = self.buffer[:self.n] if self.big is None else self.big
        if self.big is None:
            self.buffer, self.spare = (np.empty_like(self.buffer) if self.spare is None else self.spare), self.buffer
        self.big, self.n = None, 0
        return rows


@dataclass
class _Frames:
    field_id: str
    values: _Rows
    times: _Rows  # _TIMES rows
    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass
class _Appends:
    field_id: str
    append_dim: str
    axis: int  # of the append dim in the field's own dims
    others: tuple[int, ...]  # the field's sizes along its other dims
    values: _Rows
    coord: _Rows | None
    table: _Rows


class Recorder:
    """Append a Scene and its updates to a recording file as they arrive.

    Every update is checked against the recorded Scene before it is kept; a
    bad one raises `SceneError` naming the field and shapes, and nothing
    recorded before it is lost. The file is locked while it is written: a
    second recorder to the same path is refused and the first file is not
    touched (POSIX advisory lock).

    Args:
        path: File to create (an existing one is overwritten unless another
            recorder holds it). Any name works; ``.cnvrec`` is customary.
        flush_interval: Most seconds between writes to the file; a kill loses
            at most this much (plus one second for a crash of the machine).

    Raises:
        OSError: Naming the path, if it cannot be created (missing folder,
            no permission) or another recorder holds it.

    Example:
        >>> with Recorder("run.cnvrec") as rec:   # doctest: +SKIP
        ...     rec.write_updates(transport.poll(0.1))
    """

    def __init__(self, path: str | Path, *, flush_interval: float = 1.0) -> None:
        self.path = Path(path)
        self.flush_interval = flush_interval
        self._writer = BlockWriter(self.path, PROTOCOL_VERSION)
        self._told = False  # whether the writer's failure was raised to the caller
        self._closed = False
        self._scene: Scene | None = None
        self._seq = 0  # stream position of the next update
        self._start_seq = 0  # of the first update not yet in a block
        self._frames: dict[str, _Frames] = {}
        self._appends: dict[str, _Appends] = {}
        self._retired: list[_Frames | _Appends] = []  # streams replaced since the last block
        self._log: list[bytes] = []
        self._log_rows: list[tuple[int, float, float]] = []
        self._events: list[tuple[float, float, str, str]] = []
        self._start = time.monotonic()
        self._last_flush = self._start
        self._sim_time = float("nan")

    # ---------------------------------------------------------------- writing

    def write_updates(self, updates: Iterable[SessionUpdate]) -> None:
        """Record updates in arrival order; the first must be a `SceneReady`.

        Raises:
            SceneError: For an update that does not fit the recorded Scene
                (it is not recorded; everything before it is kept).
            OSError: If the file cannot be written (e.g. the disk is full):
                the message names the file, the reason and what it holds;
                the recorder then stops.
        """
        self._check_failed()
        for update in updates:
            kind = type(update)
            if fmt.is_display_frame(update) and self._frame(update):  # type: ignore[arg-type]
                pass
            elif kind is FieldAppend and self._append(update):  # type: ignore[arg-type]
                pass
            else:
                self._general(update)
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self._flush_block()

    def write_command(self, command: SessionCommand) -> None:
        """Record a command the user sent (control change, action, key, click) as an event."""
        if isinstance(command, _EVENT_KINDS):
            self._event(command)

    def _frame(self, update: DisplayFrame) -> bool:
        """Keep a display frame in its row buffers; ``False`` sends it down the general path."""
        stream = self._frames.get(update.field_id)
        values = update.values
        if stream is None or not isinstance(values, np.ndarray) or values.shape != stream.shape \
                or values.dtype != stream.dtype:
            return False
        if not stream.values.free() or not stream.times.free():
            self._flush_block()  # a full buffer: everything so far goes out as one block
        stream.values.add(values)
        sim_time = update.sim_time
        stream.times.add((self._seq, np.nan if sim_time is None else sim_time))
        self._seq += 1
        if sim_time is not None:
            self._sim_time = sim_time
        return True

    def _append(self, update: FieldAppend) -> bool:
        """Keep a history block in its stream's buffers; ``False`` sends it down the general path."""
        stream = self._appends.get(update.field_id)
        if stream is None or update.append_dim != stream.append_dim:
            return False
        block = update.values
        if not isinstance(block, np.ndarray) or block.ndim != len(stream.others) + 1:
            return False
        if not stream.axis:
            rows = block
        elif block.ndim == 2:  # (entities, time): the common case, and far cheaper than moveaxis
            rows = block.T
        else:
            rows = np.moveaxis(block, stream.axis, 0)
        k = rows.shape[0]
        coord = update.coord_values
        if rows.shape[1:] != stream.others or rows.dtype != stream.values.buffer.dtype \
                or (stream.coord is not None and (coord is None or len(coord) != k)):
            return False  # the general path raises the precise error
        if stream.values.free() < k or not stream.table.free() or (stream.coord is not None
                                                                    and stream.coord.free() < k):
            self._flush_block()
        stream.values.extend(rows)
        if stream.coord is not None:
            stream.coord.extend(np.asarray(coord))
        sim_time = update.sim_time
        stream.table.add((self._seq, k, -1 if update.max_length is None else update.max_length,
                          np.nan if sim_time is None else sim_time))
        self._seq += 1
        if sim_time is not None:
            self._sim_time = sim_time
        return True

    def _general(self, update: SessionUpdate) -> None:
        """Check ``update`` against the Scene; keep it in a stream or encoded in the log."""
        if isinstance(update, SceneReady):
            message = encode(update.scene)
            if self._scene is None:
                self._scene = decode(message)  # the recorder's own copy
                self._write_block({"kind": "scene", "scene": self._scene})
                return
            update = SceneReady(scene=decode(message))
        if self._scene is None:
            raise SceneError(f"{self.path}: the first recorded update must be SceneReady, got {type(update).__name__}")
        if isinstance(update, FieldAppend):  # checked, not applied: the file keeps the history
            before = self._scene.fields.get(update.field_id)
            if before is None:
                raise SceneError(f"unknown field id {update.field_id!r}; known: {sorted(self._scene.fields)}")
            before.check_append(update.append_dim, update.values, update.coord_values)
            if isinstance(update.values, np.ndarray):
                self._new_appends(before, update)
                if self._append(update):
                    return
        else:
            if fmt.is_display_frame(update) and update.field_id in self._scene.fields:  # type: ignore[union-attr]
                check_frame(self._scene.fields[update.field_id], update.values)  # type: ignore[union-attr]
            self._scene.apply(update)  # validates the update and keeps the recorder's view of the fields
            if fmt.is_display_frame(update):
                self._new_frames(update)  # type: ignore[arg-type]
                if self._frame(update):  # type: ignore[arg-type]
                    return
            elif isinstance(update, FieldReplace | SceneReady):  # history may change shape: new streams
                for fid in [update.field_id] if isinstance(update, FieldReplace) else list(self._appends):
                    if fid in self._appends:
                        self._retired.append(self._appends.pop(fid))
        message = encode(update)
        self._log.append(message)
        sim_time = getattr(update, "sim_time", None)
        if sim_time is not None:
            self._sim_time = float(sim_time)
        self._log_rows.append((self._seq, np.nan if sim_time is None else float(sim_time),
                               time.monotonic() - self._start))
        self._seq += 1
        if isinstance(update, _EVENT_KINDS):
            self._event(update)

    def _new_frames(self, update: DisplayFrame) -> None:
        """Buffers for the display frames of ``update.field_id``, shaped like ``update``."""
        old = self._frames.pop(update.field_id, None)
        if old is not None:
            self._retired.append(old)
        values = np.asarray(update.values)
        self._frames[update.field_id] = _Frames(update.field_id, _Rows(values.shape, values.dtype),
                                                _Rows((), _TIMES), values.shape, values.dtype)

    def _new_appends(self, current: Any, update: FieldAppend) -> None:
        """Buffers for the history appends of ``current`` along ``update.append_dim``."""
        old = self._appends.pop(current.id, None)
        if old is not None:
            self._retired.append(old)
        dim = update.append_dim
        axis = current.axis(dim)
        block = np.asarray(update.values)
        others = tuple(s for i, s in enumerate(block.shape) if i != axis)
        coord = None
        if dim in current.coords:
            coord = _Rows((), np.asarray(update.coord_values).dtype)
        self._appends[current.id] = _Appends(current.id, dim, axis, others, _Rows(others, block.dtype), coord,
                                             _Rows((), _APPENDS))

    def _event(self, item: Any) -> None:
        detail = {k: v for k, v in asdict(item).items() if k != "traceback"}
        self._events.append((time.monotonic() - self._start, self._sim_time, type(item).__name__,
                             json.dumps(detail, default=lambda v: np.asarray(v).tolist())))

    # ------------------------------------------------------------------ disk

    def flush(self) -> None:
        """Write everything buffered as one block and wait for it: the file is then readable up to here.

        Raises:
            OSError: If the file cannot be written (see `write_updates`).
        """
        self._flush_block()
        self._writer.wait()
        self._check_failed()

    def _flush_block(self) -> None:
        """Queue everything buffered as one block for the writer thread."""
        self._check_failed()
        self._last_flush = time.monotonic()
        if self._scene is None or (self._seq == self._start_seq and not self._events):
            return
        self._writer.wait()  # the block before is written: the buffers it used are free again
        streams = [*self._retired, *self._frames.values(), *self._appends.values()]
        frames, appends = [], []
        raws: list[np.ndarray] = []  # written straight from the row buffers
        for s in streams:
            if isinstance(s, _Frames) and s.values.pending:
                times = s.times.take()
                frames.append({"field": s.field_id, "values": fmt.raw(s.values.take(), raws),
                               "seq": np.ascontiguousarray(times["seq"]),
                               "sim_time": np.ascontiguousarray(times["sim_time"])})
            elif isinstance(s, _Appends) and s.table.pending:
                table = s.table.take()
                appends.append({"field": s.field_id, "append_dim": s.append_dim, "axis": s.axis,
                                "rows": fmt.raw(s.values.take(), raws),
                                "coord": None if s.coord is None else s.coord.take(),
                                **{name: np.ascontiguousarray(table[name]) for name in _APPENDS.names}})
        self._retired.clear()
        lengths = np.array([0, *(len(m) for m in self._log)], np.int64)
        rows = np.array(self._log_rows, np.float64).reshape(-1, 3)
        log = {"bytes": np.frombuffer(b"".join(self._log), np.uint8), "offsets": np.cumsum(lengths),
               "seq": rows[:, 0].astype(np.int64), "sim_time": rows[:, 1], "wall_time": rows[:, 2]}
        events = [list(column) for column in zip(*self._events, strict=True)] or [[], [], [], []]
        self._write_block({"kind": "data", "start": self._start_seq, "end": self._seq, "frames": frames,
                           "appends": appends, "log": log,
                           "events": {"wall_time": np.array(events[0], np.float64),
                                      "sim_time": np.array(events[1], np.float64),
                                      "kind": events[2], "detail": events[3]}}, raws)
        self._log.clear()
        self._log_rows.clear()
        self._events.clear()
        self._start_seq = self._seq

    def flush_if_due(self) -> None:
        """Write a block if ``flush_interval`` has passed since the last one (call while idle)."""
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self._flush_block()

    def _write_block(self, content: dict[str, Any], raws: list[np.ndarray] | None = None) -> None:
        self._writer.submit(fmt.pack(content, raws or []), self._seq, self._sim_time)

    def _check_failed(self) -> None:
        failure = self._writer.failure
        if failure is not None:
            self._told = True
            raise failure

    @property
    def failed(self) -> OSError | None:
        """The error that stopped the recorder (a full disk, ...), or ``None``."""
        return self._writer.failure

    def close(self) -> None:
        """Flush, mark the recording complete and close the file.

        Raises:
            OSError: If the file could not be written (see `write_updates`)
                and this was not yet raised; the file is closed all the same.
        """
        try:
            if self._writer.failure is None and self._scene is not None and not self._closed:
                self._flush_block()
                self._write_block({"kind": "end", "end": self._seq})
        finally:
            self._closed = True
            self._writer.close()
        if self._writer.failure is not None and not self._told:
            self._check_failed()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:  # never closed: release the file and the thread (no end mark: not complete)
            writer.close()
