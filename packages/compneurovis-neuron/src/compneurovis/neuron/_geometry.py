"""NEURON sections to `MorphologyGeometry`: one entity per segment.

Positions come from each section's 3-D points (``pt3d``), interpolated along
arc length exactly where NEURON places its segments: segment ``i`` of ``nseg``
spans arc ``[i / nseg, (i + 1) / nseg] * L``. Each segment is drawn along every
3-D point inside it, so a bending section keeps its shape.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def _all_points(sections: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every section's 3-D points in one pass: ``(counts, arc, xyz (m, 3), radius)``, sections in order."""
    counts = np.array([int(sec.n3d()) for sec in sections], dtype=np.int64)
    arc = np.fromiter((sec.arc3d(i) for sec, n in zip(sections, counts.tolist(), strict=True) for i in range(n)),
                      dtype=np.float64, count=int(counts.sum()))
    xyz = np.array([(sec.x3d(i), sec.y3d(i), sec.z3d(i))
                    for sec, n in zip(sections, counts.tolist(), strict=True) for i in range(n)], dtype=np.float64)
    diam = np.fromiter((sec.diam3d(i) for sec, n in zip(sections, counts.tolist(), strict=True) for i in range(n)),
                       dtype=np.float64, count=arc.size)
    return counts, arc, xyz.reshape(-1, 3), diam / 2.0


def _unique_names(sections: list[Any]) -> list[str]:
    seen: dict[str, Any] = {}
    names = []
    for sec in sections:
        name = sec.name()
        if name in seen and seen[name] != sec:
            raise ValueError(
                f"two sections are named {name!r}; entity ids need unique section names: "
                "pass name=... to h.Section, or cell=... to tell cells apart"
            )
        seen[name] = sec
        names.append(name)
    return names


