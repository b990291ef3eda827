"""Record a Scene and its update stream to HDF5, and read it back.

The file (format 2) is readable without CompNeuroVis (h5py, MATLAB, HDFView)::

    /                         attrs: format="compneurovis-recording", format_version,
                                     protocol_version, title, complete (False until
                                     closed), flushed (stream positions written whole)
    /scene                    uint8: the first Scene as a CompNeuroVis message (`encode`)
    /frames/<field>/values    (n_frames, ...) each `DisplayFrame` of <field>; attrs unit
    /frames/<field>/sim_time  (n_frames,)
    /frames/<field>/seq       (n_frames,) position of each frame in the update stream
    /history/<field>/<part>/values   the field's history, its append dim first; a new
                              part starts when its other dims change (a trace added).
                              attrs: dims, field_dims, unit, append_dim, initial (rows
                              present when the part started)
    /history/<field>/<part>/<dim>    coordinates (entity ids; times grow with values)
    /history/<field>/<part>/appends  table: seq, count, max_length (-1: none), sim_time
                              of each FieldAppend, in order
    /log/bytes, /log/offsets  every other update, `encode`d and concatenated; update k is
                              bytes[offsets[k]:offsets[k+1]]
    /log/seq, /log/sim_time, /log/wall_time   per logged update
    /events                   table: wall_time, sim_time, kind, detail (JSON) for control
                              changes, actions, key presses, clicks, status and errors

Display frames and history appends, nearly all of a live run's bytes, are
copied into preallocated row buffers as they arrive and written in large
blocks; only the rare other updates are encoded. Buffers go to disk at least
every ``flush_interval`` seconds, so a recording cut off mid-run stays readable
up to its last flush.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._codec import decode, decode_recorded, encode
from ._errors import SceneError
from ._field import Field
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
from ._scene import Scene

FORMAT = "compneurovis-recording"
FORMAT_VERSION = 2
_EVENT_KINDS = (SetControl, InvokeAction, KeyPressed, EntityClicked, Reset, StatePatch, Status, Error)
_APPENDS = np.dtype([("seq", "i8"), ("count", "i8"), ("max_length", "i8"), ("sim_time", "f8")])
#: Bytes buffered per dataset before it is written.
_BUFFER_BYTES = 4 << 20


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("recording needs h5py: pip install h5py (or pip install compneurovis)") from exc
    return h5py


def _grow(dataset: Any, block: np.ndarray) -> None:
    start = dataset.shape[0]
    dataset.resize(start + block.shape[0], axis=0)
    dataset[start:] = block


def _coordinate(values: np.ndarray) -> Any:
    return values.astype(object) if values.dtype.kind in "US" else values


class _Rows:
    """An HDF5 dataset growing along axis 0, fed through a preallocated row buffer."""

    def __init__(self, group: Any, name: str, row_shape: tuple[int, ...], dtype: Any) -> None:
        dtype = np.dtype(dtype)
        row_bytes = max(1, dtype.itemsize * int(np.prod(row_shape, dtype=np.int64)))
        chunk = max(1, min(1 << 16, (1 << 20) // row_bytes))  # about 1 MB per chunk
        self.dataset = group.create_dataset(name, shape=(0, *row_shape), maxshape=(None, *row_shape),
                                            dtype=dtype, chunks=(chunk, *row_shape))
        self.row_shape = tuple(row_shape)
        self.buffer = np.empty((max(16, _BUFFER_BYTES // row_bytes), *row_shape), dtype)
        self.n = 0

    def add(self, row: Any) -> None:
        """Buffer one row."""
        if self.n == self.buffer.shape[0]:
            self.write()
        self.buffer[self.n] = row
        self.n += 1

    def extend(self, rows: np.ndarray) -> None:
        """Buffer a block of rows (written straight through when larger than the buffer)."""
        k = rows.shape[0]
        if self.n + k > self.buffer.shape[0]:
            self.write()
            if k > self.buffer.shape[0]:
                _grow(self.dataset, rows)
                return
        self.buffer[self.n:self.n + k] = rows
        self.n += k

    def write(self) -> None:
        """Write the buffered rows to the file."""
        if self.n:
            _grow(self.dataset, self.buffer[:self.n])
            self.n = 0


@dataclass
class _FrameStream:
    values: _Rows
    sim_time: _Rows
    seq: _Rows
    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass
class _Part:
    group: Any
    number: int
    append_dim: str
    axis: int  # of the append dim in the field's own dims
    others: tuple[int, ...]  # the field's sizes along its other dims
    values: _Rows
    coord: _Rows | None
    appends: _Rows


class Recorder:
    """Append a Scene and its updates to an HDF5 file as they arrive.

    Every update is checked against the recorded Scene before it is kept; a
    bad one raises `SceneError` naming the field and shapes, and nothing
    recorded before it is lost.

    Args:
        path: File to create (overwritten).
        flush_interval: Most seconds between flushes to disk.

    Example:
        >>> with Recorder("run.h5") as rec:   # doctest: +SKIP
        ...     rec.write_updates(transport.poll(0.1))
    """

    def __init__(self, path: str | Path, *, flush_interval: float = 1.0) -> None:
        h5py = _h5py()
        self.path = Path(path)
        # Default (earliest) file format: no "open for write" flag left behind if the process is killed.
        self._file = h5py.File(self.path, "w")
        self._file.attrs.update(format=FORMAT, format_version=FORMAT_VERSION,
                                protocol_version=PROTOCOL_VERSION, complete=False, flushed=0)
        log = self._file.create_group("log")
        self._log_bytes = _Rows(log, "bytes", (), np.uint8)
        self._log_offsets = _Rows(log, "offsets", (), np.int64)
        self._log_offsets.add(0)
        self._log_seq = _Rows(log, "seq", (), np.int64)
        self._log_sim = _Rows(log, "sim_time", (), np.float64)
        self._log_wall = _Rows(log, "wall_time", (), np.float64)
        event_dtype = np.dtype([("wall_time", "f8"), ("sim_time", "f8"),
                                ("kind", h5py.string_dtype()), ("detail", h5py.string_dtype())])
        self._events = self._file.create_dataset("events", shape=(0,), maxshape=(None,), dtype=event_dtype,
                                                 chunks=(256,))
        self._pending_events: list[np.ndarray] = []
        self._rows: list[_Rows] = [self._log_bytes, self._log_offsets, self._log_seq, self._log_sim,
                                   self._log_wall]
        self._scene: Scene | None = None
        self._nbytes = 0
        self._seq = 0  # stream position of the next update
        self._frames: dict[str, _FrameStream] = {}
        self._parts: dict[str, _Part] = {}
        self._start = time.monotonic()
        self._last_flush = self._start
        self._sim_time = float("nan")
        self.flush_interval = flush_interval

    # ---------------------------------------------------------------- writing

    def write_updates(self, updates: Iterable[SessionUpdate]) -> None:
        """Record updates in arrival order; the first must be a `SceneReady`.

        Raises:
            SceneError: For an update that does not fit the recorded Scene
                (it is not recorded; everything before it is kept).
        """
        for update in updates:
            kind = type(update)
            if kind is DisplayFrame and self._frame(update):
                pass
            elif kind is FieldAppend and self._append(update):
                pass
            else:
                self._write(update)
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

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
        stream.values.add(values)
        sim_time = update.sim_time
        stream.sim_time.add(np.nan if sim_time is None else sim_time)
        stream.seq.add(self._seq)
        self._seq += 1
        if sim_time is not None:
            self._sim_time = sim_time
        return True

    def _append(self, update: FieldAppend) -> bool:
        """Keep a history block in its part's buffers; ``False`` sends it down the general path."""
        part = self._parts.get(update.field_id)
        if part is None or update.append_dim != part.append_dim:
            return False
        block = update.values
        if not isinstance(block, np.ndarray) or block.ndim != len(part.others) + 1:
            return False
        if not part.axis:
            rows = block
        elif block.ndim == 2:  # (entities, time): the common case, and far cheaper than moveaxis
            rows = block.T
        else:
            rows = np.moveaxis(block, part.axis, 0)
        k = rows.shape[0]
        coord = update.coord_values
        if rows.shape[1:] != part.others or (part.coord is not None and (coord is None or len(coord) != k)):
            return False  # the general path raises the precise error
        part.values.extend(rows)
        if part.coord is not None:
            part.coord.extend(np.asarray(coord))
        sim_time = update.sim_time
        part.appends.add((self._seq, k, -1 if update.max_length is None else update.max_length,
                          np.nan if sim_time is None else sim_time))
        self._seq += 1
        if sim_time is not None:
            self._sim_time = sim_time
        return True

    def _write(self, update: SessionUpdate) -> None:
        if isinstance(update, SceneReady):
            message = encode(update.scene)
            if self._scene is None:
                self._scene = decode(message)  # the recorder's own copy
                self._file.create_dataset("scene", data=np.frombuffer(message, np.uint8))
                self._file.attrs["title"] = update.scene.title
                return
            update = SceneReady(scene=decode(message))
        if self._scene is None:
            raise SceneError(f"{self.path}: the first recorded update must be SceneReady, got {type(update).__name__}")
        if isinstance(update, FieldAppend):  # checked, not applied: the file keeps the history
            before = self._scene.fields.get(update.field_id)
            if before is None:
                raise SceneError(f"unknown field id {update.field_id!r}; known: {sorted(self._scene.fields)}")
            before.check_append(update.append_dim, update.values, update.coord_values)
            if update.field_id not in self._parts:
                self._new_part(before)
                if self._append(update):
                    return
        else:
            self._scene.apply(update)  # validates the update and keeps the recorder's view of the fields
            if isinstance(update, DisplayFrame) and update.field_id not in self._frames:
                self._new_frame_stream(update)
                if self._frame(update):
                    return
        message = np.frombuffer(encode(update), np.uint8)
        self._log_bytes.extend(message)
        self._nbytes += message.size
        self._log_offsets.add(self._nbytes)
        self._log_seq.add(self._seq)
        self._seq += 1
        sim_time = getattr(update, "sim_time", None)
        if sim_time is not None:
            self._sim_time = float(sim_time)
        self._log_sim.add(np.nan if sim_time is None else sim_time)
        self._log_wall.add(time.monotonic() - self._start)
        if isinstance(update, FieldReplace) and (update.coords or update.field_id in self._parts):
            self._new_part(self._scene.fields[update.field_id])
        elif isinstance(update, _EVENT_KINDS):
            self._event(update)

    def _new_frame_stream(self, update: DisplayFrame) -> None:
        """Datasets for the display frames of ``update.field_id``, shaped like ``update``."""
        assert self._scene is not None
        values = np.asarray(update.values)
        group = self._file.require_group(f"frames/{update.field_id}")
        group.attrs["unit"] = self._scene.fields[update.field_id].unit or ""
        stream = _FrameStream(values=_Rows(group, "values", values.shape, values.dtype),
                              sim_time=_Rows(group, "sim_time", (), np.float64),
                              seq=_Rows(group, "seq", (), np.int64), shape=values.shape, dtype=values.dtype)
        self._frames[update.field_id] = stream
        self._rows += [stream.values, stream.sim_time, stream.seq]

    def _new_part(self, current: Field) -> None:
        """Start a new history part holding ``current``'s values so far, append dim first."""
        h5py = _h5py()
        previous = self._parts.get(current.id)
        if previous is not None:  # its rows must reach the file before a reader meets the next part
            self._rows = [r for r in self._rows if r not in (previous.values, previous.coord, previous.appends)]
            for rows in (previous.values, previous.coord, previous.appends):
                if rows is not None:
                    rows.write()
        append_dim = "time" if "time" in current.dims else current.dims[-1]
        others = [d for d in current.dims if d != append_dim]
        number = previous.number + 1 if previous is not None else 0
        group = self._file.require_group(f"history/{current.id}/{number}")
        values = np.moveaxis(np.asarray(current.values), current.axis(append_dim), 0)
        group.attrs.update(dims=[append_dim, *others], field_dims=list(current.dims), unit=current.unit or "",
                           append_dim=append_dim, initial=values.shape[0])
        for dim in others:
            if dim in current.coords:
                coord = current.coords[dim]
                group.create_dataset(dim, data=_coordinate(coord),
                                     dtype=h5py.string_dtype() if coord.dtype.kind in "US" else coord.dtype)
        part = _Part(group=group, number=number, append_dim=append_dim, axis=current.axis(append_dim),
                     others=tuple(values.shape[1:]), values=_Rows(group, "values", values.shape[1:], values.dtype),
                     coord=None, appends=_Rows(group, "appends", (), _APPENDS))
        part.values.extend(values)
        if append_dim in current.coords:
            coord = current.coords[append_dim]
            part.coord = _Rows(group, append_dim, (), coord.dtype)
            part.coord.extend(coord)
        self._parts[current.id] = part
        self._rows += [r for r in (part.values, part.coord, part.appends) if r is not None]

    def _event(self, item: Any) -> None:
        detail = {k: v for k, v in asdict(item).items() if k != "traceback"}
        row = np.zeros(1, self._events.dtype)
        row["wall_time"] = time.monotonic() - self._start
        row["sim_time"] = self._sim_time
        row["kind"] = type(item).__name__
        row["detail"] = json.dumps(detail, default=lambda v: np.asarray(v).tolist())
        self._pending_events.append(row)

    def flush(self) -> None:
        """Write everything buffered to disk; the file is then readable up to here."""
        for rows in self._rows:
            rows.write()
        if self._pending_events:
            _grow(self._events, np.concatenate(self._pending_events))
            self._pending_events.clear()
        self._file.attrs["flushed"] = self._seq  # last: a reader trusts only what came before it
        self._file.flush()
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Mark the recording complete and close the file."""
        if self._file.id.valid:
            self.flush()
            self._file.attrs["complete"] = True
            self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Recording:
    """A recording read back: the first Scene and the logged updates.

    Attributes:
        path: The file.
        scene: The Scene recorded first.
        updates: Every later update, in arrival order.
        sim_times: Simulation time per update (NaN where none).
        complete: Whether the recorder closed the file (False if it was cut off).
        events: The event table, oldest first: one dict per control change,
            action, key, click, status or error, with ``wall_time`` and
            ``sim_time`` (s, ms; NaN before the first timed update), ``kind``
            (the protocol class name, e.g. ``"SetControl"``) and ``detail``
            (the message's fields).
    """

    path: Path
    scene: Scene
    updates: list[SessionUpdate] = field(default_factory=list)
    sim_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    complete: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)

    def frames(self) -> list[list[SessionUpdate]]:
        """Updates grouped into display frames: each starts with a `DisplayFrame`."""
        groups: list[list[SessionUpdate]] = [[]]
        has_frame = False
        for update in self.updates:
            if isinstance(update, DisplayFrame):
                if has_frame:
                    groups.append([])
                has_frame = True
            groups[-1].append(update)
        return [g for g in groups if g]


def read_recording(path: str | Path) -> Recording:
    """Open a recording made by `Recorder`.

    The update stream is rebuilt in arrival order from the log, the frame
    datasets and the history parts, up to the last flush.

    Files of protocol 1 (before `DisplayFrame` and explicit wire names) open
    too: their messages are read under their old names, their frames become
    `DisplayFrame` s, and their history keeps the orientation it was recorded in.

    Raises:
        SceneError: Naming the file, for a file that is not a recording, of
            another format or protocol version, or truncated beyond its last flush.
    """
    h5py = _h5py()
    path = Path(path)
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise SceneError(f"{path}: not a readable HDF5 recording ({exc})") from None
    with handle as f:
        if f.attrs.get("format") != FORMAT:
            raise SceneError(f"{path}: not a CompNeuroVis recording (format attribute {f.attrs.get('format')!r})")
        version = int(f.attrs.get("format_version", -1))
        protocol = int(f.attrs.get("protocol_version", -1))
        # Protocol 1 files open: their messages are read under the old wire names (see decode_recorded).
        if version != FORMAT_VERSION or protocol not in (1, PROTOCOL_VERSION):
            raise SceneError(f"{path}: recording format {version} / protocol {f.attrs.get('protocol_version')} "
                             f"is not readable by this CompNeuroVis (format {FORMAT_VERSION}, "
                             f"protocol {PROTOCOL_VERSION})")
        if "scene" not in f:
            raise SceneError(f"{path}: the recording holds no Scene (cut off before the first flush)")
        try:
            scene = decode_recorded(f["scene"][()].tobytes(), protocol)
            limit = int(f.attrs.get("flushed", 0))
            items = _logged(f["log"], limit, protocol)
            for fid, group in f.get("frames", {}).items():
                items += _frames(fid, group, limit)
            for fid, parts in f.get("history", {}).items():
                for part in parts.values():
                    items += _appends(fid, part, limit)
            complete = bool(f.attrs.get("complete", False))
            events = [_event_row(row) for row in f["events"][()]] if "events" in f else []
        except (KeyError, OSError, ValueError) as exc:
            raise SceneError(f"{path}: damaged recording ({exc})") from None
    items.sort(key=lambda item: item[0])
    updates = [update for _, update in items]
    sim = np.array([np.nan if getattr(u, "sim_time", None) is None else u.sim_time for u in updates])
    return Recording(path=path, scene=scene, updates=updates, sim_times=sim, complete=complete, events=events)


def _logged(log: Any, limit: int, protocol: int) -> list[tuple[int, SessionUpdate]]:
    data, offsets, seq = log["bytes"][()], log["offsets"][()], log["seq"][()]
    items = []
    for k in range(min(len(seq), len(offsets) - 1)):
        start, end = int(offsets[k]), int(offsets[k + 1])
        if seq[k] >= limit or end > len(data):
            break
        items.append((int(seq[k]), decode_recorded(data[start:end].tobytes(), protocol)))
    return items


def _frames(field_id: str, group: Any, limit: int) -> list[tuple[int, SessionUpdate]]:
    seq = group["seq"][()]
    n = int(np.searchsorted(seq, limit))
    values, sim_time = group["values"][:n], group["sim_time"][:n]
    return [(int(seq[k]), DisplayFrame(field_id=field_id, values=values[k],
                                       sim_time=None if np.isnan(sim_time[k]) else float(sim_time[k])))
            for k in range(n)]


def _appends(field_id: str, part: Any, limit: int) -> list[tuple[int, SessionUpdate]]:
    table = part["appends"][()]
    table = table[table["seq"] < limit]
    append_dim = str(part.attrs["append_dim"])
    axis = [str(d) for d in part.attrs["field_dims"]].index(append_dim)
    stops = int(part.attrs["initial"]) + np.cumsum(table["count"])
    values = part["values"][:int(stops[-1]) if len(stops) else 0]
    coord = part[append_dim][:len(values)] if append_dim in part else None
    items = []
    for row, stop in zip(table, stops, strict=True):
        start = int(stop - row["count"])
        items.append((int(row["seq"]), FieldAppend(
            field_id=field_id, append_dim=append_dim, values=np.moveaxis(values[start:stop], 0, axis),
            coord_values=None if coord is None else coord[start:stop],
            max_length=None if row["max_length"] < 0 else int(row["max_length"]),
            sim_time=None if np.isnan(row["sim_time"]) else float(row["sim_time"]))))
    return items


def _event_row(row: Any) -> dict[str, Any]:
    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    return {"wall_time": float(row["wall_time"]), "sim_time": float(row["sim_time"]),
            "kind": text(row["kind"]), "detail": json.loads(text(row["detail"]))}
