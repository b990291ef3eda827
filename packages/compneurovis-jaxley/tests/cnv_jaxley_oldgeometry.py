"""The quadratic geometry builder as it was before it became linear, kept as a reference.

Copied verbatim (but for this docstring) from ``_morphology.py`` at commit 56bd078: the
new builder must give the same geometry on every model the tests build.
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


def _interp(cumulative: np.ndarray, values: np.ndarray, s: float) -> np.ndarray:
    return np.array([np.interp(s, cumulative, values[:, j]) for j in range(values.shape[1])])


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
) -> list[tuple[list[np.ndarray], list[float]]]:
    """Per compartment: the polyline points and radii it covers."""
    ncomp = len(lengths)
    cumulative, total = _polyline(points)
    out: list[tuple[list[np.ndarray], list[float]]] = []
    if total <= 0.0:
        # A single traced point (e.g. a one-point soma): Jaxley models it as a
        # cylinder of length 2r; draw it along x, centred on the point.
        centre = points[0]
        half = 0.5 * float(np.sum(lengths))
        start = centre - np.array([half, 0.0, 0.0])
        for k in range(ncomp):
            a = start + np.array([2 * half * k / ncomp, 0.0, 0.0])
            b = start + np.array([2 * half * (k + 1) / ncomp, 0.0, 0.0])
            out.append(([a, b], [float(r[0]), float(r[0])]))
        return out
    rr = r[:, None]
    for k in range(ncomp):
        s0, s1 = total * k / ncomp, total * (k + 1) / ncomp
        inside = np.flatnonzero((cumulative > s0) & (cumulative < s1))
        pts = [_interp(cumulative, points, s0), *points[inside], _interp(cumulative, points, s1)]
        rad = [
            float(_interp(cumulative, rr, s0)[0]),
            *(float(x) for x in r[inside]),
            float(_interp(cumulative, rr, s1)[0]),
        ]
        out.append((pts, rad))
    return out


def _separate_cells(cell_of_piece: np.ndarray, starts: np.ndarray, ends: np.ndarray, n_cells: int) -> np.ndarray:
    """Offsets ``(n_cells, 3)`` that put cells side by side along x if any two overlap."""
    offsets = np.zeros((n_cells, 3))
    if n_cells < 2:
        return offsets
    lows, highs = [], []
    for c in range(n_cells):
        pts = np.concatenate([starts[cell_of_piece == c], ends[cell_of_piece == c]])
        lows.append(pts.min(axis=0) if len(pts) else np.zeros(3))
        highs.append(pts.max(axis=0) if len(pts) else np.zeros(3))
    overlap = any(
        np.all(lows[a] <= highs[b]) and np.all(lows[b] <= highs[a])
        for a in range(n_cells) for b in range(a + 1, n_cells)
    )
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

    entity_ids: list[str] = [""] * n
    sections: list[str] = [""] * n
    labels: list[str] = [""] * n
    cell_of: list[str] = [""] * n
    xloc = np.zeros(n)
    start = np.zeros((n, 3))
    end = np.zeros((n, 3))
    parent = np.full(n, -1, dtype=np.int64)
    p_start, p_end, p_r0, p_r1, p_entity, p_cell = [], [], [], [], [], []
    branch_first: dict[int, int] = {}
    branch_last: dict[int, int] = {}
    branch_ends: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}
    first_branch_of_cell: dict[int, int] = {}
    fallback_row: dict[int, int] = {}

    for branch in dict.fromkeys(branch_idx[order].tolist()):
        rows = order[branch_idx[order] == branch]
        cell = int(cell_idx[rows[0]])
        ci = cell_pos[cell]
        local_branch = branch - first_branch_of_cell.setdefault(cell, branch)
        fallback_row[cell] = fallback_row.get(cell, -1) + 1
        points, radii = _branch_points(xyzr, branch, node_len[rows], node_rad[rows], fallback_row[cell])
        pieces = _pieces_of_branch(points, radii, node_len[rows])
        ncomp = len(rows)
        for k, (row, (pts, rad)) in enumerate(zip(rows, pieces, strict=True)):
            x = (k + 0.5) / ncomp
            entity_ids[row] = f"{names[ci]}.branch{local_branch}[{k}]"
            sections[row] = f"branch{local_branch}"
            labels[row] = f"{names[ci]}.branch{local_branch}({x:.3g})"
            cell_of[row] = names[ci]
            xloc[row] = x
            start[row], end[row] = pts[0], pts[-1]
            if k > 0:
                parent[row] = rows[k - 1]
            for a, b, ra, rb in zip(pts[:-1], pts[1:], rad[:-1], rad[1:], strict=True):
                p_start.append(a)
                p_end.append(b)
                p_r0.append(ra)
                p_r1.append(rb)
                p_entity.append(row)
                p_cell.append(ci)
        branch_first[branch], branch_last[branch] = int(rows[0]), int(rows[-1])
        branch_ends[branch] = (points[0], points[-1], cell)

    # A branch's first compartment hangs from the branch (same cell) whose traced end
    # is its traced start; Jaxley's SWC reader and compute_xyz both trace branches so.
    for branch, (first_pt, _, cell) in branch_ends.items():
        for other, (_, other_end, other_cell) in branch_ends.items():
            if other != branch and other_cell == cell and other < branch and np.allclose(
                other_end, first_pt, atol=1e-6
            ):
                parent[branch_first[branch]] = branch_last[other]
                break

    piece_start, piece_end = np.asarray(p_start, dtype=float), np.asarray(p_end, dtype=float)
    piece_cell = np.asarray(p_cell, dtype=int)
    offsets = _separate_cells(piece_cell, piece_start, piece_end, len(cells))
    entity_cell = np.array([cell_pos[int(c)] for c in cell_idx], dtype=int)
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
        piece_start=piece_start + offsets[piece_cell],
        piece_end=piece_end + offsets[piece_cell],
        piece_start_radius=np.asarray(p_r0, dtype=float),
        piece_end_radius=np.asarray(p_r1, dtype=float),
        piece_entity=np.asarray(p_entity, dtype=np.int64),
    )
