"""Spike detection in a NEURON session: a thresholded ``NetCon`` per cell, or ``pc.spike_record`` per gid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from compneurovis.core import spike_append

from ._geometry import cell_name_of


class SpikeSources:
    """Records every source's threshold crossings in NEURON's own event system.

    A source that is a segment gets a ``NetCon(seg._ref_v, None)`` with
    ``threshold`` and ``NetCon.record(tvec, idvec, index)``; a source that is an
    int is a gid of the model's ``ParallelContext`` and is recorded with
    ``pc.spike_record(gid, tvec, idvec)`` (its threshold is the one the model
    gave ``pc.threshold``). NEURON clears the vectors at ``finitialize``.

    Args:
        sources: One segment or gid per cell, in cell order.
        threshold: Threshold of the segment sources, in mV.
        parallel_context: The model's ``ParallelContext``, needed for gid sources.
    """

    def __init__(self, sources: Sequence[Any], threshold: float, parallel_context: Any = None) -> None:
        from neuron import h

        self.times, self.ids = h.Vector(), h.Vector()
        self.netcons: list[Any] = []
        self._read = 0
        in_use = self._sources_in_use() if sources else set()
        self._gid_index: dict[int, int] = {}
        gids = [isinstance(s, int | np.integer) for s in sources]
        if any(gids) and not all(gids):
            raise ValueError("spike sources must be all segments or all gids, not a mix")
        for k, source in enumerate(sources):
            if isinstance(source, int | np.integer):
                if parallel_context is None:
                    raise ValueError(f"spike source {k} is gid {source}, but the session has no ParallelContext")
                parallel_context.spike_record(int(source), self.times, self.ids)
                self._gid_index[int(source)] = k
                continue
            try:
                ref = source._ref_v
                sec = source.sec
            except AttributeError:
                raise TypeError(f"spike source {k} is a {type(source).__name__}, expected a segment "
                                "(e.g. soma(0.5)) or an int gid") from None
            nc = h.NetCon(ref, None, sec=sec)
            if (sec.name(), source.x) not in in_use:  # else the model's own threshold stays
                nc.threshold = float(threshold)
            nc.record(self.times, self.ids, k)
            self.netcons.append(nc)
        self._read = 0

    @staticmethod
    def _sources_in_use() -> set[tuple[str, float]]:
        from neuron import h

        used = set()
        for nc in h.List("NetCon"):
            seg = nc.preseg()
            if seg is not None:
                used.add((seg.sec.name(), seg.x))
        return used

    def restart(self) -> None:
        """Forget what was read (after ``finitialize`` emptied the vectors)."""
        self._read = 0

    def new_spikes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times, cell_index)`` of the spikes recorded since the last call."""
        n = int(self.times.size())
        if n == self._read:
            return np.empty(0), np.empty(0, dtype=np.int64)
        times = np.array(self.times.as_numpy()[self._read:n], dtype=np.float64)
        ids = np.array(self.ids.as_numpy()[self._read:n]).astype(np.int64)
        if self._gid_index:
            ids = np.array([self._gid_index.get(int(i), int(i)) for i in ids], dtype=np.int64)
        self._read = n
        return times, ids


class SpikeHooks:
    """The spike hooks of `NeuronSession` (a mixin): what to detect, where, and its emission."""

    sections: list[Any] | None
    _spikes: SpikeSources | None
    _spike_cells: list[str]
    time: float

    def spike_threshold(self) -> float | None:
        """Threshold, in mV, of the spike detectors; ``None`` (the default) detects no spikes.

        When set, each cell of `spike_sources` gets a ``NetCon`` with this
        threshold whose ``NetCon.record`` times fill the spike field
        (`compneurovis.core.spike_field`, id ``"spikes"``), appended each
        display frame and emptied on reset.
        """
        return None

    def spike_sources(self) -> list[tuple[str, Any]]:
        """``[(cell name, source)]``: where each cell's spikes are detected.

        A source is a segment (thresholded with `spike_threshold`) or an int gid
        of `parallel_context` (recorded with ``pc.spike_record``). Default: for
        each cell among the sections, the centre of its first section named
        ``soma...`` (else its first section).
        """
        out: dict[str, Any] = {}
        for sec in self.sections or ():
            cell = cell_name_of(sec) or "cell"
            is_soma = "soma" in sec.name().rsplit(".", 1)[-1]
            if cell not in out or (is_soma and "soma" not in out[cell].sec.name().rsplit(".", 1)[-1]):
                out[cell] = sec(0.5)
        return list(out.items())

    def spike_populations(self) -> list[str] | None:
        """Population of each cell of `spike_sources` (drawn in its own colour), or ``None``."""
        return None

    def parallel_context(self) -> Any:
        """The model's ``ParallelContext`` when its spikes come from gids, else ``None``."""
        return None

    def _start_spikes(self) -> None:
        self._spikes, self._spike_cells = None, []
        threshold = self.spike_threshold()
        if threshold is None:
            return
        sources = self.spike_sources()
        self._spike_cells = [str(name) for name, _ in sources]
        self._spikes = SpikeSources([src for _, src in sources], threshold, self.parallel_context())

    def _emit_spikes(self) -> None:
        if self._spikes is None:
            return
        times, cells = self._spikes.new_spikes()
        if times.size:
            self.emit(spike_append(times, cells, sim_time=self.time))  # type: ignore[attr-defined]

