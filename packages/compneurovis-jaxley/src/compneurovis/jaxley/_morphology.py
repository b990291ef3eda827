"""Jaxley compartments to `MorphologyGeometry`: one entity per compartment.

Compartment ``k`` of a branch with ``ncomp`` compartments spans the arc-length
fractions ``[k / ncomp, (k + 1) / ncomp]`` of the branch's traced polyline (the
convention of Jaxley's own ``compute_compartment_centers``); it is drawn as one
piece per traced segment inside that span, so a compartment on a bending
branch follows the reconstruction. The midpoint of its ``start`` and ``end``
is Jaxley's own compartment centre (``compute_compartment_centers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from compneurovis.core import MorphologyGeometry

#: Gap (µm) between cells laid side by side when their bounding boxes overlap.
CELL_GAP = 20.0
#: Spacing (µm) between branches in the fallback layout (branches without coordinates).
FALLBACK_BRANCH_SPACING = 10.0


def _column(nodes: Any, name: str) -> np.ndarray:
    if name not in nodes.columns:
        raise ValueError(f"nodes has no column {name!r}; pass a Jaxley module's `.nodes` DataFrame")
    return nodes[name].to_numpy()


def _polyline(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Return cumulative arc length at each point and the total length."""
    if len(points) < 2:
        return np.zeros(len(points)), 0.0
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    return cumulative, float(cumulative[-1])


def _fallback_branch(lengths: np.ndarray, row: int) -> np.ndarray:
    """A straight branch along +x at ``y = -row * spacing`` for branches without coordinates."""
    total = float(np.sum(lengths)) or 1.0
    y = -row * FALLBACK_BRANCH_SPACING
    return np.array([[0.0, y, 0.0], [total, y, 0.0]])


def _branch_points(
    xyzr: Sequence[np.ndarray] | None, branch: int, lengths: np.ndarray, radii: np.ndarray, row: int
) -> tuple[np.ndarray, np.ndarray]:
    """Traced ``(m, 3)`` points and ``(m,)`` radii of one branch (fallback layout if missing)."""
    traced = None if xyzr is None or branch >= len(xyzr) else np.asarray(xyzr[branch], dtype=float)
    if traced is None or traced.ndim != 2 or traced.shape[0] == 0 or not np.all(np.isfinite(traced[:, :3])):
        points = _fallback_branch(lengths, row)
        return points, np.full(len(points), float(np.mean(radii)))
    # Jaxley's SWC reader repeats points at compartment boundaries: drop repeats so
    # no zero-length piece is drawn.
    keep = np.concatenate([[True], np.any(np.diff(traced[:, :3], axis=0) != 0, axis=1)])
    traced = traced[keep]
    points = traced[:, :3]
    r = traced[:, 3] if traced.shape[1] > 3 else np.full(len(points), np.nan)
    if not np.all(np.isfinite(r)):
        r = np.full(len(points), float(np.mean(radii)))
    return points, r


