"""Ball-and-stick cells in a ring, each exciting the next through an ExpSyn.

A NetStim kicks cell 0 once; every spike then travels round the ring. The
cells stand apart on a circle, each with its own name (``bs0``, ``bs1``, ...).
A spike raster shows each cell's somatic threshold crossings (the ring
NetCons' own threshold), and the morphology can be coloured by population
(``driver``: cell 0, which the NetStim kicks; ``ring``: the others).
Run it headless (prints a one-line summary)::

    python -m compneurovis.neuron.examples.network
"""

from __future__ import annotations

import dataclasses
import math
import sys
from typing import Any

import numpy as np

from compneurovis.core import (
    SPIKE_FIELD_ID,
    ActionSpec,
    ControlSpec,
    MorphologyGeometry,
    ScalarValueSpec,
    Scene,
    SpikeRasterViewSpec,
    add_view,
    population_field,
)
from compneurovis.neuron import NeuronSession


class BallAndStick:
    """One cell: an HH soma and a passive dendrite, placed at ``(x, y)`` pointing ``angle``.

    Args:
        gid: Cell number; the cell's name is ``f"bs{gid}"``.
        x: Soma position, in µm.
        y: Soma position, in µm.
        angle: Direction of the dendrite, in radians.
    """

    def __init__(self, gid: int, x: float, y: float, angle: float) -> None:
        from neuron import h

        self.gid = gid
        self.soma = h.Section(name="soma", cell=self)
        self.dend = h.Section(name="dend", cell=self)
        self.dend.connect(self.soma(1))
        ux, uy = math.cos(angle), math.sin(angle)
        soma_len, dend_len = 12.6157, 200.0
        self.soma.pt3dadd(x - ux * soma_len, y - uy * soma_len, 0.0, 12.6157)
        self.soma.pt3dadd(x, y, 0.0, 12.6157)
        # a gently bending dendrite: several 3-D points
        for k in range(11):
            s = k / 10
            bend = 20.0 * math.sin(math.pi * s)
            self.dend.pt3dadd(x + ux * dend_len * s - uy * bend, y + uy * dend_len * s + ux * bend, 0.0, 1.0)
        self.dend.nseg = 11
        for sec in (self.soma, self.dend):
            sec.Ra, sec.cm = 100.0, 1.0
        self.soma.insert("hh")
        self.dend.insert("pas")
        for seg in self.dend:
            seg.pas.g, seg.pas.e = 0.001, -65.0
        self.syn = h.ExpSyn(self.dend(0.5))
        self.syn.tau = 2.0

    def __str__(self) -> str:
        return f"bs{self.gid}"

    def __repr__(self) -> str:
        return str(self)


class RingNetworkSession(NeuronSession):
    """``n_cells`` ball-and-stick cells; cell ``i`` drives cell ``i + 1`` (mod n).

    Control ``weight`` sets every ring synapse's weight (µS); action ``kick``
    (shortcut K) sends one more event to cell 0.
    """

    n_cells = 5
    ring_radius = 300.0

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", 0.025)
        kwargs.setdefault("display_dt", 0.25)
        kwargs.setdefault("title", "NEURON: ring of ball-and-stick cells")
        super().__init__(**kwargs)
        self.cells: list[BallAndStick] = []
        self.netcons: list[Any] = []

    def build_sections(self) -> list[Any]:
        """Create the cells on a circle; return all their sections."""
        self.cells = []
        for i in range(self.n_cells):
            phi = 2 * math.pi * i / self.n_cells
            self.cells.append(BallAndStick(i, self.ring_radius * math.cos(phi), self.ring_radius * math.sin(phi),
                                           phi + math.pi / 2))
        return [sec for cell in self.cells for sec in (cell.soma, cell.dend)]

    def setup_model(self, sections: list[Any]) -> None:
        """Connect the ring and add the NetStim that starts it."""
        from neuron import h

        weight = self.control_values.get("weight", 0.05)
        self.netcons = []
        for i, cell in enumerate(self.cells):
            target = self.cells[(i + 1) % len(self.cells)]
            nc = h.NetCon(cell.soma(0.5)._ref_v, target.syn, sec=cell.soma)
            nc.threshold, nc.delay, nc.weight[0] = 10.0, 5.0, weight
            self.netcons.append(nc)
        self.starter = h.NetStim()
        self.starter.number, self.starter.start = 1, 5.0
        self.start_nc = h.NetCon(self.starter, self.cells[0].syn)
        self.start_nc.delay, self.start_nc.weight[0] = 1.0, 0.05

    def spike_threshold(self) -> float:
        """Detect spikes where the ring NetCons do: 10 mV at each soma."""
        return 10.0

    def spike_populations(self) -> list[str]:
        """Cell 0 (kicked by the NetStim) is the ``driver``; the rest are the ``ring``."""
        return ["driver" if cell.gid == 0 else "ring" for cell in self.cells]

    def build_scene(self, *, geometry: MorphologyGeometry, display_values: np.ndarray,
                    time_value: float) -> Scene:
        """The default Scene with population colours on the morphology and a spike raster."""
        scene = super().build_scene(geometry=geometry, display_values=display_values, time_value=time_value)
        populations = dict(zip((str(c) for c in self.cells), self.spike_populations(), strict=True))
        scene.fields["population"] = population_field(geometry, populations.__getitem__)
        scene.views["morphology"] = dataclasses.replace(scene.views["morphology"], category_field_id="population")
        if SPIKE_FIELD_ID not in scene.fields:  # spike detection switched off
            return scene
        raster = SpikeRasterViewSpec(id="raster", field_id=SPIKE_FIELD_ID, title="Spikes (soma, 10 mV)")
        return add_view(scene, raster, column=1, before="controls", title="Spikes")

    def shutdown(self) -> None:
        """Drop the NetCons and stimuli before the sections go (a NetCon on a deleted section crashes NEURON)."""
        self.netcons, self.cells = [], []
        self.starter = self.start_nc = None
        super().shutdown()

    def default_trace_entities(self) -> list[str]:
        """Trace every cell's soma."""
        return [f"{cell}.soma[0]" for cell in self.cells]

    def control_specs(self) -> dict[str, ControlSpec]:
        """One slider: the ring synapses' weight."""
        return {"weight": ControlSpec(
            id="weight", label="Synaptic weight",
            value_spec=ScalarValueSpec(default=0.05, min=0.0, max=0.2, step=0.005, unit="µS"),
            help="Weight of every ring NetCon")}

    def action_specs(self) -> dict[str, ActionSpec]:
        """Reset, pause and kick."""
        return {**super().action_specs(),
                "kick": ActionSpec(id="kick", label="Kick cell 0", shortcuts=("K",),
                                   help="Send one synaptic event to cell 0")}

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Set the ring weight."""
        if control_id == "weight":
            for nc in self.netcons:
                nc.weight[0] = float(value)
            return True
        return super().apply_control(control_id, value)

    def apply_action(self, action_id: str, payload: dict[str, object]) -> bool:
        """Kick: deliver an event to cell 0's synapse now."""
        if action_id == "kick":
            from neuron import h

            self.start_nc.event(h.t + self.dt)
            return True
        return super().apply_action(action_id, payload)


def main() -> int:
    """Run the ring headless for 400 frames (100 ms) and print a summary."""
    from compneurovis.neuron.examples._headless import run_headless
    from compneurovis.neuron.examples.network import RingNetworkSession

    return run_headless(RingNetworkSession, "neuron-network", frames=400)


if __name__ == "__main__":
    sys.exit(main())
