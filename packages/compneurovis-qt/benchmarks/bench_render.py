"""Colour-update frame rate of the VTK morphology view, offscreen at 800x600.

Each frame writes a new value for every segment and renders. Printed as
frames/s and as a ratio to the empty-frame rate measured in the same run.
Targets: 10,000 segments >= 30 fps, 100,000 >= 5 fps.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from vtkmodules.vtkRenderingCore import vtkRenderer

from compneurovis.qt._synthetic import branching_geometry
from compneurovis.vtk import MorphologyRenderer, offscreen_render_window

SIZE = (800, 600)
TARGETS = {10_000: 30.0, 100_000: 5.0}


def _fps(window, frame, seconds: float = 2.0, min_frames: int = 5) -> float:
    frame(0)
    window.Render()
    window.WaitForCompletion()
    count, start = 0, time.perf_counter()
    while count < min_frames or time.perf_counter() - start < seconds:
        frame(count)
        window.Render()
        window.WaitForCompletion()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> int:
    window = offscreen_render_window(SIZE)
    empty = vtkRenderer()
    window.AddRenderer(empty)
    baseline = _fps(window, lambda _k: None)
    window.RemoveRenderer(empty)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"offscreen {SIZE[0]}x{SIZE[1]} ({type(window).__name__}), {os.cpu_count()} CPUs, load {load:.1f}")
    print(f"{'empty frame':>22}: {baseline:8.1f} fps   ratio 1.000")
    failed = False
    for n in (1_000, 10_000, 100_000):
        geometry = branching_geometry(n)
        t0 = time.perf_counter()
        view = MorphologyRenderer(geometry, color_limits=(-80.0, 40.0), unit="mV")
        build = time.perf_counter() - t0
        window.AddRenderer(view.renderer)
        view.reset_camera()
        rng = np.random.default_rng(1)
        frames = rng.uniform(-80, 40, size=(8, n)).astype(np.float32)
        fps = _fps(window, lambda k, v=view, f=frames: v.set_values(f[k % len(f)]))
        window.RemoveRenderer(view.renderer)
        target = TARGETS.get(n)
        verdict = "" if target is None else ("  ok" if fps >= target else f"  BELOW target {target:g}")
        failed |= target is not None and fps < target
        print(f"{n:>12,} segments: {fps:8.1f} fps   ratio {fps / baseline:.3f}   "
              f"(mesh build {build:.2f} s){verdict}")
    return 1 if failed and "--strict" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
