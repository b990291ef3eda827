"""Folding a backlog of updates into fewer, equivalent ones.

When a consumer falls behind, a superseded display frame (`FieldReplace`
without coords) may be skipped, and consecutive `FieldAppend` blocks of the
same field are merged into one. History is never dropped except where
``max_length`` would drop it anyway, and the result applied to a Scene gives
the same Scene as the original list.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._protocol import FieldAppend, FieldReplace, SceneReady, SessionUpdate


class UpdateCoalescer:
    """Coalesce update lists; remembers field dims from the `SceneReady` it sees."""

    def __init__(self) -> None:
        self._dims: dict[str, tuple[str, ...]] = {}

    def coalesce(self, updates: Iterable[SessionUpdate]) -> list[SessionUpdate]:
        """Return an equivalent, usually shorter, list of updates."""
        out: list[SessionUpdate | None] = []
        last_for_field: dict[str, int] = {}  # index in out of the last update per field
        for update in updates:
            if isinstance(update, SceneReady):
                self._dims = {fid: f.dims for fid, f in update.scene.fields.items()}
                last_for_field.clear()
            elif isinstance(update, FieldReplace | FieldAppend):
                prev_i = last_for_field.get(update.field_id)
                prev = out[prev_i] if prev_i is not None else None
                merged = self._merge(prev, update)
                if merged is not None:
                    out[prev_i] = None  # type: ignore[index]
                    update = merged
                last_for_field[update.field_id] = len(out)
            out.append(update)
        return [u for u in out if u is not None]

    def _merge(self, prev: SessionUpdate | None, new: SessionUpdate) -> SessionUpdate | None:
        if isinstance(prev, FieldReplace) and isinstance(new, FieldReplace):
            if not prev.coords and not new.coords:
                return new  # the newer display frame supersedes the older
            return None
        if (
            isinstance(prev, FieldAppend)
            and isinstance(new, FieldAppend)
            and prev.append_dim == new.append_dim
            and prev.max_length == new.max_length
            and (prev.coord_values is None) == (new.coord_values is None)
            and new.field_id in self._dims
        ):
            dims = self._dims[new.field_id]
            if new.append_dim not in dims:
                return None
            axis = dims.index(new.append_dim)
            prev_values, new_values = np.asarray(prev.values), np.asarray(new.values)
            if prev_values.ndim != len(dims) or new_values.ndim != len(dims):
                return None
            other = [s for i, s in enumerate(prev_values.shape) if i != axis]
            if other != [s for i, s in enumerate(new_values.shape) if i != axis]:
                return None
            values = np.concatenate([prev_values, new_values], axis=axis)
            coords = (None if new.coord_values is None
                      else np.concatenate([np.asarray(prev.coord_values), np.asarray(new.coord_values)]))
            if new.max_length is not None and values.shape[axis] > new.max_length:
                keep = slice(values.shape[axis] - new.max_length, None)
                index = [slice(None)] * values.ndim
                index[axis] = keep
                values = values[tuple(index)]
                coords = None if coords is None else coords[keep]
            return FieldAppend(field_id=new.field_id, append_dim=new.append_dim,
                               values=np.ascontiguousarray(values), coord_values=coords,
                               max_length=new.max_length, sim_time=new.sim_time)
        return None
