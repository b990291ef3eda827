"""Record a Scene and its update stream to HDF5, and read it back.

The file is readable without CompNeuroVis (h5py, MATLAB, HDFView)::

    /                         attrs: format="compneurovis-recording", format_version,
                                     protocol_version, title, complete (False until closed)
    /scene                    uint8: the first Scene as a CompNeuroVis message (`encode`)
    /log/bytes, /log/offsets  every later update, `encode`d, concatenated; update k is
                              bytes[offsets[k]:offsets[k+1]]
    /log/sim_time, /log/wall_time   per update (NaN where it has none)
    /frames/<field>/values    (n_frames, ...) each display frame (FieldReplace) of <field>
    /frames/<field>/sim_time  (n_frames,)
    /history/<field>/<part>/values   the field's history, growing along its append dim;
                              a new part starts when its other dims change (a trace added)
    /history/<field>/<part>/<dim>    coordinates (entity ids, times), attrs unit, dims
    /events                   table: wall_time, sim_time, kind, detail (JSON) for control
                              changes, actions, key presses, clicks, status and errors

Rows are buffered and written at least every ``flush_interval`` seconds, so a recording
cut off mid-run stays readable up to its last flush.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._codec import decode, encode
from ._errors import SceneError
from ._field import Field
from ._protocol import (
    PROTOCOL_VERSION,
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
FORMAT_VERSION = 1
_EVENT_KINDS = (SetControl, InvokeAction, KeyPressed, EntityClicked, Reset, StatePatch, Status, Error)


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("recording needs h5py: pip install h5py (or pip install compneurovis)") from exc
    return h5py


def _grow(dataset: Any, block: np.ndarray, axis: int = 0) -> None:
    start = dataset.shape[axis]
    dataset.resize(start + block.shape[axis], axis=axis)
    index = [slice(None)] * dataset.ndim
    index[axis] = slice(start, start + block.shape[axis])
    dataset[tuple(index)] = block


def _growable(group: Any, name: str, row_shape: tuple[int, ...], dtype: Any) -> Any:
    """A dataset of rows of ``row_shape`` that grows along axis 0, chunked at about 1 MB."""
    row_bytes = max(1, np.dtype(dtype).itemsize * int(np.prod(row_shape, dtype=np.int64)))
    rows = max(1, min(4096, (1 << 20) // row_bytes))
    return group.create_dataset(name, shape=(0, *row_shape), maxshape=(None, *row_shape), dtype=dtype,
                                chunks=(rows, *row_shape))


def _coordinate(values: np.ndarray) -> Any:
    return values.astype(object) if values.dtype.kind in "US" else values


class Recorder:
    """Append a Scene and its updates to an HDF5 file as they arrive.

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
                                protocol_version=PROTOCOL_VERSION, complete=False)
        log = self._file.create_group("log")
        self._bytes = log.create_dataset("bytes", shape=(0,), maxshape=(None,), dtype=np.uint8, chunks=(1 << 18,))
        self._offsets = log.create_dataset("offsets", data=np.zeros(1, np.int64), maxshape=(None,), chunks=(4096,))
        self._sim = log.create_dataset("sim_time", shape=(0,), maxshape=(None,), dtype=np.float64, chunks=(4096,))
        self._wall = log.create_dataset("wall_time", shape=(0,), maxshape=(None,), dtype=np.float64, chunks=(4096,))
        event_dtype = np.dtype([("wall_time", "f8"), ("sim_time", "f8"),
                                ("kind", h5py.string_dtype()), ("detail", h5py.string_dtype())])
        self._events = self._file.create_dataset("events", shape=(0,), maxshape=(None,), dtype=event_dtype,
                                                 chunks=(256,))
        self._scene: Scene | None = None
        self._nbytes = 0
        self._pending: dict[str, tuple[Any, list[np.ndarray]]] = {}  # dataset name -> blocks to write
        self._datasets: dict[str, Any] = {}  # cached h5py dataset objects by path
        self._parts: dict[str, tuple[Any, int, str]] = {}  # field id -> (part group, number, append dim)
        self._start = time.monotonic()
        self._last_flush = self._start
        self._sim_time = float("nan")
        self.flush_interval = flush_interval

    # ---------------------------------------------------------------- writing

    def write_updates(self, updates: Iterable[SessionUpdate]) -> None:
        """Record updates in arrival order; the first must be a `SceneReady`."""
        for update in updates:
            self._write(update)
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

    def write_command(self, command: SessionCommand) -> None:
        """Record a command the user sent (control change, action, key, click) as an event."""
        if isinstance(command, _EVENT_KINDS):
            self._event(command)

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
        before = self._scene.fields.get(getattr(update, "field_id", ""))
        if isinstance(update, FieldAppend):  # checked, not applied: the file keeps the history
            if before is None:
                raise SceneError(f"unknown field id {update.field_id!r}; known: {sorted(self._scene.fields)}")
            before.check_append(update.append_dim, update.values, update.coord_values)
        else:
            self._scene.apply(update)  # validates the update and keeps the recorder's view of the fields
        message = np.frombuffer(encode(update), np.uint8)
        self._queue(self._bytes, message)
        self._nbytes += message.size
        self._queue(self._offsets, np.array([self._nbytes], np.int64))
        sim_time = getattr(update, "sim_time", None)
        if sim_time is not None:
            self._sim_time = float(sim_time)
        self._queue(self._sim, np.array([np.nan if sim_time is None else sim_time]))
        self._queue(self._wall, np.array([time.monotonic() - self._start]))
        if isinstance(update, FieldReplace) and not update.coords:
            self._frame(update)
        elif isinstance(update, FieldReplace):
            self._new_part(self._scene.fields[update.field_id])
        elif isinstance(update, FieldAppend):
            assert before is not None
            self._history(before, update)
        elif isinstance(update, _EVENT_KINDS):
            self._event(update)

    def _frame(self, update: FieldReplace) -> None:
        group = self._file.require_group(f"frames/{update.field_id}")
        values = np.asarray(update.values)
        if "values" not in group:
            _growable(group, "values", values.shape, values.dtype)
            _growable(group, "sim_time", (), np.float64)
            group.attrs["unit"] = self._scene.fields[update.field_id].unit or ""  # type: ignore[union-attr]
        self._queue(self._dataset(group, "values"), values[None])
        sim_time = np.nan if update.sim_time is None else update.sim_time
        self._queue(self._dataset(group, "sim_time"), np.array([sim_time]))

    def _new_part(self, current: Field) -> None:
        """Start a new history part holding ``current``'s values so far, append dim first."""
        h5py = _h5py()
        append_dim = "time" if "time" in current.dims else current.dims[-1]
        others = [d for d in current.dims if d != append_dim]
        number = self._parts[current.id][1] + 1 if current.id in self._parts else 0
        group = self._file.require_group(f"history/{current.id}/{number}")
        group.attrs.update(dims=[append_dim, *others], unit=current.unit or "", append_dim=append_dim)
        for dim in others:
            if dim in current.coords:
                coord = current.coords[dim]
                group.create_dataset(dim, data=_coordinate(coord),
                                     dtype=h5py.string_dtype() if coord.dtype.kind in "US" else coord.dtype)
        values = np.moveaxis(np.asarray(current.values), current.axis(append_dim), 0)
        self._queue(_growable(group, "values", values.shape[1:], values.dtype), values)
        if append_dim in current.coords:
            coord = current.coords[append_dim]
            self._queue(_growable(group, append_dim, (), coord.dtype), coord)
        self._parts[current.id] = (group, number, append_dim)

    def _history(self, before: Field, update: FieldAppend) -> None:
        if update.field_id not in self._parts:
            self._new_part(before)
        group, _, append_dim = self._parts[update.field_id]
        if update.append_dim != append_dim:
            return  # only the update log keeps appends along another dim
        self._queue(self._dataset(group, "values"), np.moveaxis(np.asarray(update.values), before.axis(append_dim), 0))
        if update.coord_values is not None and append_dim in group:
            self._queue(self._dataset(group, append_dim), np.asarray(update.coord_values))

    def _event(self, item: Any) -> None:
        detail = {k: v for k, v in asdict(item).items() if k != "traceback"}
        row = np.zeros(1, self._events.dtype)
        row["wall_time"] = time.monotonic() - self._start
        row["sim_time"] = self._sim_time
        row["kind"] = type(item).__name__
        row["detail"] = json.dumps(detail, default=lambda v: np.asarray(v).tolist())
        self._queue(self._events, row)

    def _queue(self, dataset: Any, block: np.ndarray) -> None:
        """Buffer rows for ``dataset``; `flush` writes each dataset's rows in one go."""
        entry = self._pending.setdefault(dataset.name, (dataset, []))
        entry[1].append(block)

    def _dataset(self, group: Any, name: str) -> Any:
        path = f"{group.name}/{name}"
        if path not in self._datasets:
            self._datasets[path] = group[name]
        return self._datasets[path]

    def flush(self) -> None:
        """Write everything buffered to disk (one resize and write per dataset)."""
        for dataset, blocks in self._pending.values():
            _grow(dataset, blocks[0] if len(blocks) == 1 else np.concatenate(blocks))
        self._pending.clear()
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
        """Updates grouped into display frames: each starts with a display `FieldReplace`."""
        groups: list[list[SessionUpdate]] = [[]]
        has_frame = False
        for update in self.updates:
            if isinstance(update, FieldReplace) and not update.coords:
                if has_frame:
                    groups.append([])
                has_frame = True
            groups[-1].append(update)
        return [g for g in groups if g]


