"""Synthetic branching morphologies of any size (benchmarks, tests, screenshots)."""

from __future__ import annotations

import numpy as np

from compneurovis.core import MorphologyGeometry


def branching_geometry(n_segments: int, *, seed: int = 0, segment_length: float = 6.0,
                       geometry_id: str = "morphology") -> MorphologyGeometry:
    """A soma with dendrites that branch and taper in 3-D: ``n_segments`` entities.

    Entity 0 is the soma (one fat piece); the rest grow as a random tree of
    sections, each section a chain of segments that bends a little.
    """
    rng = np.random.default_rng(seed)
    n = max(1, int(n_segments))
    start = np.zeros((n, 3))
    end = np.zeros((n, 3))
    radius = np.zeros(n)
    parent = np.full(n, -1, dtype=np.int64)
    sections: list[str] = ["soma"]
    xloc = np.full(n, 0.5)
    start[0], end[0], radius[0] = (-6.0, 0.0, 0.0), (6.0, 0.0, 0.0), 7.0
    tips: list[tuple[int, np.ndarray, float]] = []
    for k in range(min(6, n - 1)):
        angle = 2 * np.pi * k / 6 + rng.normal(0, 0.2)
        tips.append((0, np.array([np.cos(angle), np.sin(angle), rng.normal(0, 0.15)]), 2.2))
    i, section = 1, 0
    while i < n:
        if not tips:
            j = int(rng.integers(1, i))
            tips.append((j, rng.normal(size=3) * np.array([1, 1, 0.2]), max(radius[j] * 0.8, 0.3)))
        par, direction, r = tips.pop(0)
        seg_count = min(int(rng.integers(8, 25)), n - i)
        name = f"dend[{section}]"
        section += 1
        pos = end[par] if par else end[0] * np.sign(direction[0] or 1.0)
        for s in range(seg_count):
            direction = direction / np.linalg.norm(direction) + rng.normal(0, 0.12, 3) * np.array([1, 1, 0.3])
            direction /= np.linalg.norm(direction)
            start[i], end[i] = pos, pos + segment_length * direction
            radius[i], parent[i] = r, par if s == 0 else i - 1
            sections.append(name)
            xloc[i] = (s + 0.5) / seg_count
            pos, r = end[i], max(r * 0.985, 0.25)
            i += 1
        if i < n:
            for _ in range(2):
                turn = rng.normal(0, 0.6, 3) * np.array([1, 1, 0.3])
                tips.append((i - 1, direction + turn, r * 0.8))
    ids = [f"cell.{sections[k]}[{k}]" for k in range(n)]
    return MorphologyGeometry(
        id=geometry_id, entity_ids=ids, cell_names=["cell"] * n, section_names=sections, xloc=xloc,
        start=start, end=end, radius=radius, length=np.linalg.norm(end - start, axis=1), parent=parent,
        labels=[f"{sections[k]}({xloc[k]:.2f})" for k in range(n)],
    )