def _pieces_of_branch(
    points: np.ndarray, r: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The drawn polyline of each compartment of one branch.

    Returns ``(xyz, radius, runs)``: ``xyz[runs[k]:runs[k + 1]]`` (and the same
    rows of ``radius``) are the points compartment ``k`` is drawn through, from
    its start to its end.
    """
    ncomp = len(lengths)
    cumulative, total = _polyline(points)
    if total <= 0.0:
        # A single traced point (e.g. a one-point soma): Jaxley models it as a
        # cylinder of length 2r; draw it along x, centred on the point.
        half = 0.5 * float(np.sum(lengths))
        start = points[0] - np.array([half, 0.0, 0.0])
        along = 2 * half * np.arange(ncomp + 1) / ncomp
        ends = start + np.column_stack([along, np.zeros_like(along), np.zeros_like(along)])
        xyz = np.repeat(ends, 2, axis=0)[1:-1]  # compartment k: ends[k], ends[k + 1]
        return xyz, np.full(len(xyz), float(r[0])), list(range(0, 2 * ncomp + 1, 2))
    # compartment k spans [total * k / ncomp, total * (k + 1) / ncomp] of the arc length
    bounds = total * np.arange(ncomp + 1) / ncomp
    ends = np.column_stack([np.interp(bounds, cumulative, points[:, j]) for j in range(3)])
    end_r = np.interp(bounds, cumulative, r)
    # traced points strictly inside each span (cumulative never decreases)
    lo = np.searchsorted(cumulative, bounds[:-1], side="right")
    hi = np.searchsorted(cumulative, bounds[1:], side="left")
    xyz, rad, runs = [], [], [0]
    for k in range(ncomp):
        xyz += [ends[k : k + 1], points[lo[k] : hi[k]], ends[k + 1 : k + 2]]
        rad += [end_r[k : k + 1], r[lo[k] : hi[k]], end_r[k + 1 : k + 2]]
        runs.append(runs[-1] + 2 + max(0, int(hi[k] - lo[k])))
    return np.concatenate(xyz), np.concatenate(rad), runs


#: ``np.allclose`` tolerances of "a branch starts where another ends".
_ATOL, _RTOL = 1e-6, 1e-5
#: Candidates looked at per grid cell before falling back to a scan of that cell.
_BUCKET_PEEK = 8


def _touches(end: np.ndarray, first: np.ndarray) -> np.ndarray:
    """``np.allclose(end, first, atol=1e-6)`` row by row."""
    return np.all(np.abs(end - first) <= _ATOL + _RTOL * np.abs(first), axis=-1)


def _parent_branches(starts: np.ndarray, ends: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Per branch (rows in branch order): the first earlier branch of its cell that ends where it starts, or -1.

    Ends are hashed on a grid of the largest tolerance, so each start looks at
    the ends in the 27 grid cells around it: linear in branches.
    """
    nb = len(starts)
    found = np.full(nb, -1, dtype=np.int64)
    if nb < 2:
        return found
    h = _ATOL + _RTOL * float(max(np.abs(starts).max(), np.abs(ends).max()))
    h *= 1 + 1e-9  # a point within tolerance is never more than one grid cell away
    grid_end = np.floor(ends / h).astype(np.int64)
    grid_start = np.floor(starts / h).astype(np.int64)
    low = np.minimum(grid_end.min(axis=0), grid_start.min(axis=0)) - 1
    span = np.maximum(grid_end.max(axis=0), grid_start.max(axis=0)) - low + 2  # <= 2e5 + 4 per axis

    def code(g: np.ndarray) -> np.ndarray:
        g = g - low
        return (g[:, 0] * span[1] + g[:, 1]) * span[2] + g[:, 2]

    end_code = code(grid_end)
    for cell in np.unique(cells):
        members = np.flatnonzero(cells == cell)  # branch order within the cell
        order = members[np.lexsort((members, end_code[members]))]  # by grid cell, then branch
        sorted_code = end_code[order]
        best = np.full(len(members), nb, dtype=np.int64)
        for offset in np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1])).reshape(3, -1).T:
            query = code(grid_start[members] + offset)
            lo = np.searchsorted(sorted_code, query, side="left")
            hi = np.searchsorted(sorted_code, query, side="right")
            for j in range(_BUCKET_PEEK):  # the bucket's first few ends, lowest branch first
                at = lo + j
                live = at < hi
                cand = np.where(live, order[np.minimum(at, len(order) - 1)], nb)
                ok = live & (cand < members)
                ok[ok] = _touches(ends[cand[ok]], starts[members[ok]])
                best = np.where(ok, np.minimum(best, cand), best)
            for q in np.flatnonzero(hi - lo > _BUCKET_PEEK):  # a crowded grid cell: scan the rest
                for other in order[lo[q] + _BUCKET_PEEK : hi[q]]:
                    if other >= min(best[q], members[q]):
                        break
                    if _touches(ends[other], starts[members[q]]):
                        best[q] = other
                        break
        found[members] = np.where(best < nb, best, -1)
    return found


def _separate_cells(cell_of_piece: np.ndarray, starts: np.ndarray, ends: np.ndarray, n_cells: int) -> np.ndarray:
    """Offsets ``(n_cells, 3)`` that put cells side by side along x if any two overlap."""
    offsets = np.zeros((n_cells, 3))
    if n_cells < 2:
        return offsets
    lows, highs = np.full((n_cells, 3), np.inf), np.full((n_cells, 3), -np.inf)
    for pts in (starts, ends):
        np.minimum.at(lows, cell_of_piece, pts)
        np.maximum.at(highs, cell_of_piece, pts)
    empty = ~np.isfinite(lows[:, 0])
    lows[empty], highs[empty] = 0.0, 0.0
    touch = np.all(lows[:, None, :] <= highs[None, :, :], axis=2)
    overlap = bool(np.any(np.triu(touch & touch.T, k=1)))
    if not overlap:
        return offsets
    cursor = lows[0][0]
    for c in range(n_cells):
        offsets[c, 0] = cursor - lows[c][0]
        cursor += (highs[c][0] - lows[c][0]) + CELL_GAP
    return offsets


