"""Spike events: ragged spike times per cell as one growing 1-D `Field`.

A spike field has dims ``("spike",)``: ``values`` holds each spike's time
(float64, ms) and the ``"spike"`` coordinate holds the index of the cell that
fired it (int64), in the order the spikes were detected. ``attrs["cells"]``
names the cells (index ``k`` is ``attrs["cells"][k]``) and
``attrs["populations"]``, when present, gives each cell's population. Live
spikes arrive as `FieldAppend` along ``"spike"`` with the cell indices as
``coord_values`` and a ``max_length``, so the field stays bounded and the
existing coalescing, recording and replay carry it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._errors import SceneError
from ._field import Field
from ._protocol import FieldAppend

#: Default id of the spike field.
SPIKE_FIELD_ID = "spikes"
#: Default number of spikes a spike field keeps (oldest dropped first).
DEFAULT_MAX_SPIKES = 100_000


def spike_field(cells: Sequence[str], *, field_id: str = SPIKE_FIELD_ID, times: Sequence[float] = (),
                cell_index: Sequence[int] = (), populations: Sequence[str] | None = None) -> Field:
    """A spike field for ``cells`` (empty unless ``times`` and ``cell_index`` are given).

    Args:
        cells: Name of each cell; a spike's cell index points into it.
        field_id: Id of the field.
        times: Spike times, in ms.
        cell_index: Cell index of each spike.
        populations: Population of each cell (same length as ``cells``), or ``None``.

    Raises:
        SceneError: If lengths disagree or an index is out of range.
    """
    attrs: dict[str, object] = {"cells": [str(c) for c in cells]}
    if populations is not None:
        if len(populations) != len(cells):
            raise SceneError(f"field {field_id!r}: {len(populations)} populations for {len(cells)} cells")
        attrs["populations"] = [str(p) for p in populations]
    f = Field(field_id, np.asarray(times, dtype=np.float64), ("spike",),
              {"spike": np.asarray(cell_index, dtype=np.int64)}, "ms", attrs)
    check_spike_field(f)
    return f


def check_spike_field(f: Field, view_id: str | None = None) -> None:
    """Check that ``f`` is a spike field (see the module docstring).

    Raises:
        SceneError: Naming the view (if given), the field and what is wrong.
    """
    who = f"view {view_id!r}: field {f.id!r}" if view_id else f"field {f.id!r}"
    if f.dims != ("spike",):
        raise SceneError(f"{who} has dims {f.dims}, expected ('spike',) (spike times)")
    if "spike" not in f.coords or f.coords["spike"].dtype.kind not in "iu":
        raise SceneError(f"{who} needs an integer 'spike' coordinate (the cell index of each spike)")
    cells = f.attrs.get("cells")
    if not isinstance(cells, list | tuple) or not all(isinstance(c, str) for c in cells):
        raise SceneError(f"{who} needs attrs['cells'], a list of cell names")
    index = f.coords["spike"]
    if index.size and (index.min() < 0 or index.max() >= len(cells)):
        raise SceneError(f"{who}: cell index out of range [0, {len(cells)})")


def spikes_by_cell(f: Field) -> list[np.ndarray]:
    """The spike times of each cell of a spike field, one array per ``attrs["cells"]`` entry."""
    index = f.coords["spike"]
    return [np.asarray(f.values[index == k], dtype=np.float64) for k in range(len(f.attrs["cells"]))]


def spike_append(times: np.ndarray, cell_index: np.ndarray, *, field_id: str = SPIKE_FIELD_ID,
                 max_length: int = DEFAULT_MAX_SPIKES, sim_time: float | None = None) -> FieldAppend:
    """A `FieldAppend` of new spikes (sorted by time) to a spike field."""
    times = np.asarray(times, dtype=np.float64)
    cell_index = np.asarray(cell_index, dtype=np.int64)
    order = np.argsort(times, kind="stable")
    return FieldAppend(field_id=field_id, append_dim="spike", values=times[order], coord_values=cell_index[order],
                       max_length=max_length, sim_time=sim_time)


def threshold_crossings(times: np.ndarray, values: np.ndarray, threshold: float,
                        previous: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upward threshold crossings in sampled traces, as a ``NetCon`` with that threshold sees them.

    A crossing is a sample at or above ``threshold`` whose previous sample was
    below it; its time is that sample's time.

    Args:
        times: ``(k,)`` sample times.
        values: ``(k, n)`` samples of ``n`` cells (e.g. each cell's soma voltage).
        threshold: The threshold.
        previous: ``(n,)`` whether each cell was at or above threshold before
            ``times[0]`` (``None``: all below).

    Returns:
        ``(spike_times, cell_index, above)``: the crossings in time order and
        the ``(n,)`` at-or-above state after the last sample, to pass as
        ``previous`` next time.
    """
    values = np.asarray(values)
    above = values >= threshold
    before = np.zeros(values.shape[1], dtype=bool) if previous is None else np.asarray(previous, dtype=bool)
    was = np.concatenate([before[None, :], above[:-1]], axis=0)
    step, cell = np.nonzero(above & ~was)
    return np.asarray(times, dtype=np.float64)[step], cell.astype(np.int64), above[-1] if len(above) else before
