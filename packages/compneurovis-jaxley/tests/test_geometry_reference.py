"""The linear geometry builder gives exactly the geometry of the old quadratic one."""

from __future__ import annotations

import jaxley as jx
import numpy as np
import pandas as pd
import pytest
from cnv_jaxley_oldgeometry import build_geometry as old_build_geometry
from cnv_jaxley_testmodels import tiny_cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compneurovis.jaxley import JaxleySceneBuilder
from compneurovis.jaxley.examples.swc_cell import swc_path

ONE_POINT_SOMA = """\
1 1 0 0 0 6 -1
2 3 0 6 0 1 1
3 3 0 20 5 1 2
4 3 8 30 5 0.8 3
5 3 -8 30 0 0.8 3
6 3 0 -6 0 1 1
7 3 0 -18 0 1 6
"""


def assert_same_geometry(nodes, xyzr, cell_names=None):
    new = JaxleySceneBuilder.build_morphology_geometry(nodes, xyzr=xyzr, cell_names=cell_names)
    old = old_build_geometry(nodes, xyzr=xyzr, cell_names=cell_names)
    for name in ("entity_ids", "cell_names", "section_names", "labels"):
        assert list(getattr(new, name)) == list(getattr(old, name)), name
    for name in ("xloc", "start", "end", "radius", "length", "parent", "piece_start", "piece_end",
                 "piece_start_radius", "piece_end_radius", "piece_entity"):
        a, b = np.asarray(getattr(new, name)), np.asarray(getattr(old, name))
        assert a.shape == b.shape, (name, a.shape, b.shape)
        np.testing.assert_array_equal(a, b, err_msg=name)
    return new


@pytest.fixture(scope="module")
def ca1():
    return jx.read_swc(swc_path(), ncomp=2)


def test_bundled_ca1_cell(ca1):
    assert_same_geometry(ca1.nodes, ca1.xyzr)
    ca1_one = jx.read_swc(swc_path(), ncomp=1)
    assert_same_geometry(ca1_one.nodes, ca1_one.xyzr)


def test_networks_of_copies_and_moved_cells(ca1):
    cell = ca1
    copies = jx.Network([cell, cell, cell])  # overlapping: laid side by side
    assert_same_geometry(copies.nodes, copies.xyzr, ["a", "b", "c"])
    moved = jx.Network([tiny_cell(), tiny_cell()])
    moved.compute_xyz()
    moved.cell(1).move(0.0, 500.0, 0.0)
    assert_same_geometry(moved.nodes, moved.xyzr)


def test_one_point_soma_and_cells_without_coordinates(tmp_path):
    path = tmp_path / "one_point.swc"
    path.write_text(ONE_POINT_SOMA)
    cell = jx.read_swc(str(path), ncomp=2)
    assert_same_geometry(cell.nodes, cell.xyzr)
    tiny = tiny_cell()
    for xyzr in (None, [np.full((2, 4), np.nan) for _ in tiny.xyzr]):
        assert_same_geometry(tiny.nodes, xyzr)
    tiny.compute_xyz()
    assert_same_geometry(tiny.nodes, tiny.xyzr)


@st.composite
def random_module(draw):
    """Nodes and xyzr of random trees whose branches start at (or near) their parent's end."""
    grid = st.integers(-4, 4).map(lambda v: v * 2.5)  # coarse: points coincide often
    near = st.sampled_from([0.0, 0.0, 5e-7, 3e-6, 1e-3, -2e-6])  # within, near and beyond tolerance
    rows, xyzr, branch = [], [], 0
    for cell in range(draw(st.integers(1, 3))):
        ends = []
        for b in range(draw(st.integers(1, 10))):
            ncomp = draw(st.integers(1, 4))
            rows += [(cell, branch, k) for k in range(ncomp)]
            kind = draw(st.sampled_from(["traced", "traced", "traced", "nan", "one point"]))
            if kind == "nan":
                points = np.full((2, 4), np.nan)
            else:
                start = np.array([draw(grid) for _ in range(3)])
                if b and draw(st.booleans()):
                    start = ends[draw(st.integers(0, len(ends) - 1))] + draw(near)
                m = 1 if kind == "one point" else draw(st.integers(2, 6))
                pts = [start] + [np.array([draw(grid) for _ in range(3)]) for _ in range(m - 1)]
                if m > 2 and draw(st.booleans()):
                    pts.insert(1, pts[1])  # a repeated point
                radii = np.array([[draw(st.sampled_from([0.5, 1.0, 2.0]))] for _ in pts])
                points = np.hstack([np.array(pts), radii])
            ends.append(points[-1, :3])
            xyzr.append(points)
            branch += 1
    cell_i, branch_i, comp_i = (np.array(c) for c in zip(*rows, strict=True))
    nodes = pd.DataFrame({
        "global_cell_index": cell_i, "global_branch_index": branch_i,
        "global_comp_index": np.arange(len(rows)), "length": 10.0 + comp_i, "radius": 1.0 + 0.1 * branch_i,
    })
    return nodes, xyzr


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_module())
def test_random_trees_match_the_quadratic_builder(module):
    nodes, xyzr = module
    assert_same_geometry(nodes, xyzr)