def _interp_all(arc: np.ndarray, values: np.ndarray, j: np.ndarray, x: np.ndarray, last: np.ndarray) -> np.ndarray:
    """``np.interp`` of many sections at once, operation for operation (so bit for bit) as numpy does it.

    ``j`` is the global index of the last point at or before ``x`` in its
    section (``searchsorted(..., side="right") - 1``), ``last`` whether it is
    the section's last point.
    """
    at_point = last | (arc[j] == x)
    nxt = np.where(at_point, j, j + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (values[nxt] - values[j]) / (arc[nxt] - arc[j])[..., None] if values.ndim == 2 else \
            (values[nxt] - values[j]) / (arc[nxt] - arc[j])
        dx = (x - arc[j])[..., None] if values.ndim == 2 else x - arc[j]
        out = slope * dx + values[j]
    mask = at_point[..., None] if values.ndim == 2 else at_point
    return np.where(mask, values[j], out)


def build_morphology_geometry(sections: Iterable[Any], geometry_id: str = GEOMETRY_ID) -> MorphologyGeometry:
    """Convert NEURON sections into a `MorphologyGeometry`, one entity per segment.

    Sections without 3-D points get them from ``h.define_shape()`` first.
    NEURON is asked once per section and once per 3-D point; everything else
    is numpy over the whole model at once (no Python loop per segment), so a
    250,000-segment model builds in seconds.

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
    full_names = _unique_names(sections)
    if any(int(sec.n3d()) < 2 for sec in sections):
        from neuron import h

        h.define_shape()
    n_sec = len(sections)
    nsegs = np.array([sec.nseg for sec in sections], dtype=np.int64)
    lengths = np.array([sec.L for sec in sections], dtype=np.float64)
    base = np.concatenate([[0], np.cumsum(nsegs)])
    n = int(base[-1])
    counts, arc, xyz, rad = _all_points(sections)
    p_first = np.concatenate([[0], np.cumsum(counts)])

    # segment ends: bounds i * (total / nseg), the last exactly total (as np.linspace(0, total, nseg + 1))
    sec_of_bound = np.repeat(np.arange(n_sec), nsegs + 1)
    local = np.arange(n + n_sec) - np.repeat(base[:-1] + np.arange(n_sec), nsegs + 1)
    last_arc = arc[p_first[1:] - 1] if arc.size else np.zeros(n_sec)
    total = np.where(last_arc > 0, last_arc, 0.0)
    bounds = local * (total / nsegs)[sec_of_bound]
    is_end = local == nsegs[sec_of_bound]
    bounds[is_end] = total[sec_of_bound][is_end]

    # one merge of points and bounds, by section then arc (a point before a bound at the same arc)
    sec_of_point = np.repeat(np.arange(n_sec), counts)
    kind = np.concatenate([np.zeros(arc.size, np.int8), np.ones(bounds.size, np.int8)])
    values = np.concatenate([arc, bounds])
    owner = np.concatenate([sec_of_point, sec_of_bound])
    merged = np.lexsort((kind, values, owner))
    is_point = kind[merged] == 0
    points_before = np.cumsum(is_point)  # points at or before each merged position
    bounds_before = np.cumsum(~is_point)
    where = np.empty(merged.size, dtype=np.int64)
    where[merged] = np.arange(merged.size)
    # each bound: the last point at or before it (np.interp's j); each point: the bounds strictly before it
    j = points_before[where[arc.size:]] - 1
    j = np.maximum(j, p_first[:-1][sec_of_bound])
    last = j == p_first[1:][sec_of_bound] - 1
    bound_xyz = _interp_all(arc, xyz, j, bounds, last)
    bound_r = _interp_all(arc, rad, j, bounds, last)
    k = bounds_before[where[:arc.size]] - (base[:-1] + np.arange(n_sec))[sec_of_point]  # searchsorted left
    inner = (k >= 1) & (k <= nsegs[sec_of_point])
    k_safe = np.clip(k, 0, nsegs[sec_of_point]) + (base[:-1] + np.arange(n_sec))[sec_of_point]
    inner &= arc < bounds[k_safe]
    seg_inner = base[:-1][sec_of_point][inner] + k[inner] - 1  # the segment row each inner point belongs to

    # the drawn path of every section: B_0, the points inside segment 0, B_1, ..., B_nseg
    bound_index = np.arange(n + n_sec)
    bound_key = 2 * bound_index
    inner_key = 2 * (seg_inner + sec_of_point[inner]) + 1
    order = np.argsort(np.concatenate([bound_key, inner_key]), kind="stable")
    path = np.concatenate([bound_xyz, xyz[inner]])[order]
    path_r = np.concatenate([bound_r, rad[inner]])[order]
    bound_row = np.where(is_end, -1, bound_index - sec_of_bound)  # the segment a bound starts (-1: a section end)
    row = np.concatenate([bound_row, seg_inner])[order][:-1]  # the segment of each piece
    norms = np.linalg.norm(np.diff(path, axis=0), axis=1)
    keep = (row >= 0) & (norms > 0)
    empty = np.bincount(row[keep], minlength=n) == 0
    if empty.any():  # a segment of zero length keeps its first piece
        starts_at = np.flatnonzero(order < bound_index.size)  # where each bound sits on the path
        first_piece = starts_at[~is_end]
        keep[first_piece[empty]] = True

    # per segment: parents, attachment, lengths, labels
    seg_len = lengths / nsegs
    sec_of_seg = np.repeat(np.arange(n_sec), nsegs)
    parent = np.arange(n, dtype=np.int64) - 1
    attach = 0.5 * seg_len[sec_of_seg]
    first_row = {sec: int(r) for sec, r in zip(sections, base[:-1].tolist(), strict=True)}
    for sec, r in zip(sections, base[:-1].tolist(), strict=True):
        parent_seg = sec.parentseg()
        if parent_seg is not None and parent_seg.sec in first_row:
            kk = segment_index(parent_seg.sec, parent_seg.x)
            parent[r] = first_row[parent_seg.sec] + kk
            # where the section joins its parent, from the parent segment's centre: NEURON joins it to a
            # node, the parent's end for x = 0 or 1 and the centre of the segment holding x otherwise
            x = parent_seg.x
            attach[r] = (x - (kk + 0.5) / parent_seg.sec.nseg) * parent_seg.sec.L if x in (0.0, 1.0) else 0.0
        else:
            parent[r], attach[r] = -1, 0.0
    xloc = (np.arange(n) - base[:-1][sec_of_seg] + 0.5) / nsegs[sec_of_seg]
    radius = np.fromiter((seg.diam for sec in sections for seg in sec), dtype=np.float64, count=n) / 2.0
    ids, cells, names, labels = _names(sections, full_names, nsegs.tolist())
    end_of = ~is_end
    return MorphologyGeometry(
        id=geometry_id, entity_ids=ids, cell_names=cells, section_names=names, xloc=xloc,
        start=bound_xyz[end_of], end=bound_xyz[local > 0], radius=radius, length=seg_len[sec_of_seg],
        parent=parent, labels=labels,
        piece_start=path[:-1][keep], piece_end=path[1:][keep],
        piece_start_radius=path_r[:-1][keep], piece_end_radius=path_r[1:][keep],
        piece_entity=row[keep].astype(np.int64), attach_offset=attach,
    )


def _names(sections: list[Any], full_names: list[str], nsegs: list[int]) -> tuple[
        list[str], list[str], list[str], list[str]]:
    """Entity ids, cell names, section names and labels of every segment (suffixes made once per nseg)."""
    suffix: dict[int, tuple[list[str], list[str]]] = {}
    ids: list[str] = []
    cells: list[str] = []
    names: list[str] = []
    labels: list[str] = []
    for sec, full_name, nseg in zip(sections, full_names, nsegs, strict=True):
        if nseg not in suffix:
            suffix[nseg] = ([f"[{i}]" for i in range(nseg)], [f"({(i + 0.5) / nseg:.4g})" for i in range(nseg)])
        index, where = suffix[nseg]
        cell = cell_name_of(sec)
        name = full_name[len(cell) + 1:] if cell and full_name.startswith(cell + ".") else full_name
        prefix = f"{cell}.{name}" if cell else name
        ids.extend([prefix + i for i in index])
        labels.extend([full_name + w for w in where])
        cells.extend([cell] * nseg)
        names.extend([name] * nseg)
    return ids, cells, names, labels
