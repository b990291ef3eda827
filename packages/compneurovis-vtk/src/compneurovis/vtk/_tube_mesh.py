"""One triangle mesh for all pieces of a morphology: truncated cones, built in numpy.

Each piece is a ring of ``sides`` points at each end (with outward normals)
joined by ``2 * sides`` triangles; small morphologies also get end caps. The
per-point entity index lets a colour update be one ``numpy.take``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def sides_for(n_pieces: int) -> int:
    """Polygon sides per tube: round for small morphologies, lean for huge ones."""
    if n_pieces <= 2_000:
        return 14
    if n_pieces <= 30_000:
        return 8
    return 6


@dataclass
class TubeMesh:
    """Points, normals and triangles of a set of truncated cones.

    Attributes:
        points: ``(P, 3)`` float32 vertex positions.
        normals: ``(P, 3)`` float32 vertex normals.
        triangles: ``(T, 3)`` int64 vertex indices.
        point_piece: ``(P,)`` piece index of every vertex.
        triangle_piece: ``(T,)`` piece index of every triangle.
    """

    points: np.ndarray
    normals: np.ndarray
    triangles: np.ndarray
    point_piece: np.ndarray
    triangle_piece: np.ndarray


def _frames(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors perpendicular to each (unit) axis and to each other."""
    helper = np.zeros_like(axis)
    smallest = np.argmin(np.abs(axis), axis=1)
    helper[np.arange(len(axis)), smallest] = 1.0
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.cross(axis, u)
    return u, v


def build_tube_mesh(start: np.ndarray, end: np.ndarray, r0: np.ndarray, r1: np.ndarray,
                    *, sides: int | None = None, caps: bool | None = None,
                    min_radius: float = 0.0) -> TubeMesh:
    """Build the mesh of ``m`` truncated cones.

    Args:
        start: ``(m, 3)`` start points.
        end: ``(m, 3)`` end points.
        r0: ``(m,)`` radius at the start.
        r1: ``(m,)`` radius at the end.
        sides: Polygon sides (default from `sides_for`).
        caps: Close the ends (default: for up to 20,000 pieces).
        min_radius: Radii below this are drawn at this size, so thin
            neurites stay visible.
    """
    start = np.asarray(start, dtype=np.float64).reshape(-1, 3)
    end = np.asarray(end, dtype=np.float64).reshape(-1, 3)
    m = start.shape[0]
    k = sides or sides_for(m)
    caps = (m <= 20_000) if caps is None else caps
    r0 = np.maximum(np.asarray(r0, dtype=np.float64).reshape(m), min_radius)
    r1 = np.maximum(np.asarray(r1, dtype=np.float64).reshape(m), min_radius)
    axis = end - start
    length = np.linalg.norm(axis, axis=1)
    degenerate = length < 1e-12
    axis[degenerate] = (1.0, 0.0, 0.0)
    axis /= np.where(degenerate, 1.0, length)[:, None]
    u, v = _frames(axis)
    theta = np.linspace(0.0, 2.0 * np.pi, k, endpoint=False)
    ring = np.cos(theta)[None, :, None] * u[:, None, :] + np.sin(theta)[None, :, None] * v[:, None, :]
    # Side normals tilt with the cone's slope.
    slope = ((r0 - r1) / np.where(degenerate, 1.0, length))[:, None, None]
    side_n = ring + slope * axis[:, None, :]
    side_n /= np.linalg.norm(side_n, axis=2, keepdims=True)
    pts = [start[:, None, :] + r0[:, None, None] * ring, end[:, None, :] + r1[:, None, None] * ring]
    nrm = [side_n, side_n]
    base = np.arange(m)[:, None] * (2 * k)
    j = np.arange(k)[None, :]
    jn = (j + 1) % k
    a0, a1, b0, b1 = base + j, base + jn, base + k + j, base + k + jn
    tris = [np.stack([a0, a1, b1], axis=-1), np.stack([a0, b1, b0], axis=-1)]
    tri_piece = [np.repeat(np.arange(m), k), np.repeat(np.arange(m), k)]
    point_piece = [np.repeat(np.arange(m), 2 * k)]
    if caps and k >= 3:
        pts += [pts[0], pts[1]]
        nrm += [np.broadcast_to(-axis[:, None, :], (m, k, 3)), np.broadcast_to(axis[:, None, :], (m, k, 3))]
        cap_base = 2 * k * m + np.arange(m)[:, None] * (2 * k)
        fan = np.arange(1, k - 1)[None, :]
        tris.append(np.stack([np.broadcast_to(cap_base, (m, k - 2)), cap_base + fan + 1, cap_base + fan], -1))
        tris.append(np.stack([np.broadcast_to(cap_base + k, (m, k - 2)), cap_base + k + fan,
                              cap_base + k + fan + 1], -1))
        tri_piece += [np.repeat(np.arange(m), k - 2)] * 2
        point_piece.append(np.repeat(np.arange(m), 2 * k))
    # Interleave so piece p owns a contiguous block of points per part.
    points = np.concatenate([np.concatenate(pts[i:i + 2], axis=1).reshape(-1, 3)
                             for i in range(0, len(pts), 2)]).astype(np.float32)
    normals = np.concatenate([np.concatenate(nrm[i:i + 2], axis=1).reshape(-1, 3)
                              for i in range(0, len(nrm), 2)]).astype(np.float32)
    triangles = np.concatenate([t.reshape(-1, 3) for t in tris]).astype(np.int64)
    return TubeMesh(points, normals, triangles, np.concatenate(point_piece),
                    np.concatenate([p.reshape(-1) for p in tri_piece]))


