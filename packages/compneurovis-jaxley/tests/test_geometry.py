from __future__ import annotations

import jaxley as jx
import numpy as np
import pytest
from cnv_jaxley_testmodels import tiny_cell

from compneurovis.jaxley import JaxleySceneBuilder

# A soma and a dendrite that bends, then forks into two bending children.
SWC = """\
1 1 0 0 0 5 -1
2 1 5 0 0 5 1
3 3 10 0 0 1 2
4 3 20 5 0 1 3
5 3 30 0 0 1 4
6 3 40 10 0 0.8 5
7 3 50 25 0 0.8 6
8 3 40 -10 0 0.8 5
9 3 45 -20 5 0.8 8
"""


@pytest.fixture(scope="module")
def swc_cell(tmp_path_factory):
    path = tmp_path_factory.mktemp("swc") / "bent.swc"
    path.write_text(SWC)
    return jx.read_swc(str(path), ncomp=3)


def _point_at(points, fraction):
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    s = fraction * cumulative[-1]
    return np.array([np.interp(s, cumulative, points[:, j]) for j in range(3)])


def _half_way_along_pieces(geometry, entity):
    mask = geometry.piece_entity == entity
    starts, ends = geometry.piece_start[mask], geometry.piece_end[mask]
    np.testing.assert_allclose(starts[1:], ends[:-1])  # the pieces form one polyline
    return _point_at(np.vstack([starts, ends[-1:]]), 0.5)


def test_one_entity_per_compartment_on_the_traced_polyline(swc_cell):
    nodes = swc_cell.nodes
    geometry = JaxleySceneBuilder.build_morphology_geometry(nodes, xyzr=swc_cell.xyzr)
    assert geometry.n_entities == len(nodes)
    bending = 0
    for row, (branch, k) in enumerate(zip(nodes["global_branch_index"], nodes["local_comp_index"], strict=True)):
        traced = np.asarray(swc_cell.xyzr[branch])[:, :3]
        ncomp = int((nodes["global_branch_index"] == branch).sum())
        assert geometry.entity_ids[row] == f"cell0.branch{branch}[{k}]"
        np.testing.assert_allclose(geometry.start[row], _point_at(traced, k / ncomp), atol=1e-9)
        np.testing.assert_allclose(geometry.end[row], _point_at(traced, (k + 1) / ncomp), atol=1e-9)
        centre = _point_at(traced, (k + 0.5) / ncomp)
        np.testing.assert_allclose(_half_way_along_pieces(geometry, row), centre, atol=1e-9)
        np.testing.assert_allclose(geometry.centers[row], centre, atol=1e-9)
        assert geometry.xloc[row] == pytest.approx((k + 0.5) / ncomp)
        bending += int(np.sum(geometry.piece_entity == row) > 1)
    assert bending > 0  # some compartments are drawn along several traced points
    # start/end midpoints are Jaxley's own compartment centres
    swc_cell.compute_compartment_centers()
    jaxley_centres = swc_cell.nodes[["x", "y", "z"]].to_numpy()
    np.testing.assert_allclose(0.5 * (geometry.start + geometry.end), jaxley_centres, atol=1e-5)
    lengths = np.linalg.norm(geometry.piece_end - geometry.piece_start, axis=1)
    assert lengths.min() > 0.0  # repeated traced points draw no empty pieces
    np.testing.assert_allclose(geometry.radius, nodes["radius"].to_numpy())
    np.testing.assert_allclose(geometry.length, nodes["length"].to_numpy())


def test_parents_follow_the_tree():
    cell = tiny_cell()
    geometry = JaxleySceneBuilder.build_morphology_geometry(cell.nodes, xyzr=cell.xyzr)
    assert geometry.parent.tolist() == [-1, 0, 1, 2, 1, 4]


def test_network_cells_get_names_and_do_not_overlap():
    cell = tiny_cell()
    network = jx.Network([cell, cell])
    geometry = JaxleySceneBuilder.build_morphology_geometry(network.nodes, xyzr=network.xyzr,
                                                            cell_names=["pre", "post"])
    assert geometry.n_entities == len(network.nodes) == 12
    assert geometry.entity_ids[0] == "pre.branch0[0]" and geometry.entity_ids[6] == "post.branch0[0]"
    pre = np.array([c == "pre" for c in geometry.cell_names])
    assert geometry.end[pre][:, 0].max() < geometry.start[~pre][:, 0].min()
    with pytest.raises(ValueError, match="cell names"):
        JaxleySceneBuilder.build_morphology_geometry(network.nodes, xyzr=network.xyzr, cell_names=["one"])


def test_modules_without_coordinates_get_a_deterministic_layout():
    cell = tiny_cell()
    nan_xyzr = [np.full((2, 4), np.nan) for _ in cell.xyzr]
    for xyzr in (None, nan_xyzr):
        geometry = JaxleySceneBuilder.build_morphology_geometry(cell.nodes, xyzr=xyzr)
        assert geometry.n_entities == 6
        assert np.all(np.isfinite(geometry.piece_start)) and np.all(np.isfinite(geometry.piece_end))
        lengths = np.linalg.norm(geometry.end - geometry.start, axis=1)
        np.testing.assert_allclose(lengths, cell.nodes["length"].to_numpy())
        assert len({tuple(c) for c in np.round(geometry.centers, 6)}) == 6  # nothing drawn twice


def test_bad_nodes_are_a_clear_error():
    with pytest.raises(ValueError, match="global_cell_index"):
        JaxleySceneBuilder.build_morphology_geometry(tiny_cell().nodes.drop(columns="global_cell_index"))
