"""The MPI side of `NeuronSession`: this rank's cells, gathered on rank 0 (see `_mpi`)."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

from compneurovis.core import (
    Error,
    InvokeAction,
    KeyPressed,
    MorphologyGeometry,
    Reset,
    SetControl,
    spike_append,
)

from ._mpi import ParallelLink, mpi_init, world_link
from ._nan_frame import NanFrame

_GEOMETRY_ARRAYS = ("xloc", "start", "end", "radius", "length", "attach_offset",
                    "piece_start", "piece_end", "piece_start_radius", "piece_end_radius")
_MODEL_COMMANDS = (Reset, SetControl, InvokeAction, KeyPressed)


def prefixed_by_gid(geometry: MorphologyGeometry, gids: list[int | None]) -> dict[str, Any]:
    """``geometry``'s fields with each entity's id and cell name prefixed ``"<gid>/"`` (no gid: unchanged)."""
    prefixes = ["" if g is None else f"{g}/" for g in gids]
    kwargs = _kwargs(geometry)
    kwargs["entity_ids"] = [p + n for p, n in zip(prefixes, geometry.entity_ids, strict=True)]
    kwargs["cell_names"] = [p + n for p, n in zip(prefixes, geometry.cell_names, strict=True)]
    return kwargs


def _kwargs(g: MorphologyGeometry) -> dict[str, Any]:
    out: dict[str, Any] = {"id": g.id, "entity_ids": list(g.entity_ids), "cell_names": list(g.cell_names),
                           "section_names": list(g.section_names), "labels": list(g.labels),
                           "parent": g.parent, "piece_entity": g.piece_entity}
    out.update({name: getattr(g, name) for name in _GEOMETRY_ARRAYS})
    return out


def merge_geometries(parts: list[dict[str, Any]]) -> MorphologyGeometry:
    """One geometry from every rank's (as `_kwargs` dicts), in rank order; parents and pieces re-indexed.

    Raises:
        SceneError: If two ranks' entity ids clash (give each cell a ``gid``).
    """
    merged: dict[str, Any] = {"id": parts[0]["id"]}
    for key in ("entity_ids", "cell_names", "section_names", "labels"):
        merged[key] = [name for p in parts for name in p[key]]
    offsets = np.cumsum([0] + [len(p["entity_ids"]) for p in parts])
    merged["parent"] = np.concatenate([np.where(p["parent"] >= 0, p["parent"] + off, -1)
                                       for p, off in zip(parts, offsets, strict=False)])
    merged["piece_entity"] = np.concatenate([p["piece_entity"] + off for p, off in zip(parts, offsets, strict=False)])
    for key in _GEOMETRY_ARRAYS:
        merged[key] = np.concatenate([p[key] for p in parts])
    return MorphologyGeometry(**merged)


class ParallelHooks:
    """What `NeuronSession` does differently once `mpi_init` ran (a mixin)."""

    _link: ParallelLink | None
    _spikes: Any
    _spike_cells: list[str]
    _spike_population_list: list[str] | None
    _gathered_spikes: tuple[np.ndarray, np.ndarray] | None
    _spike_rows: list[np.ndarray]
    _local_geometry: MorphologyGeometry
    _local_entity_ids: list[str]
    _frame: list[Any] | None
    _frame_result: tuple[np.ndarray, np.ndarray]
    _step_columns: np.ndarray | None
    _rank_sizes: list[int]
    _rank_offsets: list[int]
    _nan_frame: NanFrame
    time: float

    def section_gid(self, sec: Any) -> int | None:
        """Gid of the cell ``sec`` belongs to (parallel sessions prefix its entity ids ``"<gid>/"``).

        Default: the cell object's ``gid`` (or ``_gid``) attribute; ``None``
        leaves the section's ids as they are (they must then be unique across
        ranks). Used only after `compneurovis.neuron.mpi_init`.
        """
        cell = sec.cell()
        for attr in ("gid", "_gid"):
            value = getattr(cell, attr, None)
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                return int(value)
        return None

    def follow_command(self, command: Any) -> None:
        """Apply a command rank 0 broadcast (ranks > 0); a failure is reported to rank 0 at the next gather."""
        from compneurovis.core import LiveMorphologySession

        LiveMorphologySession.handle(self, command)  # type: ignore[arg-type]
        errors = [u.message for u in self.read_updates() if isinstance(u, Error)]  # type: ignore[attr-defined]
        if errors and self._link is not None:
            self._link.pending_error = f"rank {self._link.rank}: {type(command).__name__} failed: {errors[0]}"

    # ------------------------------------------------------------- internals

    def _parallel_link(self) -> ParallelLink | None:
        self._link = world_link()
        return self._link

    def _gather_geometry(self, link: ParallelLink, build_local: Any) -> MorphologyGeometry:
        """Every rank builds its cells; rank 0 returns the whole network's geometry, the others their own."""
        def work() -> tuple[np.ndarray, Any]:
            geometry = build_local()
            sections = self.sections or []  # type: ignore[attr-defined]
            gids = [gid for sec in sections for gid in [self.section_gid(sec)] * sec.nseg]
            kwargs = prefixed_by_gid(geometry, gids)
            self._local_entity_ids = kwargs["entity_ids"]
            spike = None
            if self._spikes is not None:
                gid_sources = list(self._spikes._gid_index)
                spike = (self._spike_cells, self.spike_populations(), gid_sources)  # type: ignore[attr-defined]
            self._local_geometry = geometry  # without the gid prefixes (a follower shows nothing)
            prefixed = dict(zip(geometry.entity_ids, kwargs["entity_ids"], strict=True))
            marks = tuple(dataclasses.replace(m, entity_id=prefixed[m.entity_id])
                          for m in self.segment_marks() if m.entity_id in prefixed)  # type: ignore[attr-defined]
            return np.empty(0, np.float32), (kwargs, spike, marks)

        with link.announce("build"):
            out = link.collect(work)
        if out is None:
            return self._local_geometry
        objects, _ = out
        self._merge_spike_sources([o[1] for o in objects])
        self._network_marks = tuple(mark for o in objects for mark in o[2])  # every rank's, ids prefixed
        self._rank_sizes = [len(o[0]["entity_ids"]) for o in objects]
        self._rank_offsets = np.cumsum([0, *self._rank_sizes[:-1]]).tolist()
        return merge_geometries([o[0] for o in objects])

    def _merge_spike_sources(self, parts: list[Any]) -> None:
        if any(p is None for p in parts):
            return
        cells = [c for p in parts for c in p[0]]
        pops = None if any(p[1] is None for p in parts) else [str(x) for p in parts for x in p[1]]
        order = np.arange(len(cells))
        gids = [g for p in parts for g in p[2]]
        if len(gids) == len(cells):  # every source is a gid: rows in gid order, whatever the rank count
            order = np.argsort(np.asarray(gids), kind="stable")
        row_of = np.empty(len(cells), dtype=np.int64)
        row_of[order] = np.arange(len(cells))
        bounds = np.cumsum([0] + [len(p[0]) for p in parts])
        self._spike_rows = [row_of[a:b] for a, b in itertools.pairwise(bounds)]
        self._spike_cells = [cells[i] for i in order]
        self._spike_population_list = None if pops is None else [pops[i] for i in order]

    def _local_spikes(self) -> tuple[np.ndarray, np.ndarray] | None:
        return None if self._spikes is None else self._spikes.new_spikes()

    def _collect_spikes(self, objects: list[Any]) -> None:
        parts = [(s[0], self._spike_rows[r][s[1]]) for r, s in enumerate(objects) if s is not None and s[0].size]
        if parts:
            self._gathered_spikes = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))

    def _emit_spikes(self) -> None:
        if self._link is None:
            super()._emit_spikes()  # type: ignore[misc]
            return
        if self._gathered_spikes is not None:
            times, rows = self._gathered_spikes
            self._gathered_spikes = None
            self.emit(spike_append(times, rows, sim_time=self.time))  # type: ignore[attr-defined]

    def _step_parallel(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """One ``pc.psolve`` of ``n_steps`` steps on every rank; rank 0 gets every rank's values."""
        link = self._link
        assert link is not None
        plan = None
        if link.is_root:  # a follower got its columns with the announcement (`run_follower`)
            plan = self._trace_plan()
            self._step_columns = None if plan is None else plan[0]
        with link.announce("step", (n_steps, plan)):
            out = link.collect(lambda: self._psolve_frame(n_steps), prechecked=True)
        times, local = self._frame_result
        if out is None:
            return times, local
        objects, parts = out
        self._collect_spikes([o for o in objects])
        k = times.shape[0]
        if plan is None:
            return times, np.concatenate([p.reshape(k, -1) for p in parts], axis=1)
        # the traced columns every step, every column at the frame's end (NaN elsewhere, as one rank does)
        columns = np.concatenate([offset + cols for cols, offset in zip(plan, self._rank_offsets, strict=True)])
        values = self._nan_frame.take(k, int(sum(self._rank_sizes)), columns)
        for part, cols, offset, size in zip(parts, plan, self._rank_offsets, self._rank_sizes, strict=True):
            m = k * cols.size
            values[:, offset + cols] = part[:m].reshape(k, cols.size)
            values[-1, offset:offset + size] = part[m:]
        return times, values

    def _trace_plan(self) -> list[np.ndarray] | None:
        """Rank 0: each rank's traced columns when history is kept every step for some entities only, else ``None``."""
        s: Any = self
        traces = s._traces
        if not s._history_each_step or traces is None or traces.rows.size >= sum(self._rank_sizes):
            return None
        rows = np.asarray(traces.rows, dtype=np.int64)
        return [rows[(rows >= offset) & (rows < offset + size)] - offset
                for offset, size in zip(self._rank_offsets, self._rank_sizes, strict=True)]

    def _psolve_frame(self, n_steps: int) -> tuple[np.ndarray, Any]:
        from neuron import h

        s: Any = self
        pc = mpi_init()[1]
        t0 = float(h.t)
        each = s._history_each_step
        recorder = s._recorder
        span, rec, pick = None, None, None
        cols = self._step_columns
        if each or recorder is not None:
            span = s._voltage_span() if each else None
            width = (s._display.size - 1 if span is None else span.window.size) if each else 0
            if each and cols is not None:  # only the traced columns each step
                pick = cols if span is None else span._offsets[cols]
                width = cols.size
            rec = np.empty((n_steps + 2, recorder.size)) if recorder is not None else None
            self._frame = [np.empty((n_steps + 2, width), dtype=np.float32), 0, span, rec, None, pick]
        try:
            self._link.precheck()  # psolve is collective: no rank enters it after another failed
            pc.psolve(t0 + n_steps * s.dt)
            frame, self._frame = self._frame, None
        finally:
            self._frame = None
        if frame is not None and frame[4] is not None:
            raise frame[4]
        k = 0 if frame is None else frame[1]
        if frame is not None and k > n_steps + 2:
            raise RuntimeError(f"pc.psolve took {k} steps for a frame of {n_steps}")
        t_end = float(h.t)
        if frame is not None and rec is not None:
            times = t0 + s.dt * np.arange(1, k + 1)
            times[-1] = t_end
            s._deliver_recorded(times, frame[3][:k])
        if each:
            assert frame is not None
            times = t0 + s.dt * np.arange(1, k + 1)
            times[-1] = t_end
            block = frame[0][:k]
            if pick is not None:
                self._frame_result = (times, block)
                last = s._sample_display()[1]
                return np.concatenate([block.ravel(), last.ravel()]), self._local_spikes()
            if span is not None:
                block = span.order(block)
        else:
            times, block = s._sample_display()
        self._frame_result = (times, block)
        return block, self._local_spikes()

    def _on_step(self) -> None:
        """Called by NEURON after each fixed step inside ``pc.psolve`` (``cvode.extra_scatter_gather``).

        Never raises: an exception here would make NEURON call ``MPI_Abort``;
        it is kept and raised once ``psolve`` returns.
        """
        frame = self._frame
        if frame is None or frame[4] is not None:
            return
        block, k, span, rec, _, pick = frame
        try:
            if k < block.shape[0]:
                s: Any = self
                if block.shape[1]:
                    if span is not None:
                        if span.fill is not None:
                            span.fill()
                        block[k] = span.window if pick is None else span.window[pick]
                    else:
                        display = s._display
                        display.ptr_gather(display.out)
                        block[k] = display.view[:-1] if pick is None else display.view[pick]
                if rec is not None:
                    recorder = s._recorder
                    recorder.ptr_gather(recorder.out)
                    rec[k] = recorder.view
            frame[1] = k + 1
        except Exception as exc:  # noqa: BLE001 - raised after psolve, see above
            frame[4] = exc

    def _announced_handle(self, command: Any, handle: Any) -> None:
        link = self._link
        if link is not None and link.is_root and isinstance(command, _MODEL_COMMANDS):
            with link.announce("command", command):
                handle(command)
        else:
            handle(command)

