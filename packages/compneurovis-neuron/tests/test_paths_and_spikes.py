"""Path distances against NEURON's ``h.distance``; spike times against NEURON's own ``NetCon.record``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from neuron import h

from compneurovis.core import (
    FieldAppend,
    FieldReplace,
    Reset,
    SceneError,
    default_path,
    entity_path,
    path_distances,
    section_type_field,
    spikes_by_cell,
)
from compneurovis.neuron import NeuronSceneBuilder, NeuronSession, load_swc, sample_swc_path
from compneurovis.neuron.examples.network import RingNetworkSession


def assert_distances_match(sections: list[Any], origins: list[int]) -> None:
    geometry = NeuronSceneBuilder.build_morphology_geometry(sections)
    segments = [seg for sec in sections for seg in sec]
    for origin in origins:
        ours = path_distances(geometry, origin)
        theirs = np.array([h.distance(segments[origin], seg) for seg in segments])
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


def test_distances_equal_h_distance_on_the_shipped_ca1_cell():
    sections = load_swc(sample_swc_path(), cell_name="ca1")
    try:
        geometry = NeuronSceneBuilder.build_morphology_geometry(sections)
        start, tip = default_path(geometry)
        assert start == "ca1.soma[0][1]"  # soma[0](0.5): the middle of its three segments
        assert_distances_match(sections, [0, geometry.index_of(start), 700, geometry.n_entities - 1])
        segments = [seg for sec in sections for seg in sec]
        farthest = max(h.distance(segments[geometry.index_of(start)], seg) for seg in segments)
        assert path_distances(geometry, start)[geometry.index_of(tip)] == pytest.approx(farthest, rel=1e-9)
        types = section_type_field(geometry)
        assert set(types.attrs["categories"]) >= {"soma", "basal", "apical"}
    finally:
        for sec in sections:
            h.delete_section(sec=sec)


def test_distances_equal_h_distance_where_children_join_mid_section_and_at_either_end():
    soma = h.Section(name="p_soma")
    soma.L, soma.diam, soma.nseg = 20.0, 10.0, 3
    kids = []
    for k, (x, nseg, length) in enumerate([(0.0, 4, 50.0), (0.5, 5, 30.0), (1.0, 1, 80.0), (0.3, 3, 25.0)]):
        kid = h.Section(name=f"p_kid{k}")
        kid.L, kid.diam, kid.nseg = length, 1.0, nseg
        kid.connect(soma(x))
        kids.append(kid)
    grandchild = h.Section(name="p_grand")
    grandchild.L, grandchild.diam, grandchild.nseg = 40.0, 1.0, 7
    grandchild.connect(kids[2](0.7))  # mid-section of a one-segment parent
    sections = [grandchild, *kids, soma]  # children listed before their parents
    try:
        assert_distances_match(sections, list(range(sum(s.nseg for s in sections))))
    finally:
        for sec in sections:
            h.delete_section(sec=sec)


def test_a_path_between_two_cells_is_a_scene_error(session_factory):
    session = session_factory(RingNetworkSession)
    scene = session.initialize()
    geometry = scene.geometries["morphology"]
    with pytest.raises(SceneError, match=r"'bs0.dend\[0\]' \(cell 'bs0'\) and 'bs1.dend\[0\]' \(cell 'bs1'\)"):
        entity_path(geometry, "bs0.dend[0]", "bs1.dend[0]")


class QuietRing(RingNetworkSession):
    """The ring without the session's spike detection; the test records spikes itself."""

    def spike_threshold(self) -> None:
        return None


