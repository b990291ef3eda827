"""Cost per segment of building a NEURON model's geometry, at 2.5k, 25k and 250k segments.

Builds a synthetic tree of bent sections (nseg 10, 5 3-D points each) of
each size, times `NeuronSceneBuilder.build_morphology_geometry` (best of a
few runs) and prints microseconds per segment and the ratio of each size's
cost per segment to the 2.5k one's (flat means 1.0; the target is building
250k segments in <= 10 s).

    python packages/compneurovis-neuron/benchmarks/bench_geometry.py
"""

from __future__ import annotations

import math
import time

from neuron import h

from compneurovis.neuron import NeuronSceneBuilder

NSEG = 10


def tree(n_sections: int) -> list:
    """A binary-ish tree of ``n_sections`` bent sections, ``NSEG`` segments each."""
    sections = []
    for k in range(n_sections):
        sec = h.Section(name=f"b{k}")
        parent = sections[(k - 1) // 2] if k else None
        x0, y0, z0 = (parent.x3d(4), parent.y3d(4), parent.z3d(4)) if parent else (0.0, 0.0, 0.0)
        angle = 0.7 * k
        for j in range(5):
            s = 10.0 * j
            sec.pt3dadd(x0 + s * math.cos(angle), y0 + s * math.sin(angle), z0 + 2.0 * math.sin(j), 1.0)
        sec.nseg = NSEG
        if parent is not None:
            sec.connect(parent(1))
        sections.append(sec)
    return sections


def per_segment(n_segments: int, repeats: int) -> float:
    sections = tree(n_segments // NSEG)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        geometry = NeuronSceneBuilder.build_morphology_geometry(sections)
        best = min(best, time.perf_counter() - start)
    assert geometry.n_entities == n_segments
    for sec in sections:
        h.delete_section(sec=sec)
    return best / n_segments


def main() -> None:
    sizes = ((2_500, 5), (25_000, 3), (250_000, 1))
    costs = {n: per_segment(n, r) for n, r in sizes}
    base = costs[2_500]
    print("geometry build (NeuronSceneBuilder.build_morphology_geometry), bent sections of nseg 10:")
    for n, cost in costs.items():
        print(f"  {n:>7,} segments: {cost * 1e6:6.2f} us/segment, {cost * n:6.2f} s total, "
              f"ratio to 2.5k per segment {cost / base:.2f}")
    print(f"  250k-segment build {costs[250_000] * 250_000:.1f} s (target <= 10 s)")


if __name__ == "__main__":
    main()
