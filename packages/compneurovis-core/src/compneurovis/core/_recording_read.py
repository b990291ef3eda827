"""Read a recording back, whatever happened to the file: `read_recording` and `Recording`."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _recording_format as fmt
from ._codec import decode, encode
from ._errors import SceneError
from ._field import Field
from ._protocol import PROTOCOL_VERSION, FieldAppend, SceneReady, SessionUpdate
from ._scene import Scene

_UPDATE_TYPES = tuple(SessionUpdate.__args__)  # type: ignore[attr-defined]
#: What a crafted (checksum-valid but inconsistent) block can make Python raise while it is taken apart.
MALFORMED = (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError, OverflowError,
             struct.error)


@dataclass
class Recording:
    """A recording read back: the first Scene and the updates after it.

    Attributes:
        path: The file.
        scene: The Scene recorded first.
        updates: Every later update, in arrival order.
        sim_times: Simulation time per update (NaN where none).
        complete: Whether the recorder closed the file and nothing after
            that was damaged (False if it was cut off: a kill, a crash, a
            full disk, a truncated copy).
        events: The event table, oldest first: one dict per control change,
            action, key, click, status or error, with ``wall_time`` and
            ``sim_time`` (s, ms; NaN before the first timed update), ``kind``
            (the protocol class name, e.g. ``"SetControl"``) and ``detail``
            (the message's fields).
        damage: Why reading stopped before the end of the file (a torn last
            block, a checksum mismatch; with its byte offset), or ``None``.
            Everything before the damage is in `updates`.
    """

    path: Path
    scene: Scene
    updates: list[SessionUpdate] = field(default_factory=list)
    sim_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    complete: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    damage: str | None = None

    def frames(self) -> list[list[SessionUpdate]]:
        """Updates grouped into display frames: each group starts with a display frame."""
        groups: list[list[SessionUpdate]] = [[]]
        has_frame = False
        for update in self.updates:
            if fmt.is_display_frame(update):
                if has_frame:
                    groups.append([])
                has_frame = True
            groups[-1].append(update)
        return [g for g in groups if g]


def read_recording(path: str | Path) -> Recording:
    """Open a recording made by `Recorder`.

    A file cut off or damaged part-way (a killed recorder, a full disk, a
    truncated or corrupted copy) reads back up to the damage, which
    `Recording.damage` describes. Every update is checked against the
    recorded Scene (ids, shapes, dtypes), as the recorder did.

    Raises:
        SceneError: The only error raised; its message names the file and
            what is wrong: not a recording, another format or protocol
            version (HDF5 recordings of format 2 are no longer read), no
            readable Scene, or contents that do not fit the Scene.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SceneError(f"{path}: cannot read the recording: {exc.strerror or exc}") from None
    view = memoryview(data)
    if len(data) < fmt.HEADER.size:
        raise SceneError(f"{path}: not a CompNeuroVis recording ({len(data)} bytes, shorter than the header)")
    magic, version, protocol = fmt.HEADER.unpack_from(view)
    if magic == fmt.HDF5_MAGIC:
        raise SceneError(f"{path}: an HDF5 file, not a recording of format {fmt.FORMAT_VERSION}: HDF5 recordings "
                         "(format 2, CompNeuroVis 0.1) are no longer read, and HDF5 exports are for other tools")
    if magic != fmt.MAGIC:
        raise SceneError(f"{path}: not a CompNeuroVis recording (starts with {bytes(magic)!r})")
    if version != fmt.FORMAT_VERSION or protocol != PROTOCOL_VERSION:
        raise SceneError(f"{path}: recording format {version} / protocol {protocol} is not readable by this "
                         f"CompNeuroVis (format {fmt.FORMAT_VERSION}, protocol {PROTOCOL_VERSION})")
    blocks, damage = fmt.split_blocks(view)
    if not blocks:
        raise SceneError(f"{path}: the recording holds no Scene ({damage or 'cut off before its first block'})")
    reader = _Reader(blocks)
    try:
        scene, items, events, complete = reader.read()
    except SceneError as exc:
        raise SceneError(f"{path}: {reader.where}: {exc}") from None
    except MALFORMED as exc:
        raise SceneError(f"{path}: {reader.where}: malformed ({type(exc).__name__}: {exc})") from None
    updates = [update for _, update in items]
    sim = np.array([np.nan if getattr(u, "sim_time", None) is None else u.sim_time for u in updates], np.float64)
    return Recording(path=path, scene=scene, updates=updates, sim_times=sim, complete=complete and damage is None,
                     events=events, damage=damage)


def _copy(scene: Scene) -> Scene:
    return decode(encode(scene))


def _time(value: Any) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def check_frame(current: Field, values: Any) -> None:
    """Raise `SceneError` unless ``values`` can be a display frame of ``current`` (same shape, numeric)."""
    values = np.asarray(values)
    if values.shape != current.values.shape or values.dtype.kind not in "biuf":
        raise SceneError(f"field {current.id!r}: display frame of shape {values.shape} and dtype {values.dtype}, "
                         f"the field holds {current.values.shape} numbers")


class _Reader:
    """Takes the blocks of one file apart and checks them against the Scene."""

    def __init__(self, blocks: list[tuple[int, memoryview]]) -> None:
        self.blocks = blocks
        self.where = "block 0"

    def read(self) -> tuple[Scene, list[tuple[int, SessionUpdate]], list[dict[str, Any]], bool]:
        first, _ = fmt.unpack(self.blocks[0][1])
        if not isinstance(first, dict) or first.get("kind") != "scene" or not isinstance(first.get("scene"), Scene):
            raise SceneError("the first block is not the recording's Scene")
        scene = first["scene"]
        scene.validate()
        items: list[tuple[int, SessionUpdate]] = []
        events: list[dict[str, Any]] = []
        expected, complete = 0, False
        for k, (pos, payload) in enumerate(self.blocks[1:], 1):
            self.where = f"block {k} at byte {pos}"
            content, raws = fmt.unpack(payload)
            if complete:
                raise SceneError("not a block of this recording" if not complete else "a block after the end block")
            if content.get("kind") == "end":
                if content["end"] != expected:
                    raise SceneError(f"end block at stream position {content['end']}, the blocks hold {expected}")
                complete = True
                continue
            if content.get("kind") != "data":
                raise SceneError(f"unknown block kind {content.get('kind')!r}")
            start, end = content["start"], content["end"]
            if start != expected or not isinstance(end, int) or end < start:
                raise SceneError(f"holds stream positions {start} to {end}, expected from {expected} "
                                 "(a block repeated, missing or altered)")
            block = (self._frames(content["frames"], raws) + self._appends(content["appends"], raws)
                     + self._log(content["log"]))
            block.sort(key=lambda item: item[0])
            if [seq for seq, _ in block] != list(range(start, end)):
                raise SceneError(f"its updates are not stream positions {start} to {end - 1} exactly")
            items += block
            events += self._events(content["events"])
            expected = end
        self.where = "the update stream"
        self._check(scene, items)
        return scene, items, events, complete

    def _frames(self, frames: list[dict[str, Any]], raws: list[memoryview]) -> list[tuple[int, SessionUpdate]]:
        items = []
        for chunk in frames:
            values = fmt.resolve(chunk["values"], raws, "frame values")
            seq = fmt.as_array(chunk["seq"], "frame seq", 1, "i")
            sim_time = fmt.as_array(chunk["sim_time"], "frame sim_time", 1, "f")
            if not (len(values) == len(seq) == len(sim_time)) or values.ndim < 1:
                raise SceneError(f"frames of {chunk['field']!r}: {len(values)} values, {len(seq)} positions")
            items += [(int(s), fmt.display_frame(str(chunk["field"]), v, _time(t)))
                      for s, v, t in zip(seq, values, sim_time, strict=True)]
        return items

    def _appends(self, appends: list[dict[str, Any]], raws: list[memoryview]) -> list[tuple[int, SessionUpdate]]:
        items = []
        for chunk in appends:
            rows = fmt.resolve(chunk["rows"], raws, "history rows")
            coord = None if chunk["coord"] is None else fmt.as_array(chunk["coord"], "history coord", 1)
            count = fmt.as_array(chunk["count"], "append counts", 1, "i")
            stops = np.cumsum(count)
            axis = chunk["axis"]
            if rows.ndim < 1 or not isinstance(axis, int) or not 0 <= axis < rows.ndim or np.any(count < 0) \
                    or (len(stops) and stops[-1] != len(rows)) or (coord is not None and len(coord) != len(rows)):
                raise SceneError(f"history of {chunk['field']!r}: {len(rows)} rows do not match the append table")
            columns = zip(chunk["seq"], count, stops, chunk["max_length"], chunk["sim_time"], strict=True)
            for seq, n, stop, max_length, sim_time in columns:
                items.append((int(seq), FieldAppend(
                    field_id=str(chunk["field"]), append_dim=str(chunk["append_dim"]),
                    values=np.moveaxis(rows[stop - n:stop], 0, axis),
                    coord_values=None if coord is None else coord[stop - n:stop],
                    max_length=None if max_length < 0 else int(max_length), sim_time=_time(sim_time))))
        return items

    def _log(self, log: dict[str, Any]) -> list[tuple[int, SessionUpdate]]:
        data = fmt.as_array(log["bytes"], "log bytes", 1, "u")
        offsets = fmt.as_array(log["offsets"], "log offsets", 1, "i")
        seq = fmt.as_array(log["seq"], "log seq", 1, "i")
        if len(offsets) != len(seq) + 1 or offsets[0] != 0 or offsets[-1] != len(data) or np.any(np.diff(offsets) < 0):
            raise SceneError(f"log offsets do not frame its {len(data)} bytes")
        items = []
        for k, position in enumerate(seq):
            update = decode(data[offsets[k]:offsets[k + 1]].tobytes())
            if not isinstance(update, _UPDATE_TYPES):
                raise SceneError(f"logged item {k} is a {type(update).__name__}, not an update")
            items.append((int(position), update))
        return items

    def _events(self, events: dict[str, Any]) -> list[dict[str, Any]]:
        columns = zip(events["wall_time"], events["sim_time"], events["kind"], events["detail"], strict=True)
        rows = [{"wall_time": float(w), "sim_time": float(s), "kind": str(k), "detail": json.loads(d)}
                for w, s, k, d in columns]
        if any(not isinstance(row["detail"], dict) for row in rows):
            raise SceneError("an event's detail is not a JSON object")
        return rows

    def _check(self, scene: Scene, items: list[tuple[int, SessionUpdate]]) -> None:
        """Apply the stream to a copy of the Scene, as the recorder did: each update must fit."""
        shadow = _copy(scene)
        checked: dict[str, Field] = {}  # fields a display frame already fitted (skip re-checking its twins)
        for seq, update in items:
            try:
                if isinstance(update, FieldAppend):
                    current = shadow.fields.get(update.field_id)
                    if current is None:
                        raise SceneError(f"unknown field id {update.field_id!r}")
                    current.check_append(update.append_dim, update.values, update.coord_values)
                elif fmt.is_display_frame(update):
                    fid = update.field_id  # type: ignore[union-attr]
                    current = shadow.fields.get(fid)
                    if current is None or checked.get(fid) is not current:
                        if current is not None:
                            check_frame(current, update.values)  # type: ignore[union-attr]
                        shadow.apply(update)
                        checked[fid] = shadow.fields[fid]
                    else:
                        check_frame(current, update.values)  # type: ignore[union-attr]
                elif isinstance(update, SceneReady):
                    shadow = _copy(update.scene)
                    checked.clear()
                else:
                    shadow.apply(update)
            except SceneError as exc:
                raise SceneError(f"update at stream position {seq} ({type(update).__name__}): {exc}") from None
