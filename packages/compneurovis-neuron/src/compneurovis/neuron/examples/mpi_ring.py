"""An E-I ring of 1,000 ball-and-stick cells (100,000 segments) for MPI: each rank builds its own gids.

800 excitatory cells stand on a large circle, each exciting the next two
(``pc.gid_connect``, 2 ms delay), so a wave runs round the ring; 200
inhibitory cells on an inner circle each listen to 20 excitatory cells and
inhibit 20 others (the same random choice on every rank count: one seeded
generator per target gid). A NetStim on gid 0 starts a new wave every 100 ms.
Cells go to ranks round robin (``gid % nhost``), stepping is ``pc.psolve``,
and the raster shows every cell's ``pc.spike_record`` spikes by population.

Run it on N ranks and watch::

    compneurovis demo neuron-mpi-ring --ranks 4

or serve it yourself (rank 0 serves, the other ranks follow) and connect::

    MPI_LIB_NRN_PATH=$VENV/lib/libmpi.so.12 mpiexec -n 4 compneurovis serve demo neuron-mpi-ring
    compneurovis connect tcp://127.0.0.1:PORT#TOKEN
"""

from __future__ import annotations

import dataclasses
import math
import random
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
from compneurovis.neuron import NeuronSession, mpi_init


class Cell:
    """A ball-and-stick cell: HH soma, passive dendrite of ``nseg`` segments, one excitatory and one inhibitory synapse.

    Args:
        gid: Global id; the cell's name is ``f"{population}{gid}"``.
        population: ``"E"`` or ``"I"``.
        x: Soma position, in µm.
        y: Soma position, in µm.
        angle: Direction of the dendrite, in radians.
        nseg: Segments of the dendrite.
    """

    def __init__(self, gid: int, population: str, x: float, y: float, angle: float, nseg: int) -> None:
        from neuron import h

        self.gid, self.population = gid, population
        self.soma = h.Section(name="soma", cell=self)
        self.dend = h.Section(name="dend", cell=self)
        self.dend.connect(self.soma(1))
        ux, uy = math.cos(angle), math.sin(angle)
        self.soma.pt3dadd(x - ux * 12.6, y - uy * 12.6, 0.0, 12.6)
        self.soma.pt3dadd(x, y, 0.0, 12.6)
        for k in range(5):
            s, bend = k / 4, 10.0 * math.sin(math.pi * k / 4)
            self.dend.pt3dadd(x + ux * 200 * s - uy * bend, y + uy * 200 * s + ux * bend, 0.0, 1.0)
        self.dend.nseg = nseg
        for sec in (self.soma, self.dend):
            sec.Ra, sec.cm = 100.0, 1.0
        self.soma.insert("hh")
        self.dend.insert("pas")
        for seg in self.dend:
            seg.pas.g, seg.pas.e = 0.001, -65.0
        self.exc = h.ExpSyn(self.dend(0.05))
        self.exc.tau, self.exc.e = 2.0, 0.0
        self.inh = h.ExpSyn(self.soma(0.5))
        self.inh.tau, self.inh.e = 5.0, -80.0

    def __str__(self) -> str:
        return f"{self.population}{self.gid}"