def merge_meshes(parts: list[tuple[TubeMesh, np.ndarray]]) -> TubeMesh:
    """Concatenate meshes; each comes with the original piece index of its local pieces."""
    points, normals, triangles, point_piece, triangle_piece = [], [], [], [], []
    offset = 0
    for mesh, pieces in parts:
        points.append(mesh.points)
        normals.append(mesh.normals)
        triangles.append(mesh.triangles + offset)
        point_piece.append(pieces[mesh.point_piece])
        triangle_piece.append(pieces[mesh.triangle_piece])
        offset += mesh.points.shape[0]
    return TubeMesh(np.concatenate(points), np.concatenate(normals), np.concatenate(triangles),
                    np.concatenate(point_piece), np.concatenate(triangle_piece))


def build_lod_mesh(start: np.ndarray, end: np.ndarray, r0: np.ndarray, r1: np.ndarray, *,
                   triangle_budget: int = 80_000, min_radius: float = 0.0) -> TubeMesh:
    """Tubes whose roundness fits a triangle budget (software renderers are slow).

    The few thickest pieces (a soma, proximal trunks) are always round and
    capped; the others get as many sides as the budget allows, between 3
    and 14, uncapped (a neighbour or the small size hides their ends).
    """
    m = len(start)
    if m == 0:
        return build_tube_mesh(start, end, r0, r1, sides=3, caps=False)
    rmax = np.maximum(np.asarray(r0, dtype=float), np.asarray(r1, dtype=float))
    order = np.argsort(-rmax, kind="stable")
    n_thick = min(500, max(1, m // 50))
    thick = order[:n_thick]
    thick = thick[rmax[thick] > 2.0 * np.median(rmax)] if m > 50 else np.array([], dtype=np.int64)
    rest = np.setdiff1d(np.arange(m), thick, assume_unique=True)
    k_rest = int(np.clip(triangle_budget // (2 * max(len(rest), 1)), 3, 14))
    parts = []
    for pieces, sides, caps in ((thick, 16, True), (rest, k_rest, False)):
        if len(pieces):
            mesh = build_tube_mesh(start[pieces], end[pieces], r0[pieces], r1[pieces], sides=sides,
                                   caps=caps, min_radius=min_radius)
            parts.append((mesh, pieces))
    return merge_meshes(parts)
