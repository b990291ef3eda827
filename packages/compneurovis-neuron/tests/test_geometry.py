"""Geometry: one entity per segment, placed where NEURON puts it."""

from __future__ import annotations

import numpy as np
import pytest
from cnv_neuron_testmodels import bent_section
from neuron import h

from compneurovis.neuron import NeuronSceneBuilder, load_swc, sample_swc_path


def neuron_segment_points(sec):
    """NEURON's own 3-D coordinates of each segment's centre and ends (x3d... at arc x * L)."""
    n = int(sec.n3d())
    arc = np.array([sec.arc3d(i) for i in range(n)])
    xyz = np.array([[sec.x3d(i), sec.y3d(i), sec.z3d(i)] for i in range(n)])
    length = arc[-1]

    def at(x):
        return np.array([np.interp(x * length, arc, xyz[:, j]) for j in range(3)])

    centres = np.array([at(seg.x) for seg in sec])
    bounds = np.array([at(i / sec.nseg) for i in range(sec.nseg + 1)])
    return centres, bounds


def assert_matches_neuron(geometry, sections):
    centres = np.concatenate([neuron_segment_points(sec)[0] for sec in sections])
    scale = np.abs(centres).max()
    np.testing.assert_allclose(geometry.centers, centres, rtol=0, atol=1e-4 * scale)
    np.testing.assert_allclose(geometry.xloc, [seg.x for sec in sections for seg in sec])


@pytest.fixture
def ca1():
    sections = load_swc(sample_swc_path(), cell_name="ca1")
    yield sections, NeuronSceneBuilder.build_morphology_geometry(sections)
    for sec in sections:
        h.delete_section(sec=sec)
    del sections


def test_shipped_swc_entity_per_segment(ca1):
    sections, geometry = ca1
    assert geometry.n_entities == sum(sec.nseg for sec in sections) >= 2500
    assert len(set(geometry.entity_ids)) == geometry.n_entities
    assert geometry.entity_ids[0] == "ca1.soma[0][0]"
    assert geometry.cell_names[0] == "ca1" and geometry.section_names[0] == "soma[0]"
    assert geometry.labels[0].startswith("ca1.soma[0](")
    assert_matches_neuron(geometry, sections)


def test_shipped_swc_segment_ends_and_lengths(ca1):
    sections, geometry = ca1
    starts, ends = [], []
    for sec in sections:
        _, bounds = neuron_segment_points(sec)
        starts.append(bounds[:-1])
        ends.append(bounds[1:])
    scale = np.abs(geometry.start).max()
    np.testing.assert_allclose(geometry.start, np.concatenate(starts), atol=1e-4 * scale)
    np.testing.assert_allclose(geometry.end, np.concatenate(ends), atol=1e-4 * scale)
    np.testing.assert_allclose(geometry.length, [sec.L / sec.nseg for sec in sections for _ in sec])
    np.testing.assert_allclose(geometry.radius, [seg.diam / 2 for sec in sections for seg in sec])


def test_shipped_swc_parents(ca1):
    sections, geometry = ca1
    index = {eid: i for i, eid in enumerate(geometry.entity_ids)}
    roots = [i for i, p in enumerate(geometry.parent) if p == -1]
    assert [geometry.entity_ids[i] for i in roots] == ["ca1.soma[0][0]"]
    for sec in sections:
        psec = sec.parentseg()
        if psec is None:
            continue
        first = index[f"ca1.{sec.name().split('.', 1)[1]}[0]"]
        parent_id = geometry.entity_ids[geometry.parent[first]]
        pname = psec.sec.name().split(".", 1)[1]
        expected = min(int(psec.x * psec.sec.nseg), psec.sec.nseg - 1)
        assert parent_id == f"ca1.{pname}[{expected}]"


def test_pieces_follow_the_reconstruction(ca1):
    sections, geometry = ca1
    n3d_total = sum(int(sec.n3d()) for sec in sections)
    assert len(geometry.piece_entity) > geometry.n_entities
    # every 3-D point of the file lies on a drawn piece end or start
    points = np.concatenate([geometry.piece_start, geometry.piece_end])
    for sec in sections[:20]:
        for i in range(int(sec.n3d())):
            p = np.array([sec.x3d(i), sec.y3d(i), sec.z3d(i)])
            assert np.min(np.linalg.norm(points - p, axis=1)) < 1e-6
    assert n3d_total > 0
    # pieces of each entity are chained and their lengths add up to the segment's arc length
    for e in range(0, geometry.n_entities, 97):
        mask = geometry.piece_entity == e
        ps, pe = geometry.piece_start[mask], geometry.piece_end[mask]
        np.testing.assert_allclose(ps[1:], pe[:-1])
        np.testing.assert_allclose(ps[0], geometry.start[e])
        np.testing.assert_allclose(pe[-1], geometry.end[e])
        assert np.linalg.norm(pe - ps, axis=1).sum() == pytest.approx(geometry.length[e], rel=1e-4, abs=1e-6)


def test_bent_section_and_define_shape():
    soma = h.Section(name="soma")
    soma.L = soma.diam = 10.0
    dend = bent_section("dend")
    dend.connect(soma(1))
    try:
        geometry = NeuronSceneBuilder.build_morphology_geometry([soma, dend])
        assert soma.n3d() >= 2, "a section without pt3d got define_shape() points"
        assert geometry.n_entities == soma.nseg + dend.nseg == 6
        assert geometry.entity_ids == ("soma[0]", "dend[0]", "dend[1]", "dend[2]", "dend[3]", "dend[4]")
        assert geometry.labels[3] == "dend(0.5)"
        assert list(geometry.parent) == [-1, 0, 1, 2, 3, 4]
        assert_matches_neuron(geometry, [soma, dend])
        # a bending segment is drawn along its inner 3-D points: more pieces than segments
        counts = np.bincount(geometry.piece_entity, minlength=geometry.n_entities)
        assert counts[1:].sum() == 5 + 7  # 5 segments + 7 interior pt3d points strictly inside
        assert (counts >= 1).all()
        radii = np.concatenate([geometry.piece_start_radius, geometry.piece_end_radius])
        assert radii.min() > 0.5 and radii.max() <= 5.0
    finally:
        del soma, dend


def test_duplicate_section_names_are_a_clear_error():
    a, b = h.Section(name="twin"), h.Section(name="twin")
    try:
        with pytest.raises(ValueError, match="two sections are named 'twin'"):
            NeuronSceneBuilder.build_morphology_geometry([a, b])
    finally:
        del a, b