def build_geometry(
    nodes: Any,
    *,
    xyzr: Sequence[np.ndarray] | None = None,
    cell_names: Sequence[str] | None = None,
    geometry_id: str = "morphology",
) -> MorphologyGeometry:
    """Build the geometry of a Jaxley module; see `JaxleySceneBuilder.build_morphology_geometry`."""
    cell_idx = _column(nodes, "global_cell_index").astype(int)
    branch_idx = _column(nodes, "global_branch_index").astype(int)
    comp_idx = _column(nodes, "global_comp_index").astype(int)
    node_len = _column(nodes, "length").astype(float)
    node_rad = _column(nodes, "radius").astype(float)
    n = len(comp_idx)
    cells = sorted(set(cell_idx.tolist()))
    names = list(cell_names) if cell_names is not None else [f"cell{c}" for c in range(len(cells))]
    if len(names) != len(cells):
        raise ValueError(f"{len(names)} cell names for {len(cells)} cells")
    if len(set(names)) != len(names):
        raise ValueError(f"cell names must be unique, got {names}")
    cell_pos = {c: i for i, c in enumerate(cells)}
    order = np.lexsort((comp_idx, branch_idx))  # rows grouped by branch, comps in order
    cuts = np.flatnonzero(np.diff(branch_idx[order])) + 1
    branch_rows = np.split(order, cuts) if n else []

    entity_ids: list[str] = [""] * n
    sections: list[str] = [""] * n
    labels: list[str] = [""] * n
    cell_of: list[str] = [""] * n
    xloc = np.zeros(n)
    start = np.zeros((n, 3))
    end = np.zeros((n, 3))
    parent = np.full(n, -1, dtype=np.int64)
    chunks_xyz: list[np.ndarray] = []
    chunks_r: list[np.ndarray] = []
    p_first: list[int] = []  # per piece: its start's row in the stacked chunks (its end is the next row)
    p_entity: list[int] = []
    first_branch_of_cell: dict[int, int] = {}
    fallback_row: dict[int, int] = {}
    nb = len(branch_rows)
    b_first, b_last, b_cell = np.zeros(nb, dtype=np.int64), np.zeros(nb, dtype=np.int64), np.zeros(nb, dtype=np.int64)
    b_start, b_end = np.zeros((nb, 3)), np.zeros((nb, 3))
    stacked = 0

    for bi, rows in enumerate(branch_rows):
        branch = int(branch_idx[rows[0]])
        cell = int(cell_idx[rows[0]])
        ci = cell_pos[cell]
        name = names[ci]
        local_branch = branch - first_branch_of_cell.setdefault(cell, branch)
        fallback_row[cell] = fallback_row.get(cell, -1) + 1
        points, radii = _branch_points(xyzr, branch, node_len[rows], node_rad[rows], fallback_row[cell])
        xyz, rad, runs = _pieces_of_branch(points, radii, node_len[rows])
        ncomp = len(rows)
        for k, row in enumerate(rows.tolist()):
            x = (k + 0.5) / ncomp
            entity_ids[row] = f"{name}.branch{local_branch}[{k}]"
            sections[row] = f"branch{local_branch}"
            labels[row] = f"{name}.branch{local_branch}({x:.3g})"
            cell_of[row] = name
            xloc[row] = x
            if k > 0:
                parent[row] = rows[k - 1]
            p_first.extend(range(stacked + runs[k], stacked + runs[k + 1] - 1))
            p_entity.extend([row] * (runs[k + 1] - runs[k] - 1))
        run_starts = np.asarray(runs[:-1])
        start[rows], end[rows] = xyz[run_starts], xyz[np.asarray(runs[1:]) - 1]
        chunks_xyz.append(xyz)
        chunks_r.append(rad)
        stacked += len(xyz)
        b_first[bi], b_last[bi], b_cell[bi] = rows[0], rows[-1], cell
        b_start[bi], b_end[bi] = points[0], points[-1]

    # A branch's first compartment hangs from the branch (same cell) whose traced end
    # is its traced start; Jaxley's SWC reader and compute_xyz both trace branches so.
    for bi, other in enumerate(_parent_branches(b_start, b_end, b_cell)):
        if other >= 0:
            parent[b_first[bi]] = b_last[other]

    all_xyz = np.concatenate(chunks_xyz) if chunks_xyz else np.zeros((0, 3))
    all_r = np.concatenate(chunks_r) if chunks_r else np.zeros(0)
    first = np.asarray(p_first, dtype=np.int64)
    p_start, p_end, p_r0, p_r1 = all_xyz[first], all_xyz[first + 1], all_r[first], all_r[first + 1]
    piece_entity = np.asarray(p_entity, dtype=np.int64)
    entity_cell = np.searchsorted(np.asarray(cells), cell_idx)  # cell_pos of every row
    p_cell = entity_cell[piece_entity]
    offsets = _separate_cells(p_cell, p_start, p_end, len(cells))
    return MorphologyGeometry(
        id=geometry_id,
        entity_ids=entity_ids,
        cell_names=cell_of,
        section_names=sections,
        xloc=xloc,
        start=start + offsets[entity_cell],
        end=end + offsets[entity_cell],
        radius=node_rad,
        length=node_len,
        parent=parent,
        labels=labels,
        piece_start=p_start + offsets[p_cell],
        piece_end=p_end + offsets[p_cell],
        piece_start_radius=p_r0,
        piece_end_radius=p_r1,
        piece_entity=piece_entity,
    )
