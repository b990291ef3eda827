"""Child of the MPI tests, run by ``mpiexec -n N python cnv_mpi_child.py MODE OUT``.

Rank 0 drives a `NeuronSession` with a plain loop and saves what it emitted;
every rank saves its own ``Vector.record`` of each of its segments, so the test
can compare the two. ``MODE`` ``raise1`` makes rank 1 raise mid-run.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from compneurovis.core import SPIKE_FIELD_ID, DisplayFrame, EntityClicked, Error, FieldAppend, SetControl
from compneurovis.neuron import NeuronSession, mpi_init, run_parallel

N_CELLS, FRAMES = 8, 100


class Cell:
    """A ball-and-stick cell with a bent dendrite, its gid in its name."""

    def __init__(self, gid: int) -> None:
        from neuron import h

        self.gid = gid
        self.soma = h.Section(name="soma", cell=self)
        self.dend = h.Section(name="dend", cell=self)
        self.dend.connect(self.soma(1))
        phi = 2 * math.pi * gid / N_CELLS
        x, y = 300 * math.cos(phi), 300 * math.sin(phi)
        self.soma.pt3dadd(x - 10, y, 0, 12.0)
        self.soma.pt3dadd(x, y, 0, 12.0)
        for k in range(6):
            self.dend.pt3dadd(x + 30 * k, y + 10 * math.sin(k), 0, 1.0)
        self.soma.nseg, self.dend.nseg = 1, 5
        self.soma.insert("hh")
        self.dend.insert("pas")
        self.syn = h.ExpSyn(self.dend(0.5))
        self.syn.tau = 2.0

    def __str__(self) -> str:
        return f"cell{self.gid}"


class MpiRing(NeuronSession):
    """``N_CELLS`` cells round-robin over the ranks; gid i excites gid i + 1 across ranks."""

    fail_on_rank: int | None = None
    capture = "full"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(dt=0.025, display_dt=0.25, history_capture_mode=self.capture, **kwargs)
        self.comm, self.pc = mpi_init()
        self.cells: dict[int, Cell] = {}
        self.recs: list[Any] = []

    fail_build_on_rank: int | None = None

    def build_sections(self) -> list[Any]:
        from neuron import h

        pc = self.pc
        if self.fail_build_on_rank == int(pc.id()):
            raise ValueError(f"bad cell parameters on rank {int(pc.id())}")
        self.cells = {gid: Cell(gid) for gid in range(int(pc.id()), N_CELLS, int(pc.nhost()))}
        self.detectors, self.netcons = [], []
        for gid, cell in self.cells.items():
            pc.set_gid2node(gid, int(pc.id()))
            nc = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
            nc.threshold = 10.0
            pc.cell(gid, nc)
            self.detectors.append(nc)
        for gid, cell in self.cells.items():
            nc = pc.gid_connect((gid - 1) % N_CELLS, cell.syn)
            nc.weight[0], nc.delay = 0.05, 5.0
            self.netcons.append(nc)
        self.stim = None
        if 0 in self.cells:
            self.stim = h.IClamp(self.cells[0].soma(0.5))
            self.stim.delay, self.stim.dur, self.stim.amp = 1.0, 1.0, 1.0
        sections = [sec for cell in self.cells.values() for sec in (cell.soma, cell.dend)]
        self.recs = []
        for sec in sections:
            for seg in sec:
                v = h.Vector()
                v.record(seg._ref_v)
                self.recs.append(v)
        self.tvec = h.Vector()
        self.tvec.record(h._ref_t)
        return sections

    def spike_threshold(self) -> float:
        return 10.0

    def spike_sources(self) -> list[tuple[str, Any]]:
        return [(str(cell), gid) for gid, cell in self.cells.items()]

    def spike_populations(self) -> list[str]:
        return ["driver" if gid == 0 else "ring" for gid in self.cells]

    def parallel_context(self) -> Any:
        return self.pc

    def apply_control(self, control_id: str, value: Any) -> bool:
        if control_id == "weight":
            for nc in self.netcons:
                nc.weight[0] = float(value)
            return True
        return False

    def control_specs(self) -> dict:
        from compneurovis.core import ControlSpec, ScalarValueSpec

        return {"weight": ControlSpec(id="weight", label="w", value_spec=ScalarValueSpec(
            default=0.05, min=0.0, max=1.0, step=0.01))}

    def step(self, n_steps: int):
        from neuron import h

        if self.fail_on_rank == int(self.pc.id()) and h.t > 5.0:
            raise RuntimeError(f"boom on rank {int(self.pc.id())}")
        return super().step(n_steps)

    out: Path | None = None

    def shutdown(self) -> None:
        if self.out is not None and self.recs:  # every rank's own Vector.record of its segments
            np.savez(self.out / f"rank{int(self.pc.id())}.npz", ids=np.asarray(self._local_entity_ids),
                     weights=np.array([nc.weight[0] for nc in self.netcons]),
                     t=np.array(self.tvec), v=np.array([np.array(r) for r in self.recs], dtype=np.float64))
        self.pc.gid_clear()
        self.detectors, self.netcons, self.stim, self.recs = [], [], None, []
        super().shutdown()


def main() -> int:
    mode, out = sys.argv[1], Path(sys.argv[2])
    mpi_init()
    if mode == "raise1":
        MpiRing.fail_on_rank = 1
    if mode == "build1":
        MpiRing.fail_build_on_rank = 1
    if mode == "on_demand":  # history every step for a few traced segments only (one on each rank)
        MpiRing.capture = "on_demand"
    MpiRing.out = out

    made: list[MpiRing] = []

    def factory() -> MpiRing:
        made.append(MpiRing())
        return made[-1]

    def drive(make: Any) -> int:
        session = make()
        frames, history, spikes, errors = [], [], [], []
        try:
            scene = session.initialize()
            if MpiRing.capture == "on_demand":
                ids = scene.geometries["morphology"].entity_ids
                for entity in (ids[2], ids[-1]):  # a segment of rank 0's first cell, one of rank 1's last
                    session.handle(EntityClicked(entity_id=entity))
                scene.apply_all(session.read_updates())
            for frame in range(FRAMES):
                if frame == 30:
                    session.handle(SetControl(control_id="weight", value=0.06))
                session.advance()
                updates = session.read_updates()
                scene.apply_all(updates)
                for u in updates:
                    if isinstance(u, DisplayFrame):
                        frames.append((u.sim_time, np.asarray(u.values)))
                    elif isinstance(u, FieldAppend) and u.field_id == SPIKE_FIELD_ID:
                        spikes.append((np.asarray(u.values), np.asarray(u.coord_values)))
                    elif isinstance(u, FieldAppend):
                        history.append((np.asarray(u.coord_values), np.asarray(u.values)))
                    elif isinstance(u, Error):
                        errors.append(u.message)
        except Exception as exc:  # noqa: BLE001 - what a server would send the viewer as an Error update
            print(f"ERROR-UPDATE: {exc}", flush=True)
            session.shutdown()
            return 3
        geometry = scene.geometries["morphology"]
        raster = scene.fields[SPIKE_FIELD_ID]
        cells = raster.attrs["cells"]
        np.savez(out / "root.npz", ids=np.asarray(geometry.entity_ids),
                 frame_t=np.array([f[0] for f in frames]), frame_v=np.stack([f[1] for f in frames]),
                 hist_t=np.concatenate([h[0] for h in history]), hist_v=np.concatenate([h[1] for h in history]),
                 spike_t=np.concatenate([s[0] for s in spikes] or [np.empty(0)]),
                 spike_cell=np.concatenate([s[1] for s in spikes] or [np.empty(0, int)]),
                 raster_t=np.asarray(raster.values), raster_cell=np.asarray(raster.coords["spike"]),
                 cells=np.asarray(cells), errors=np.asarray(errors, dtype=str),
                 traced=np.asarray(geometry.entity_ids)[session._traces.rows],
                 populations=np.asarray(raster.attrs["populations"]))
        session.shutdown()
        return 0

    return run_parallel(factory, drive)


if __name__ == "__main__":
    sys.exit(main())
