"""The per-segment geometry builder as it was before it was vectorised: the reference the new one must equal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from compneurovis.core import MorphologyGeometry

GEOMETRY_ID = "morphology"


def cell_name_of(sec: Any) -> str:
    """Return the name of the cell a section belongs to, or ``""`` if none."""
    cell = sec.cell()
    return "" if cell is None else str(cell)


def section_name_of(sec: Any) -> str:
    """Return a section's name without its cell prefix, e.g. ``"dend[3]"``."""
    name = sec.name()
    cell = cell_name_of(sec)
    if cell and name.startswith(cell + "."):
        return name[len(cell) + 1:]
    return name


def segment_entity_ids(sec: Any) -> list[str]:
    """Return the entity ids of a section's segments: ``"<cell>.<section>[<i>]"``.

    Sections that belong to no cell get ``"<section>[<i>]"``.
    """
    cell, name = cell_name_of(sec), section_name_of(sec)
    prefix = f"{cell}.{name}" if cell else name
    return [f"{prefix}[{i}]" for i in range(sec.nseg)]


def segment_index(sec: Any, x: float) -> int:
    """Return the index of the segment of ``sec`` that holds location ``x`` (0..1)."""
    return min(int(x * sec.nseg), sec.nseg - 1)


def _points(sec: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arc positions (µm), xyz (n, 3) and radii of a section's 3-D points."""
    n = int(sec.n3d())
    arc = np.array([sec.arc3d(i) for i in range(n)], dtype=np.float64)
    xyz = np.array([[sec.x3d(i), sec.y3d(i), sec.z3d(i)] for i in range(n)], dtype=np.float64)
    radius = np.array([sec.diam3d(i) for i in range(n)], dtype=np.float64) / 2.0
    return arc, xyz, radius


def _interp(arc: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``values`` (n, k) or (n,) at arc positions ``at``."""
    if values.ndim == 1:
        return np.interp(at, arc, values)
    return np.stack([np.interp(at, arc, values[:, j]) for j in range(values.shape[1])], axis=-1)


def build_morphology_geometry(sections: Iterable[Any], geometry_id: str = GEOMETRY_ID) -> MorphologyGeometry:
    """Convert NEURON sections into a `MorphologyGeometry`, one entity per segment.

    Sections without 3-D points get them from ``h.define_shape()`` first.

    Args:
        sections: The sections, in the order their segments should appear.
        geometry_id: Id of the geometry in its Scene.

    Returns:
        The geometry; ``parent`` links each segment to the previous one of
        its section, or to the parent section's segment (``-1`` for roots and
        for parents outside ``sections``).

    Raises:
        ValueError: If two sections share a name (entity ids would clash).
    """
    sections = list(sections)
    seen: dict[str, Any] = {}
    for sec in sections:
        name = sec.name()
        if name in seen and seen[name] != sec:
            raise ValueError(
                f"two sections are named {name!r}; entity ids need unique section names: "
                "pass name=... to h.Section, or cell=... to tell cells apart"
            )
        seen[name] = sec
    if any(int(sec.n3d()) < 2 for sec in sections):
        from neuron import h

        h.define_shape()
    first_row: dict[Any, int] = {}
    row = 0
    for sec in sections:
        first_row[sec] = row
        row += sec.nseg

    ids: list[str] = []
    cells: list[str] = []
    names: list[str] = []
    labels: list[str] = []
    xloc: list[float] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    radius: list[float] = []
    length: list[float] = []
    parent: list[int] = []
    attach: list[float] = []
    p_start: list[np.ndarray] = []
    p_end: list[np.ndarray] = []
    p_r0: list[np.ndarray] = []
    p_r1: list[np.ndarray] = []
    p_entity: list[np.ndarray] = []

    for sec in sections:
        nseg = sec.nseg
        base = first_row[sec]
        arc, xyz, rad = _points(sec)
        total = arc[-1] if arc.size and arc[-1] > 0 else 0.0
        bounds = np.linspace(0.0, total, nseg + 1)
        bound_xyz = _interp(arc, xyz, bounds)
        bound_r = np.interp(bounds, arc, rad)
        ids.extend(segment_entity_ids(sec))
        cell = cell_name_of(sec)
        cells.extend([cell] * nseg)
        names.extend([section_name_of(sec)] * nseg)
        full_name = sec.name()
        parent_seg = sec.parentseg()
        if parent_seg is not None and parent_seg.sec in first_row:
            k = segment_index(parent_seg.sec, parent_seg.x)
            root_parent = first_row[parent_seg.sec] + k
            # where the section joins its parent, from the parent segment's centre: NEURON joins it to a
            # node, the parent's end for x = 0 or 1 and the centre of the segment holding x otherwise
            x = parent_seg.x
            root_attach = (x - (k + 0.5) / parent_seg.sec.nseg) * parent_seg.sec.L if x in (0.0, 1.0) else 0.0
        else:
            root_parent, root_attach = -1, 0.0
        for i, seg in enumerate(sec):
            x = seg.x
            xloc.append(x)
            labels.append(f"{full_name}({x:.4g})")
            starts.append(bound_xyz[i])
            ends.append(bound_xyz[i + 1])
            radius.append(seg.diam / 2.0)
            length.append(sec.L / nseg)
            parent.append(root_parent if i == 0 else base + i - 1)
            attach.append(root_attach if i == 0 else 0.5 * sec.L / nseg)
            inner = (arc > bounds[i]) & (arc < bounds[i + 1])
            pts = np.concatenate([bound_xyz[i:i + 1], xyz[inner], bound_xyz[i + 1:i + 2]])
            prs = np.concatenate([bound_r[i:i + 1], rad[inner], bound_r[i + 1:i + 2]])
            keep = np.linalg.norm(np.diff(pts, axis=0), axis=1) > 0
            if not keep.any():
                keep[0] = True
            p_start.append(pts[:-1][keep])
            p_end.append(pts[1:][keep])
            p_r0.append(prs[:-1][keep])
            p_r1.append(prs[1:][keep])
            p_entity.append(np.full(int(keep.sum()), base + i, dtype=np.int64))

    def stack(parts: Sequence[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(shape)

    return MorphologyGeometry(
        id=geometry_id, entity_ids=ids, cell_names=cells, section_names=names, xloc=xloc,
        start=np.reshape(starts, (-1, 3)), end=np.reshape(ends, (-1, 3)), radius=radius, length=length,
        parent=parent, labels=labels,
        piece_start=stack(p_start, (0, 3)), piece_end=stack(p_end, (0, 3)),
        piece_start_radius=stack(p_r0, (0,)), piece_end_radius=stack(p_r1, (0,)),
        piece_entity=stack(p_entity, (0,)).astype(np.int64), attach_offset=attach,
    )
