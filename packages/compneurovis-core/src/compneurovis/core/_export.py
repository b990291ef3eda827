"""Export traces to CSV and all history to NPZ, from a Scene or a recording."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._errors import SceneError
from ._field import Field
from ._scene import Scene


def history_fields(scene: Scene) -> dict[str, Field]:
    """The Scene's traces: its 2-D fields with a ``time`` dim, by field id.

    Args:
        scene: Any Scene (live, replayed or read from a recording).
    """
    return {fid: f for fid, f in scene.fields.items() if "time" in f.dims and f.values.ndim == 2}


def export_csv(scene: Scene, path: str | Path, *, field_id: str = "segment_history",
               entity_ids: Sequence[str] | None = None) -> Path:
    """Write the traces of ``field_id`` as CSV: a ``time`` column, then one column per entity.

    Args:
        scene: Scene holding the history (e.g. a replayed recording).
        path: CSV file to write.
        field_id: A 2-D field with dims ``("time", "segment")``.
        entity_ids: Entities to export (default: every traced one).

    Raises:
        SceneError: For an unknown field or an entity without history.
    """
    if field_id not in scene.fields:
        raise SceneError(f"no field {field_id!r} to export; fields are {sorted(scene.fields)}")
    history = scene.fields[field_id]
    segment_dim = next(d for d in history.dims if d != "time")
    ids = [str(e) for e in history.coord(segment_dim)]
    wanted = list(entity_ids) if entity_ids is not None else ids
    missing = [e for e in wanted if e not in ids]
    if missing:
        raise SceneError(f"no history for {missing} in {field_id!r}; traced: {ids}")
    rows = np.moveaxis(history.values, history.axis("time"), 0)[:, [ids.index(e) for e in wanted]]
    unit = f" ({history.unit})" if history.unit else ""
    out = Path(path)
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time (ms)", *(f"{e}{unit}" for e in wanted)])
        for t, row in zip(history.coord("time"), rows, strict=True):
            writer.writerow([repr(float(t)), *(repr(float(v)) for v in row)])
    return out


def export_npz(scene: Scene, path: str | Path) -> Path:
    """Write every history field of ``scene`` to one NPZ: ``<field>``, ``<field>__<dim>`` coords.

    Raises:
        SceneError: If the scene holds no history.
    """
    arrays: dict[str, np.ndarray] = {}
    for fid, f in history_fields(scene).items():
        arrays[fid] = f.values
        for dim in f.dims:
            arrays[f"{fid}__{dim}"] = np.asarray(f.coord(dim))
    if not arrays:
        raise SceneError("the scene holds no history (no field with a 'time' dim) to export")
    out = Path(path)
    np.savez(out, **arrays)
    return out
