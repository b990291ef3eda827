"""The soma conventions of SWC files (NeuroMorpho.org's among them), turned into what NEURON expects.

The rules (also in the package README):

- one soma point: kept; Import3d makes it a cylinder with ``L = diam = 2r``
  (the area of a sphere of radius ``r``), children attached at its centre;
- two or more soma points at one place (NeuroMorpho's C. elegans cells): merged
  into the first, then as one point (any point at its parent's place is merged);
- NeuroMorpho's three-point soma (a centre and two children of it at ``±r``,
  all of radius ``r``): the centre alone, as one point, as Import3d does for
  the same points in NeuroMorpho's own order;
- a contour (four or more soma points in one chain that closes on itself,
  each farther from the centroid than its own radius): one point at the
  centroid whose radius is the mean distance of the outline from it;
- anything else (a stack of points along the soma, two distinct points): a
  soma of cylinders through the points, as Import3d builds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._swc_read import SwcTree

SOMA = 1


def _compact(tree: SwcTree, keep: np.ndarray, parent_of: np.ndarray) -> None:
    """Keep rows ``keep`` (row 0 among them); kept row ``k``'s parent becomes kept row ``parent_of[k]``."""
    new = np.full(keep.size, -1, dtype=np.int64)
    new[keep] = np.arange(int(keep.sum()))
    parents = parent_of[keep]
    tree.parent = np.where(parents >= 0, new[np.maximum(parents, 0)], -1)
    tree.types = tree.types[keep]
    tree.xyz = tree.xyz[keep]
    tree.radius = tree.radius[keep]
    tree.lines = tree.lines[keep]


def merge_coincident(tree: SwcTree, stored: np.ndarray) -> None:
    """Merge every point that NEURON would store at its parent's place into that parent."""
    n = len(tree.types)
    points = [tuple(p) for p in stored.tolist()]
    rep = np.arange(n)
    for k in range(1, n):
        p = rep[tree.parent[k]]
        if points[k] == points[p]:
            rep[k] = p
    merged = rep != np.arange(n)
    if merged.any():
        first = int(tree.lines[np.argmax(merged)])
        parent_of = np.where(tree.parent >= 0, rep[np.maximum(tree.parent, 0)], -1)
        _compact(tree, ~merged, parent_of)
        count = int(merged.sum())
        tree.fixes.append(f"{count} point(s) at their parent's place merged into it (first on line {first})")


def _collapse(tree: SwcTree, head: int, drop: np.ndarray, kind: str) -> None:
    """Drop soma rows ``drop``; their children attach to ``head``."""
    line = int(tree.lines[head])
    keep = np.ones(len(tree.types), dtype=bool)
    keep[drop] = False
    parent_of = tree.parent.copy()
    parent_of[np.isin(parent_of, drop)] = head
    _compact(tree, keep, parent_of)
    tree.soma = kind
    tree.fixes.append(f"{kind} soma made one point (line {line})")


def normalise_soma(tree: SwcTree, soma_points_in_file: int) -> None:
    """Find the soma convention of ``tree`` and reduce it as the module docstring says."""
    from ._swc_read import MAX_RADIUS, MIN_RADIUS

    soma = np.flatnonzero(tree.types == SOMA)
    if soma.size == 0:
        tree.soma = "none"
        return
    if soma.size == 1:
        tree.soma = "one point" if soma_points_in_file == 1 else "coincident points"
        return
    in_soma = tree.types == SOMA
    heads = [k for k in soma if tree.parent[k] < 0 or not in_soma[tree.parent[k]]]
    tree.soma = "cylinders"
    if len(heads) != 1:
        return
    head = heads[0]
    soma_children = np.bincount(tree.parent[soma][tree.parent[soma] >= 0], minlength=len(tree.types))
    others = soma[soma != head]
    r = tree.radius[head]
    if soma.size == 3 and (tree.parent[others] == head).all():
        span = np.linalg.norm(tree.xyz[others] - tree.xyz[head], axis=1).sum()
        if abs(span / (2 * r) - 1) < 0.01 and (np.abs(tree.radius[others] - r) <= 0.01 * r).all():
            _collapse(tree, head, others, "three-point")
        return
    if soma.size >= 4 and (soma_children[soma] <= 1).all():
        tail = next(k for k in soma if soma_children[k] == 0)
        centre = tree.xyz[soma].mean(axis=0)
        dist = np.linalg.norm(tree.xyz[soma] - centre, axis=1)
        mean = float(dist.mean())
        closes = np.linalg.norm(tree.xyz[tail] - tree.xyz[head]) <= mean
        if closes and (dist > tree.radius[soma]).all() and MIN_RADIUS <= mean <= MAX_RADIUS:
            tree.xyz[head] = centre
            tree.radius[head] = mean
            _collapse(tree, head, others, "contour")
