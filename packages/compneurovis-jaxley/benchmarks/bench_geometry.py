"""Geometry build time per branch (500 / 5,000 / 25,000 branches) and a big cell's first Scene.

Plain script (``nox -s bench`` runs it).

1. `JaxleySceneBuilder.build_morphology_geometry` on random trees of 500,
   5,000 and 25,000 branches (2 compartments and 6 traced points each, every
   branch starting at its parent's end, the nodes table laid out as Jaxley's).
   The cost per branch must stay flat: largest / smallest per-branch time
   <= 2 (the old builder compared every pair of branches).
2. A 5,000-compartment HH cell (2,500 branches of 2 compartments), run in a
   worker process as the window runs it: seconds from a fresh process to its
   first Scene at the viewer (the cell, grey, which the session shows before
   Jaxley initialises its states), with an empty JAX compilation cache (target
   <= 15 s), and again with the cache it left; and to the session's own Scene
   (live values). Built as a reconstruction is: 6 traced 3-D points per
   branch, passed to ``jx.Cell(..., xyzr=...)``. For comparison, the same tree
   without points, where Jaxley lays it out itself (``Cell`` runs
   ``compute_xyz`` and ``compute_compartment_centers`` eagerly, branch by
   branch: ~7 s more).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

TARGET_RATIO = 2.0
TARGET_COLD_S = 15.0
NCOMP = 2
POINTS = 6


def traced_points(parents: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """xyzr of a tree as a reconstruction gives it: POINTS per branch, each starting at its parent's end."""
    xyzr: list[np.ndarray] = []
    for parent in parents:
        start = np.zeros(3) if parent < 0 else xyzr[parent][-1, :3]
        pts = np.vstack([start, start + np.cumsum(rng.normal(scale=5.0, size=(POINTS - 1, 3)), axis=0)])
        xyzr.append(np.hstack([pts, rng.uniform(0.3, 2.0, size=(POINTS, 1))]))
    return xyzr


def random_tree(n_branches: int, seed: int = 0) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Nodes and xyzr of a random tree: each branch starts at a random earlier branch's end."""
    rng = np.random.default_rng(seed)
    parents = [-1] + [int(rng.integers(0, b)) for b in range(1, n_branches)]
    xyzr = traced_points(parents, rng)
    nodes = pd.DataFrame({
        "global_cell_index": np.zeros(n_branches * NCOMP, dtype=int),
        "global_branch_index": np.repeat(np.arange(n_branches), NCOMP),
        "global_comp_index": np.arange(n_branches * NCOMP),
        "length": np.full(n_branches * NCOMP, 10.0),
        "radius": np.full(n_branches * NCOMP, 1.0),
    })
    return nodes, xyzr


def geometry_per_branch(n_branches: int, repeats: int) -> float:
    """Median seconds per branch of one geometry build."""
    from compneurovis.jaxley import JaxleySceneBuilder

    nodes, xyzr = random_tree(n_branches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        geometry = JaxleySceneBuilder.build_morphology_geometry(nodes, xyzr=xyzr)
        times.append(time.perf_counter() - start)
    assert np.count_nonzero(geometry.parent == -1) == 1  # every branch found its parent
    return float(np.median(times)) / n_branches


def big_cell_session():
    """The big HH cell's session (a top-level factory, for the worker process); sized by the environment."""
    import jaxley as jx
    from jaxley.channels import HH

    from compneurovis.jaxley import JaxleySession

    branches, layout = int(os.environ["CNV_BENCH_BRANCHES"]), os.environ["CNV_BENCH_LAYOUT"]

    class BigCell(JaxleySession):
        def build_cells(self) -> jx.Cell:
            rng = np.random.default_rng(0)
            parents = [-1] + [int(rng.integers(max(0, b - 8), b)) for b in range(1, branches)]
            # no points: Jaxley computes a layout
            xyzr = traced_points(parents, np.random.default_rng(1)) if layout == "points" else None
            return jx.Cell(jx.Branch(jx.Compartment(), ncomp=NCOMP), parents=parents, xyzr=xyzr)

        def setup_model(self, network, cells) -> None:
            network.insert(HH())

    return BigCell(dt=0.025, display_dt=1.0)


def big_cell_child() -> None:
    """In a fresh process: seconds from its start to the big cell's first Scene, and to its own, at a viewer.

    The session runs in a worker process, as the window runs it; the first
    Scene is its preview (the cell, grey, before Jaxley initialises its states).
    """
    from compneurovis.core import Error, SceneReady, WorkerTransport

    started = float(os.environ["CNV_BENCH_STARTED"])
    arrived: list[float] = []
    with WorkerTransport(big_cell_session) as transport:
        deadline = time.monotonic() + 600
        while len(arrived) < 2 and time.monotonic() < deadline:
            for update in transport.poll(0.05):
                if isinstance(update, SceneReady):
                    arrived.append(time.time() - started)
                    compartments = len(update.scene.geometries["morphology"].entity_ids)
                elif isinstance(update, Error):
                    raise RuntimeError(update.message)
    print("BIG " + json.dumps({"scene_s": arrived[0], "live_s": arrived[1], "compartments": compartments}),
          flush=True)


def big_cell(branches: int, layout: str, cache: str) -> dict:
    env = dict(os.environ, CNV_BENCH_STARTED=repr(time.time()), CNV_BENCH_BRANCHES=str(branches),
               CNV_BENCH_LAYOUT=layout, JAX_COMPILATION_CACHE_DIR=cache,
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    proc = subprocess.run([sys.executable, __file__, "--big-child"], env=env,
                          capture_output=True, text=True, timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith("BIG "):
            return json.loads(line[4:])
    raise RuntimeError(f"big cell run failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5_000, 25_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-branches", type=int, default=2_500, help="branches of the big cell (x2 comps)")
    parser.add_argument("--big-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.big_child:
        big_cell_child()
        return
    print(f"bench_geometry: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    per = {}
    for n in args.sizes:
        per[n] = geometry_per_branch(n, args.repeats)
        print(f"  geometry of {n:6d} branches: {per[n] * n:7.3f} s, {per[n] * 1e6:6.1f} us per branch", flush=True)
    ratio = max(per.values()) / min(per.values())
    print(f"  {'ok  ' if ratio <= TARGET_RATIO else 'MISS'} per-branch cost largest/smallest {ratio:.2f} "
          f"(target <= {TARGET_RATIO:.0f})", flush=True)
    if args.big_branches:
        with tempfile.TemporaryDirectory(prefix="cnv-bench-jax-cache-") as cache:
            cold = big_cell(args.big_branches, "points", cache)
            warm = big_cell(args.big_branches, "points", cache)
        mark = "ok  " if cold["scene_s"] <= TARGET_COLD_S else "MISS"
        print(f"  {mark} {cold['compartments']}-compartment cell with traced points, at a viewer: first Scene "
              f"(the cell) {cold['scene_s']:.1f} s after process start with an empty JAX cache "
              f"(target <= {TARGET_COLD_S:.0f}), {warm['scene_s']:.1f} s with the cache", flush=True)
        print(f"       its own Scene (live values): {cold['live_s']:.1f} s cold, {warm['live_s']:.1f} s with the cache",
              flush=True)
        with tempfile.TemporaryDirectory(prefix="cnv-bench-jax-cache-") as cache:
            computed = big_cell(args.big_branches, "computed", cache)
        print(f"       the same tree without points (Jaxley computes its layout): first Scene "
              f"{computed['scene_s']:.1f} s, its own {computed['live_s']:.1f} s, with an empty JAX cache", flush=True)
    print(f"bench_geometry: load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
