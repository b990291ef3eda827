"""Convert a recording to HDF5, readable without CompNeuroVis (h5py, MATLAB, HDFView)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _recording_format as fmt
from ._codec import decode, encode
from ._field import Field
from ._protocol import PROTOCOL_VERSION, FieldAppend, FieldReplace, SceneReady
from ._recording_read import Recording

#: The ``format`` attribute of an exported file.
EXPORT_FORMAT = "compneurovis-recording-export"


@dataclass
class _History:
    """One part of a field's history: its values when the part began, then every appended block."""

    start: Field
    dim: str | None = None
    rows: list[np.ndarray] = field(default_factory=list)
    coords: list[np.ndarray] = field(default_factory=list)


@dataclass
class _Frames:
    values: list[np.ndarray] = field(default_factory=list)
    sim_time: list[float] = field(default_factory=list)


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("HDF5 export needs h5py: pip install h5py (or pip install compneurovis)") from exc
    return h5py


def export_hdf5(recording: Recording, path: str | Path) -> Path:
    """Write a recording read with `read_recording` to an HDF5 file for other tools.

    Layout (every history sample, no rolling window applied)::

        /                               attrs: format, format_version, protocol_version, title,
                                               complete, damage ("" if none), source
        /scene                          uint8: the first Scene as a CompNeuroVis message
        /frames/<field>/<part>/values   (n_frames, ...) display frames (a part per shape)
        /frames/<field>/<part>/sim_time (n_frames,)
        /history/<field>/<part>/values  the field's history, append dim first; a part per
                                        replacement of the field (e.g. a trace added);
                                        attrs dims, field_dims, unit, append_dim
        /history/<field>/<part>/<dim>   coordinates (entity ids, times)
        /events                         table: wall_time, sim_time, kind, detail (JSON)

    Args:
        recording: The recording.
        path: HDF5 file to write (written to a temporary name, then renamed).

    Returns:
        ``path``.
    """
    h5py = _h5py()
    path = Path(path)
    frames, history = _collect(recording)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(temporary, "w") as f:
            f.attrs.update(format=EXPORT_FORMAT, format_version=fmt.FORMAT_VERSION, protocol_version=PROTOCOL_VERSION,
                           title=recording.scene.title, complete=recording.complete,
                           damage=recording.damage or "", source=str(recording.path))
            f.create_dataset("scene", data=np.frombuffer(encode(recording.scene), np.uint8))
            for fid, parts in frames.items():
                for number, part in enumerate(parts):
                    group = f.create_group(f"frames/{fid}/{number}")
                    group.create_dataset("values", data=np.stack(part.values))
                    group.create_dataset("sim_time", data=np.array(part.sim_time, np.float64))
            for fid, histories in history.items():
                for number, part in enumerate(histories):
                    _write_history(h5py, f.create_group(f"history/{fid}/{number}"), part)
            _write_events(h5py, f, recording.events)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _collect(recording: Recording) -> tuple[dict[str, list[_Frames]], dict[str, list[_History]]]:
    appended = {u.field_id for u in recording.updates if isinstance(u, FieldAppend)}
    scene = decode(encode(recording.scene))
    frames: dict[str, list[_Frames]] = {}
    history: dict[str, list[_History]] = {fid: [_History(scene.fields[fid])] for fid in appended
                                          if fid in scene.fields}
    for update in recording.updates:
        if fmt.is_display_frame(update):
            fid = update.field_id  # type: ignore[union-attr]
            parts = frames.setdefault(fid, [_Frames()])
            values = np.asarray(update.values)  # type: ignore[union-attr]
            if parts[-1].values and parts[-1].values[0].shape != values.shape:
                parts.append(_Frames())
            parts[-1].values.append(values)
            parts[-1].sim_time.append(np.nan if update.sim_time is None else update.sim_time)  # type: ignore[union-attr]
        elif isinstance(update, FieldAppend):
            part = history[update.field_id][-1]
            axis = part.start.axis(update.append_dim)
            part.dim = update.append_dim
            part.rows.append(np.moveaxis(np.asarray(update.values), axis, 0))
            if update.coord_values is not None:
                part.coords.append(np.asarray(update.coord_values))
        else:
            if isinstance(update, SceneReady):
                scene = decode(encode(update.scene))
                changed = [fid for fid in appended if fid in scene.fields]
            else:
                scene.apply(update)
                changed = [update.field_id] if isinstance(update, FieldReplace) and update.field_id in appended else []
            for fid in changed:
                history.setdefault(fid, []).append(_History(scene.fields[fid]))
    return frames, history


def _write_history(h5py: Any, group: Any, part: _History) -> None:
    start = part.start
    dim = part.dim or ("time" if "time" in start.dims else start.dims[-1])
    others = [d for d in start.dims if d != dim]
    values = np.concatenate([np.moveaxis(np.asarray(start.values), start.axis(dim), 0), *part.rows])
    group.attrs.update(dims=[dim, *others], field_dims=list(start.dims), unit=start.unit or "", append_dim=dim)
    group.create_dataset("values", data=values)
    for name in start.dims:
        if name not in start.coords:
            continue
        coord = np.asarray(start.coords[name])
        if name == dim:
            coord = np.concatenate([coord, *part.coords])
        if coord.dtype.kind in "US":
            group.create_dataset(name, data=coord.astype(object), dtype=h5py.string_dtype())
        else:
            group.create_dataset(name, data=coord)


def _write_events(h5py: Any, f: Any, events: list[dict[str, Any]]) -> None:
    dtype = np.dtype([("wall_time", "f8"), ("sim_time", "f8"), ("kind", h5py.string_dtype()),
                      ("detail", h5py.string_dtype())])
    table = np.zeros(len(events), dtype)
    for k, event in enumerate(events):
        table[k] = (event["wall_time"], event["sim_time"], event["kind"], json.dumps(event["detail"]))
    f.create_dataset("events", data=table)
