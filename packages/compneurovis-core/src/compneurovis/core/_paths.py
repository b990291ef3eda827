"""Path distances along a `MorphologyGeometry`'s tree, as NEURON's ``h.distance`` measures them.

Every entity sits at its centre. An entity is joined to its parent at the
point ``attach_offset`` µm from the parent's centre (the parent's end unless
the geometry says otherwise), and its centre lies half its ``length`` beyond
that point. With ``D(e)`` the distance from the root's start to ``e``'s centre,
the distance between two entities whose paths meet on entity ``P`` (entering
it at offsets ``a`` and ``b``, 0 for ``P`` itself) is
``D(A) + D(B) - 2 * (D(P) + min(a, b))``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import SceneError
from ._geometry import MorphologyGeometry


def _index(geometry: MorphologyGeometry, entity: str | int) -> int:
    if isinstance(entity, int | np.integer) and not isinstance(entity, bool):
        if not 0 <= int(entity) < geometry.n_entities:
            raise SceneError(f"morphology geometry {geometry.id!r} has no entity index {entity} "
                             f"(it has {geometry.n_entities})")
        return int(entity)
    return geometry.index_of(str(entity))


def _depths(geometry: MorphologyGeometry) -> tuple[np.ndarray, np.ndarray]:
    """``(D, root)``: distance from each tree's root start to each centre, and each entity's root index."""
    n = geometry.n_entities
    parent, offset, half = geometry.parent, geometry.attach_offset, 0.5 * geometry.length
    assert offset is not None
    depth = np.full(n, np.nan)
    root = np.full(n, -1, dtype=np.int64)
    for start in range(n):
        chain = []
        e = start
        while e >= 0 and np.isnan(depth[e]):
            chain.append(e)
            if len(chain) > n:
                raise SceneError(f"morphology geometry {geometry.id!r}: parent links form a cycle "
                                 f"through entity {geometry.entity_ids[start]!r}")
            e = int(parent[e])
        for e in reversed(chain):
            p = int(parent[e])
            if p < 0:
                depth[e], root[e] = half[e], e
            else:
                depth[e], root[e] = depth[p] + offset[e] + half[e], root[p]
    return depth, root


def _ancestors(geometry: MorphologyGeometry, e: int) -> list[int]:
    out = [e]
    while geometry.parent[out[-1]] >= 0:
        out.append(int(geometry.parent[out[-1]]))
    return out


def _check_same_tree(geometry: MorphologyGeometry, a: int, b: int, root: np.ndarray) -> None:
    if root[a] != root[b]:
        ids, cells = geometry.entity_ids, geometry.cell_names
        raise SceneError(
            f"morphology geometry {geometry.id!r}: no path between {ids[a]!r} (cell {cells[a]!r}) and "
            f"{ids[b]!r} (cell {cells[b]!r}): they are not in the same cell")


def path_distances(geometry: MorphologyGeometry, origin: str | int) -> np.ndarray:
    """Distance along the tree from ``origin``'s centre to every entity's centre, in µm.

    Equals NEURON's ``h.distance(origin_segment, segment)`` for the segments
    of a geometry built from NEURON sections.

    Args:
        geometry: The morphology.
        origin: Entity id or row of the origin.

    Returns:
        ``(n_entities,)`` float64; NaN for entities of another tree (another cell).

    Raises:
        SceneError: If ``origin`` is not an entity of ``geometry``.
    """
    o = _index(geometry, origin)
    depth, root = _depths(geometry)
    out = np.full(geometry.n_entities, np.nan)
    same = np.flatnonzero(root == root[o])
    # the meeting point of o's path and each entity's path: walk o's ancestors once
    offset = geometry.attach_offset
    assert offset is not None
    on_chain = {}  # ancestor of o -> offset at which o's path enters it (0 for o itself)
    entered = 0.0
    for e in _ancestors(geometry, o):
        on_chain[e] = entered
        entered = float(offset[e])
    meet_at = {e: depth[e] + min(0.0, on_chain[e]) for e in on_chain}  # e -> D of where e's path meets o's
    for e in same:
        chain, x = [], int(e)
        while x not in meet_at:
            chain.append(x)
            x = int(geometry.parent[x])
        # the first entity off o's chain decides where the paths meet; its descendants share it
        if chain:
            top = chain[-1]
            meet = depth[x] + min(float(offset[top]), on_chain[x]) if x in on_chain else meet_at[x]
            for y in chain:
                meet_at[y] = meet
        out[e] = depth[o] + depth[e] - 2.0 * meet_at[int(e)]
    return out


def entity_path(geometry: MorphologyGeometry, start: str | int, end: str | int) -> np.ndarray:
    """The rows of the entities on the tree path from ``start`` to ``end``, both included, in order.

    Raises:
        SceneError: If either entity is unknown, or they are in different cells (no path).
    """
    a, b = _index(geometry, start), _index(geometry, end)
    _, root = _depths(geometry)
    _check_same_tree(geometry, a, b, root)
    up_a, up_b = _ancestors(geometry, a), _ancestors(geometry, b)
    common = set(up_a) & set(up_b)
    lca = next(e for e in up_a if e in common)
    down = up_b[:up_b.index(lca)]
    return np.array(up_a[:up_a.index(lca) + 1] + down[::-1], dtype=np.int64)


#: Paths already walked, per geometry (geometries are not changed in place: a new one replaces them).
_WALKED: weakref.WeakKeyDictionary[MorphologyGeometry, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _remembered(geometry: MorphologyGeometry, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per geometry and key: views re-check their path at every frame of their field."""
    known = _WALKED.setdefault(geometry, {})
    if key not in known:
        known[key] = compute()
    return known[key]


def default_path(geometry: MorphologyGeometry) -> tuple[str, str]:
    """``(start, end)`` entity ids of the default path: the soma centre to the farthest tip of its cell.

    The soma is the middle entity of the first section named ``soma...``; with
    no soma, the root of the first entity's tree. The tip is the entity of that
    cell farthest from it along the tree.

    Raises:
        SceneError: If the geometry has no entities.
    """
    return _remembered(geometry, "default", lambda: _default_path(geometry))


def _default_path(geometry: MorphologyGeometry) -> tuple[str, str]:
    if geometry.n_entities == 0:
        raise SceneError(f"morphology geometry {geometry.id!r} has no entities to draw a path on")
    names = geometry.section_names
    soma = [i for i, s in enumerate(names) if s.lower().startswith("soma")]
    if soma:
        first = [i for i in soma if names[i] == names[soma[0]]]
        origin = first[len(first) // 2]
    else:
        origin = _ancestors(geometry, 0)[-1]
    distance = path_distances(geometry, origin)
    tip = int(np.nanargmax(distance))
    return geometry.entity_ids[origin], geometry.entity_ids[tip]


def path_profile(geometry: MorphologyGeometry, start: str | int, end: str | int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, distance)``: the entities on the path from ``start`` to ``end`` and their distance from ``start``.

    Raises:
        SceneError: If either entity is unknown, or they are in different cells.
    """
    return _remembered(geometry, ("profile", start, end), lambda: _path_profile(geometry, start, end))


def _path_profile(geometry: MorphologyGeometry, start: str | int, end: str | int) -> tuple[np.ndarray, np.ndarray]:
    rows = entity_path(geometry, start, end)
    distance = path_distances(geometry, start)[rows]
    rows.setflags(write=False)
    distance.setflags(write=False)
    return rows, distance
