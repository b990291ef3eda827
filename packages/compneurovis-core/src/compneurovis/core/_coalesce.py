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
        runs: dict[int, list[FieldAppend]] = {}  # index in out -> appends merged there
        for update in updates:
            if isinstance(update, SceneReady):
                self._dims = {fid: f.dims for fid, f in update.scene.fields.items()}
                last_for_field.clear()
            elif isinstance(update, FieldReplace | FieldAppend):
                i = last_for_field.get(update.field_id)
                prev = out[i] if i is not None else None
                if isinstance(prev, FieldReplace) and isinstance(update, FieldReplace) and not (
                    prev.coords or update.coords
                ):
                    out[i] = None  # type: ignore[index]  # the newer display frame supersedes it
                elif i is not None and isinstance(prev, FieldAppend) and self._joinable(prev, update):
                    runs.setdefault(i, [prev]).append(update)  # type: ignore[arg-type]
                    continue
                last_for_field[update.field_id] = len(out)
            out.append(update)
        for i, run in runs.items():
            out[i] = self._join(run)
        return [u for u in out if u is not None]

    def _joinable(self, prev: FieldAppend, new: SessionUpdate) -> bool:
        if not (
            isinstance(new, FieldAppend)
            and prev.append_dim == new.append_dim
            and prev.max_length == new.max_length
            and (prev.coord_values is None) == (new.coord_values is None)
        ):
            return False
        dims = self._dims.get(new.field_id)
        if dims is None or new.append_dim not in dims:
            return False
        axis = dims.index(new.append_dim)
        a, b = np.shape(prev.values), np.shape(new.values)
        return len(a) == len(b) == len(dims) and a[:axis] + a[axis + 1:] == b[:axis] + b[axis + 1:]

    def _join(self, run: list[FieldAppend]) -> FieldAppend:
        last = run[-1]
        axis = self._dims[last.field_id].index(last.append_dim)
        values = np.concatenate([np.asarray(u.values) for u in run], axis=axis)
        coords = None if last.coord_values is None else np.concatenate([np.asarray(u.coord_values) for u in run])
        if last.max_length is not None and values.shape[axis] > last.max_length:
            keep = slice(values.shape[axis] - last.max_length, None)
            index = [slice(None)] * values.ndim
            index[axis] = keep
            values = values[tuple(index)]
            coords = None if coords is None else coords[keep]
        return FieldAppend(field_id=last.field_id, append_dim=last.append_dim, values=np.ascontiguousarray(values),
                           coord_values=coords, max_length=last.max_length, sim_time=last.sim_time,
                           produced_at=last.produced_at)