def read_recording(path: str | Path) -> Recording:
    """Open a recording made by `Recorder`.

    Raises:
        SceneError: Naming the file, for a file that is not a recording, of a
            newer format, or truncated beyond its last flush.
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
        if version > FORMAT_VERSION or int(f.attrs.get("protocol_version", -1)) != PROTOCOL_VERSION:
            raise SceneError(f"{path}: recording format {version} / protocol {f.attrs.get('protocol_version')} "
                             f"is not readable by this CompNeuroVis (format {FORMAT_VERSION}, "
                             f"protocol {PROTOCOL_VERSION})")
        if "scene" not in f:
            raise SceneError(f"{path}: the recording holds no Scene (cut off before the first flush)")
        scene = decode(f["scene"][()].tobytes())
        data = f["log/bytes"][()]
        offsets = f["log/offsets"][()]
        sim = f["log/sim_time"][()]
        complete = bool(f.attrs.get("complete", False))
        events = [_event_row(row) for row in f["events"][()]] if "events" in f else []
    n = min(len(offsets) - 1, len(sim))
    updates = []
    for k in range(n):
        start, end = int(offsets[k]), int(offsets[k + 1])
        if end > len(data):
            break  # cut off mid-update: keep what was flushed whole
        updates.append(decode(data[start:end].tobytes()))
    return Recording(path=path, scene=scene, updates=updates, sim_times=sim[:len(updates)], complete=complete,
                     events=events)


def _event_row(row: Any) -> dict[str, Any]:
    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    return {"wall_time": float(row["wall_time"]), "sim_time": float(row["sim_time"]),
            "kind": text(row["kind"]), "detail": json.loads(text(row["detail"]))}
