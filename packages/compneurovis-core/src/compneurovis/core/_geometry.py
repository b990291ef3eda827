"""Geometries: where the values of a Field live in space."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import SceneError
from ._wire import wire


def _column(name: str, values: Any, n: int, dtype: Any, width: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=dtype)
    expected = (n,) if width is None else (n, width)
    if array.shape != expected:
        raise SceneError(f"morphology geometry: {name} has shape {array.shape}, expected {expected}")
    return array


@wire("morphology_geometry")
@dataclass(eq=False)
class MorphologyGeometry:
    """Per-segment morphology: one entry per simulator compartment (an *entity*).

    Each entity is drawn as one or more *pieces* (truncated cones). A segment
    inside a bending section is drawn along all the 3-D points it contains, so
    it has several pieces; when no pieces are given, each entity is one piece
    from ``start`` to ``end`` with its ``radius``.

    Args:
        id: Id of the geometry inside its Scene.
        entity_ids: Unique, stable, readable id per entity.
        cell_names: Cell each entity belongs to.
        section_names: Section (NEURON) or branch (Jaxley) name per entity.
        xloc: Position of the entity's centre along its section, in [0, 1].
        start: ``(n, 3)`` start points, in µm.
        end: ``(n, 3)`` end points, in µm.
        radius: Representative (mean) radius per entity, in µm.
        length: Arc length per entity, in µm.
        parent: Index of the parent entity, ``-1`` for a root.
        labels: Human label per entity, e.g. ``"soma(0.5)"``; defaults to the id.
        piece_start: ``(m, 3)`` start point of each drawn piece.
        piece_end: ``(m, 3)`` end point of each drawn piece.
        piece_start_radius: Radius at each piece's start.
        piece_end_radius: Radius at each piece's end.
        piece_entity: Index of the entity each piece belongs to.
        attach_offset: Signed distance, in µm, from the parent entity's centre
            to the point where each entity's start attaches (NEURON:
            ``(parentseg().x - parent segment's x) * parent section's L``);
            ``None`` means every entity attaches at its parent's end
            (``+length[parent] / 2``). Path distances (`path_distances`) use it.

    Raises:
        SceneError: If array lengths disagree, ids repeat or parents are out of range.
    """

    id: str
    entity_ids: tuple[str, ...]
    cell_names: tuple[str, ...]
    section_names: tuple[str, ...]
    xloc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    radius: np.ndarray
    length: np.ndarray
    parent: np.ndarray
    labels: tuple[str, ...] = ()
    piece_start: np.ndarray | None = None
    piece_end: np.ndarray | None = None
    piece_start_radius: np.ndarray | None = None
    piece_end_radius: np.ndarray | None = None
    piece_entity: np.ndarray | None = None
    attach_offset: np.ndarray | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _centers: np.ndarray | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        self.entity_ids = tuple(str(e) for e in self.entity_ids)
        n = len(self.entity_ids)
        self.cell_names = tuple(str(c) for c in self.cell_names)
        self.section_names = tuple(str(s) for s in self.section_names)
        for name in ("cell_names", "section_names"):
            if len(getattr(self, name)) != n:
                raise SceneError(
                    f"morphology geometry {self.id!r}: {name} has {len(getattr(self, name))} "
                    f"entries, expected {n}"
                )
        self.labels = tuple(str(s) for s in self.labels) or self.entity_ids
        if len(self.labels) != n:
            raise SceneError(
                f"morphology geometry {self.id!r}: labels has {len(self.labels)} entries, expected {n}"
            )
        self.xloc = _column("xloc", self.xloc, n, np.float64)
        self.start = _column("start", self.start, n, np.float64, 3)
        self.end = _column("end", self.end, n, np.float64, 3)
        self.radius = _column("radius", self.radius, n, np.float64)
        self.length = _column("length", self.length, n, np.float64)
        self.parent = _column("parent", self.parent, n, np.int64)
        if n and (self.parent.min() < -1 or self.parent.max() >= n):
            raise SceneError(f"morphology geometry {self.id!r}: parent index out of range [-1, {n})")
        self._index = {eid: i for i, eid in enumerate(self.entity_ids)}
        if len(self._index) != n:
            seen: set[str] = set()
            dup = next(e for e in self.entity_ids if e in seen or seen.add(e))  # type: ignore[func-returns-value]
            raise SceneError(f"morphology geometry {self.id!r}: duplicate entity id {dup!r}")
        if self.piece_entity is None:
            self.piece_start = self.start.copy()
            self.piece_end = self.end.copy()
            self.piece_start_radius = self.radius.copy()
            self.piece_end_radius = self.radius.copy()
            self.piece_entity = np.arange(n, dtype=np.int64)
        self.piece_entity = np.asarray(self.piece_entity, dtype=np.int64)
        m = self.piece_entity.shape[0]
        self.piece_start = _column("piece_start", self.piece_start, m, np.float64, 3)
        self.piece_end = _column("piece_end", self.piece_end, m, np.float64, 3)
        self.piece_start_radius = _column("piece_start_radius", self.piece_start_radius, m, np.float64)
        self.piece_end_radius = _column("piece_end_radius", self.piece_end_radius, m, np.float64)
        if m and (self.piece_entity.min() < 0 or self.piece_entity.max() >= n):
            raise SceneError(f"morphology geometry {self.id!r}: piece_entity out of range [0, {n})")
        if self.attach_offset is None:
            has_parent = self.parent >= 0
            self.attach_offset = np.where(has_parent, 0.5 * self.length[np.where(has_parent, self.parent, 0)], 0.0)
        self.attach_offset = _column("attach_offset", self.attach_offset, n, np.float64)

    def __len__(self) -> int:
        return len(self.entity_ids)

    @property
    def n_entities(self) -> int:
        """Number of entities (segments / compartments)."""
        return len(self.entity_ids)

    @property
    def centers(self) -> np.ndarray:
        """``(n, 3)`` centre of each entity: the point at half its arc length along its pieces.

        For a segment inside a bending section this is where the simulator puts
        the segment's centre, not the midpoint of the straight ``start``-``end`` chord.
        """
        if self._centers is None:
            self._centers = self._arc_midpoints()
        return self._centers

    def _arc_midpoints(self) -> np.ndarray:
        assert self.piece_start is not None and self.piece_end is not None and self.piece_entity is not None
        centers = 0.5 * (self.start + self.end)
        lengths = np.linalg.norm(self.piece_end - self.piece_start, axis=1)
        order = np.argsort(self.piece_entity, kind="stable")
        bounds = np.searchsorted(self.piece_entity[order], np.arange(self.n_entities + 1))
        for e in np.flatnonzero(np.diff(bounds) > 1):  # single-piece entities keep the chord midpoint
            pieces = order[bounds[e]:bounds[e + 1]]
            cumulative = np.cumsum(lengths[pieces])
            half = cumulative[-1] / 2.0
            k = min(int(np.searchsorted(cumulative, half)), pieces.size - 1)
            piece = pieces[k]
            before = cumulative[k] - lengths[piece]
            frac = (half - before) / lengths[piece] if lengths[piece] > 0 else 0.0
            centers[e] = self.piece_start[piece] + frac * (self.piece_end[piece] - self.piece_start[piece])
        return centers

    def has_entity(self, entity_id: str) -> bool:
        """Whether ``entity_id`` is one of this geometry's entities."""
        return entity_id in self._index

    def index_of(self, entity_id: str) -> int:
        """Return the row of ``entity_id``.

        Raises:
            SceneError: If the geometry has no such entity.
        """
        try:
            return self._index[entity_id]
        except KeyError:
            raise SceneError(f"morphology geometry {self.id!r} has no entity {entity_id!r}") from None

    def indices_of(self, entity_ids: Any) -> np.ndarray:
        """Return the rows of several entity ids, in order."""
        return np.array([self.index_of(str(e)) for e in entity_ids], dtype=np.int64)

    def label_of(self, entity_id: str) -> str:
        """Return the human label of ``entity_id``, e.g. ``"dend[3](0.25)"``."""
        return self.labels[self.index_of(entity_id)]

    def entity_info(self, entity_id: str) -> dict[str, Any]:
        """Return everything known about one entity as a plain dict."""
        i = self.index_of(entity_id)
        return {
            "entity_id": entity_id,
            "index": i,
            "label": self.labels[i],
            "cell": self.cell_names[i],
            "section": self.section_names[i],
            "xloc": float(self.xloc[i]),
            "start": self.start[i].tolist(),
            "end": self.end[i].tolist(),
            "center": self.centers[i].tolist(),
            "radius": float(self.radius[i]),
            "length": float(self.length[i]),
            "parent": self.entity_ids[self.parent[i]] if self.parent[i] >= 0 else None,
        }

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the ``(min, max)`` corners of the axis-aligned bounding box."""
        points = np.concatenate([self.piece_start, self.piece_end])  # type: ignore[list-item]
        if points.size == 0:
            return np.zeros(3), np.zeros(3)
        return points.min(axis=0), points.max(axis=0)


@wire("grid_geometry")
@dataclass(eq=False)
class GridGeometry:
    """A regular 2-D grid: ``x`` by ``y`` sample positions.

    Args:
        id: Id of the geometry inside its Scene.
        x: 1-D x coordinates (length ``nx``).
        y: 1-D y coordinates (length ``ny``).
        x_label: Axis label for x.
        y_label: Axis label for y.

    Raises:
        SceneError: If x or y is not 1-D.
    """

    id: str
    x: np.ndarray
    y: np.ndarray
    x_label: str = "x"
    y_label: str = "y"

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x, dtype=np.float64)
        self.y = np.asarray(self.y, dtype=np.float64)
        if self.x.ndim != 1 or self.y.ndim != 1:
            raise SceneError(
                f"grid geometry {self.id!r}: x and y must be 1-D, got {self.x.shape} and {self.y.shape}"
            )

    @property
    def shape(self) -> tuple[int, int]:
        """``(nx, ny)``: the shape a field on this grid must have."""
        return (self.x.shape[0], self.y.shape[0])


Geometry = MorphologyGeometry | GridGeometry
