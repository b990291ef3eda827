"""Spike detection on the emitted voltage of a Jaxley session."""

from __future__ import annotations

import numpy as np

from compneurovis.core import FieldAppend, FieldReplace, Reset, spikes_by_cell
from compneurovis.jaxley.examples.small_network import SmallNetworkSession


class SpikingChain(SmallNetworkSession):
    """The small chain with spike detection at 0 mV on each cell's soma (its first compartment)."""

    def spike_threshold(self) -> float:
        return 0.0


def crossings(times: np.ndarray, trace: np.ndarray, threshold: float) -> list[float]:
    """Upward crossings, step by step, with a plain loop."""
    out = []
    for k in range(1, len(trace)):
        if trace[k] >= threshold > trace[k - 1]:
            out.append(float(times[k]))
    return out


def test_spikes_are_the_upward_crossings_of_the_emitted_soma_voltage():
    session = SpikingChain(display_dt=0.5, max_samples=4000)
    try:
        scene = session.initialize()
        assert scene.fields["spikes"].attrs["cells"] == ["pre", "relay", "post"]
        for _ in range(120):  # 60 ms
            session.advance()
        updates = session.read_updates()
        scene.apply_all(updates)
        assert all(u.max_length for u in updates if isinstance(u, FieldAppend) and u.field_id == "spikes")
        history = scene.fields["segment_history"]  # every step of each soma (the default traces)
        times = history.coord("time")
        ours = spikes_by_cell(scene.fields["spikes"])
        assert len(ours[0]) >= 2  # the pulse train makes "pre" fire
        for k, name in enumerate(["pre", "relay", "post"]):
            row = list(history.coord("segment")).index(f"{name}.branch0[0]")
            trace = history.values[row] if history.dims[0] == "segment" else history.values[:, row]
            assert ours[k].tolist() == crossings(times, trace, 0.0)
        session.handle(Reset())
        after = session.read_updates()
        assert [u for u in after if isinstance(u, FieldReplace) and u.field_id == "spikes"]
        scene.apply_all(after)
        assert scene.fields["spikes"].values.size == 0
    finally:
        session.shutdown()