class MpiRingSession(NeuronSession):
    """An E-I ring of 1,000 ball-and-stick cells (100,000 segments) over MPI ranks (`--ranks N`).

    Controls ``w_exc`` and ``w_inh`` set the synaptic weights (µS) on every rank;
    action ``kick`` (K) starts one more wave at gid 0.
    """

    n_exc, n_inh, dend_nseg = 800, 200, 99

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dt", 0.025)
        kwargs.setdefault("display_dt", 0.5)
        kwargs.setdefault("title", "NEURON under MPI: E-I ring of 1,000 cells")
        super().__init__(**kwargs)
        try:
            _, self.pc = mpi_init()
        except ImportError:  # no mpi4py: one process, the same model
            from neuron import h

            self.pc = h.ParallelContext()
        self.cells: dict[int, Cell] = {}
        self.netcons: list[Any] = []
        self.starter = self.start_nc = None

    @property
    def n_cells(self) -> int:
        """Cells in the whole network (all ranks)."""
        return self.n_exc + self.n_inh

    def build_sections(self) -> list[Any]:
        """Create this rank's cells (gid ``pc.id()``, ``pc.id() + nhost``, ...) and register their gids."""
        from neuron import h

        pc, rank = self.pc, int(self.pc.id())
        self.cells, self.detectors = {}, []
        for gid in range(rank, self.n_cells, int(pc.nhost())):
            if gid < self.n_exc:
                phi, radius, population = 2 * math.pi * gid / self.n_exc, 4000.0, "E"
            else:
                phi, radius, population = 2 * math.pi * (gid - self.n_exc) / self.n_inh, 2500.0, "I"
            cell = Cell(gid, population, radius * math.cos(phi), radius * math.sin(phi), phi, self.dend_nseg)
            self.cells[gid] = cell
            pc.set_gid2node(gid, rank)
            nc = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
            nc.threshold = 10.0
            pc.cell(gid, nc)
            self.detectors.append(nc)
        return [sec for cell in self.cells.values() for sec in (cell.soma, cell.dend)]

    def presynaptic(self, gid: int) -> tuple[list[int], list[int]]:
        """``(excitatory, inhibitory)`` source gids of cell ``gid``: the same on every rank count."""
        rng = random.Random(gid)
        if gid < self.n_exc:
            exc = [(gid - 1) % self.n_exc, (gid - 2) % self.n_exc]
            inh = [self.n_exc + i for i in rng.sample(range(self.n_inh), 2)]
        else:
            exc = rng.sample(range(self.n_exc), 20)
            inh = []
        return exc, inh

    def setup_model(self, sections: list[Any]) -> None:
        """Connect the ring and the inhibition through ``pc.gid_connect``; a NetStim on gid 0's synapse."""
        from neuron import h

        w_exc = self.control_values.get("w_exc", 0.04)
        w_inh = self.control_values.get("w_inh", 0.002)
        self.netcons, self.exc_netcons, self.inh_netcons = [], [], []
        for gid, cell in self.cells.items():
            exc, inh = self.presynaptic(gid)
            for source in exc:
                nc = self.pc.gid_connect(source, cell.exc)
                nc.weight[0], nc.delay = w_exc, 2.0
                self.exc_netcons.append(nc)
            for source in inh:
                nc = self.pc.gid_connect(source, cell.inh)
                nc.weight[0], nc.delay = w_inh, 1.0
                self.inh_netcons.append(nc)
        self.netcons = self.exc_netcons + self.inh_netcons
        self.starter = self.start_nc = None
        if 0 in self.cells:
            self.starter = h.NetStim()
            self.starter.number, self.starter.start, self.starter.interval = 1e9, 5.0, 100.0
            self.start_nc = h.NetCon(self.starter, self.cells[0].exc)
            self.start_nc.delay, self.start_nc.weight[0] = 1.0, 0.1

    def spike_threshold(self) -> float:
        """Spikes are the gids' own ``pc.cell`` detectors (10 mV at each soma)."""
        return 10.0

    def spike_sources(self) -> list[tuple[str, Any]]:
        """Every local cell, by gid (``pc.spike_record``)."""
        return [(str(cell), gid) for gid, cell in self.cells.items()]

    def spike_populations(self) -> list[str]:
        """``E`` or ``I``, for each local cell."""
        return [cell.population for cell in self.cells.values()]

    def parallel_context(self) -> Any:
        """The model's ``ParallelContext``."""
        return self.pc

    def default_trace_entities(self) -> list[str]:
        """The soma of gid 0 and of the first inhibitory cell."""
        return ["0/E0.soma[0]", f"{self.n_exc}/I{self.n_exc}.soma[0]"]

    def build_scene(self, *, geometry: MorphologyGeometry, display_values: np.ndarray,
                    time_value: float) -> Scene:
        """Voltage on the morphology, population colours, and the raster of every cell."""
        scene = super().build_scene(geometry=geometry, display_values=display_values, time_value=time_value)
        scene.fields["population"] = population_field(geometry, lambda cell: cell.split("/", 1)[1][0])
        scene.views["morphology"] = dataclasses.replace(scene.views["morphology"], category_field_id="population")
        raster = SpikeRasterViewSpec(id="raster", field_id=SPIKE_FIELD_ID, title="Spikes (pc.spike_record)")
        return add_view(scene, raster, column=1, before="controls", title="Spikes")

    def control_specs(self) -> dict[str, ControlSpec]:
        """The excitatory and inhibitory weights."""
        return {
            "w_exc": ControlSpec(id="w_exc", label="E weight", value_spec=ScalarValueSpec(
                default=0.04, min=0.0, max=0.1, step=0.002, unit="µS"), help="Weight of every E synapse"),
            "w_inh": ControlSpec(id="w_inh", label="I weight", value_spec=ScalarValueSpec(
                default=0.002, min=0.0, max=0.05, step=0.001, unit="µS"), help="Weight of every I synapse"),
        }

    def action_specs(self) -> dict[str, ActionSpec]:
        """Reset, pause and kick."""
        return {**super().action_specs(),
                "kick": ActionSpec(id="kick", label="Kick gid 0", shortcuts=("K",),
                                   help="Start one more wave at gid 0")}

    def apply_control(self, control_id: str, value: Any) -> bool:
        """Set the weights (on every rank: the command is broadcast)."""
        targets = {"w_exc": self.exc_netcons, "w_inh": self.inh_netcons}.get(control_id)
        if targets is None:
            return super().apply_control(control_id, value)
        for nc in targets:
            nc.weight[0] = float(value)
        return True

    def apply_action(self, action_id: str, payload: dict[str, object]) -> bool:
        """Kick: an event to gid 0's synapse on the rank that owns it."""
        if action_id == "kick":
            from neuron import h

            if self.start_nc is not None:
                self.start_nc.event(h.t + self.dt)
            return True
        return super().apply_action(action_id, payload)

    def shutdown(self) -> None:
        """Drop the NetCons and gids before the sections go."""
        self.netcons = self.exc_netcons = self.inh_netcons = self.detectors = []
        self.starter = self.start_nc = None
        self.pc.gid_clear()
        self.cells = {}
        super().shutdown()


def main() -> int:
    """Run 40 frames headless (``mpiexec -n N python -m compneurovis.neuron.examples.mpi_ring``); rank 0 prints."""
    import time

    from compneurovis.neuron import run_parallel

    def drive(factory: Any) -> int:
        start = time.perf_counter()
        session = factory()
        try:
            scene = session.initialize()
            built = time.perf_counter() - start
            spikes = 0
            for _ in range(40):
                session.advance()
                for update in session.read_updates():
                    if getattr(update, "field_id", None) == SPIKE_FIELD_ID:
                        spikes += len(update.values)
            print(f"neuron-mpi-ring: {scene.geometries['morphology'].n_entities} segments on "
                  f"{int(session.pc.nhost())} rank(s), first Scene after {built:.1f} s, t = {session.time:.1f} ms, "
                  f"{spikes} spikes, {time.perf_counter() - start:.1f} s in all", flush=True)
        finally:
            session.shutdown()
        return 0

    return run_parallel(MpiRingSession, drive)


if __name__ == "__main__":
    sys.exit(main())
