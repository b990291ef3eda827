"""The vectorised geometry builder equals the per-segment one it replaced, field by field."""

from __future__ import annotations

import numpy as np
import pytest
from cnv_neuron_testmodels import bent_section
from cnv_reference_geometry import build_morphology_geometry as reference
from neuron import h

from compneurovis.neuron import NeuronSceneBuilder, load_swc, sample_swc_path

ARRAYS = ("xloc", "start", "end", "radius", "length", "parent", "attach_offset",
          "piece_start", "piece_end", "piece_start_radius", "piece_end_radius", "piece_entity")


def assert_same_geometry(sections):
    new, old = NeuronSceneBuilder.build_morphology_geometry(sections), reference(sections)
    for name in ("entity_ids", "cell_names", "section_names", "labels"):
        assert getattr(new, name) == getattr(old, name), name
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(new, name), getattr(old, name), err_msg=name)
    return new


@pytest.fixture
def made():
    sections = []
    yield sections
    for sec in sections:
        h.delete_section(sec=sec)


def test_the_ca1_cell_is_unchanged(made):
    made += load_swc(sample_swc_path(), cell_name="ca1")
    geometry = assert_same_geometry(made)
    assert geometry.piece_entity.size > geometry.n_entities  # bends drawn through their 3-D points


@pytest.mark.parametrize("nseg", [1, 2, 3, 7, 40])
def test_a_bent_section_is_unchanged(made, nseg):
    sec = bent_section()
    made.append(sec)
    sec.nseg = nseg
    assert_same_geometry(made)


def test_repeated_points_zero_length_and_branches_are_unchanged(made):
    soma = h.Section(name="soma_rep")
    for x in (0.0, 0.0, 5.0, 5.0, 5.0, 10.0):  # repeated 3-D points: zero-length pieces
        soma.pt3dadd(x, 0.0, 0.0, 10.0)
    soma.nseg = 5
    point = h.Section(name="point_rep")  # a section of zero length
    point.pt3dadd(3.0, 3.0, 0.0, 2.0)
    point.pt3dadd(3.0, 3.0, 0.0, 2.0)
    point.nseg = 3
    point.connect(soma(0.5))
    dend = h.Section(name="dend_rep")
    for k in range(9):  # points landing exactly on the segment ends of nseg 4
        dend.pt3dadd(10.0 + 5.0 * k, 2.0 * (k % 2), 0.0, 1.0)
    dend.nseg = 4
    dend.connect(soma(1))
    made += [soma, point, dend]
    geometry = assert_same_geometry(made)
    assert geometry.parent[geometry.index_of("point_rep[0]")] == geometry.index_of("soma_rep[2]")
