"""Folding a backlog of updates into fewer, equivalent ones.

When a consumer falls behind, a superseded `DisplayFrame` may be skipped, and
consecutive `FieldAppend` blocks of the same field are merged into one.
History is never dropped except where ``max_length`` would drop it anyway, and
the result applied to a Scene gives the same Scene as the original list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._protocol import DisplayFrame, FieldAppend, FieldReplace, SceneReady, SessionUpdate


class _Pass:
    """The state of one `UpdateCoalescer.coalesce` call."""

    def __init__(self) -> None:
        self.out: list[SessionUpdate | None] = []
        self.last_for_field: dict[str, int] = {}  # index in out of the last update per field
        self.runs: dict[int, list[FieldAppend]] = {}  # index in out -> appends merged there

    def keep(self, update: SessionUpdate, field_id: str | None = None) -> None:
        if field_id is not None:
            self.last_for_field[field_id] = len(self.out)
        self.out.append(update)

    def previous(self, field_id: str) -> tuple[int | None, SessionUpdate | None]:
        i = self.last_for_field.get(field_id)
        return i, (self.out[i] if i is not None else None)


class UpdateCoalescer:
    """Coalesce update lists; remembers field dims from the `SceneReady` it sees."""

    def __init__(self) -> None:
        self._dims: dict[str, tuple[str, ...]] = {}

    def coalesce(self, updates: Iterable[SessionUpdate]) -> list[SessionUpdate]:
        """Return an equivalent, usually shorter, list of updates."""
        state = _Pass()
        for update in updates:
            _RULES.get(type(update), _keep)(self, state, update)
        for i, run in state.runs.items():
            state.out[i] = self._join(run)
        return [u for u in state.out if u is not None]

    def _scene_ready(self, state: _Pass, update: SceneReady) -> None:
        self._dims = {fid: f.dims for fid, f in update.scene.fields.items()}
        state.last_for_field.clear()
        state.keep(update)

    def _display_frame(self, state: _Pass, update: DisplayFrame) -> None:
        i, prev = state.previous(update.field_id)
        if isinstance(prev, DisplayFrame):
            state.out[i] = None  # type: ignore[index]  # the newer display frame supersedes it
        state.keep(update, update.field_id)

    def _field_append(self, state: _Pass, update: FieldAppend) -> None:
        i, prev = state.previous(update.field_id)
        if isinstance(prev, FieldAppend) and self._joinable(prev, update):
            state.runs.setdefault(i, [prev]).append(update)  # type: ignore[arg-type]
            return
        state.keep(update, update.field_id)

    def _field_replace(self, state: _Pass, update: FieldReplace) -> None:
        state.keep(update, update.field_id)

    def _joinable(self, prev: FieldAppend, new: FieldAppend) -> bool:
        if not (
            prev.append_dim == new.append_dim
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


def _keep(coalescer: UpdateCoalescer, state: _Pass, update: Any) -> None:
    state.keep(update)


#: Update type -> how the coalescer folds it; any other update is kept as it is.
_RULES: dict[type, Callable[[UpdateCoalescer, _Pass, Any], None]] = {
    SceneReady: UpdateCoalescer._scene_ready,
    DisplayFrame: UpdateCoalescer._display_frame,
    FieldAppend: UpdateCoalescer._field_append,
    FieldReplace: UpdateCoalescer._field_replace,
}