def test_spike_field_equals_neurons_own_netcon_record_and_reset_empties_it(session_factory):
    session = session_factory(RingNetworkSession)
    scene = session.initialize()
    for _ in range(400):  # 100 ms: the spike goes round the ring three times
        session.advance()
    updates = session.read_updates()
    scene.apply_all(updates)
    appends = [u for u in updates if isinstance(u, FieldAppend) and u.field_id == "spikes"]
    assert appends and all(u.max_length for u in appends)
    ours = spikes_by_cell(scene.fields["spikes"])
    assert scene.fields["spikes"].attrs["populations"] == ["driver", "ring", "ring", "ring", "ring"]
    session.handle(Reset())
    after = session.read_updates()
    assert len([u for u in after if isinstance(u, FieldReplace) and u.field_id == "spikes"]) == 1
    scene.apply_all(after)
    assert scene.fields["spikes"].values.size == 0
    session.shutdown()

    # the same model run again, its spikes recorded by the user's own NetCons
    quiet = session_factory(QuietRing)
    quiet.initialize()
    theirs = []
    for cell in quiet.cells:
        nc = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
        nc.threshold = 10.0
        times = h.Vector()
        nc.record(times)
        theirs.append((nc, times))
    quiet.handle(Reset())  # finitialize with the new NetCons
    for _ in range(400):
        quiet.advance()
    assert [len(t) for t in ours] == [len(times) for _, times in theirs]
    assert sum(len(t) for t in ours) >= 15
    for mine, (_, times) in zip(ours, theirs, strict=True):
        assert np.array_equal(mine, np.array(times))  # exactly NEURON's times


def test_a_model_netcon_on_the_source_keeps_its_threshold(session_factory):
    session = session_factory(RingNetworkSession)
    session.spike_threshold = lambda: -30.0  # the ring's NetCons already sit on each soma at 10 mV
    session.initialize()
    assert [nc.threshold for nc in session.netcons] == [10.0] * 5


class GidCells(NeuronSession):
    """Two HH somas registered as gids 7 and 9 of a ParallelContext; gid 7 gets a pulse."""

    def build_sections(self) -> list[Any]:
        self.somas = []
        for k in range(2):
            sec = h.Section(name=f"gid_soma{k}")
            sec.L = sec.diam = 20.0
            sec.insert("hh")
            self.somas.append(sec)
        return self.somas

    def setup_model(self, sections: list[Any]) -> None:
        self.pc = h.ParallelContext()
        self.stim = h.IClamp(self.somas[0](0.5))
        self.stim.delay, self.stim.dur, self.stim.amp = 1.0, 30.0, 0.5
        self.detectors = []
        for gid, sec in zip((7, 9), self.somas, strict=True):
            self.pc.set_gid2node(gid, self.pc.id())
            nc = h.NetCon(sec(0.5)._ref_v, None, sec=sec)
            nc.threshold = 0.0
            self.pc.cell(gid, nc)
            self.detectors.append(nc)
        self.theirs = h.Vector()
        if not self.detect:  # pc.spike_record would take over the source's record vectors
            self.detectors[0].record(self.theirs)

    detect = True

    def spike_threshold(self) -> float | None:
        return 0.0 if self.detect else None

    def spike_sources(self) -> list[tuple[str, Any]]:
        return [("seven", 7), ("nine", 9)]

    def parallel_context(self) -> Any:
        return self.pc

    def shutdown(self) -> None:
        self.pc.gid_clear()
        self.detectors, self.stim = [], None
        super().shutdown()


class QuietGidCells(GidCells):
    detect = False


def test_spikes_of_a_parallel_context_come_from_pc_spike_record(session_factory):
    session = session_factory(GidCells, dt=0.025, display_dt=0.5)
    scene = session.initialize()
    for _ in range(60):
        session.advance()
    scene.apply_all(session.read_updates())
    seven, nine = spikes_by_cell(scene.fields["spikes"])
    assert len(seven) >= 2 and len(nine) == 0
    session.shutdown()
    quiet = session_factory(QuietGidCells, dt=0.025, display_dt=0.5)
    quiet.initialize()
    for _ in range(60):
        quiet.advance()
    assert np.array_equal(seven, np.array(quiet.theirs))
