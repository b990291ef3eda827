"""Cost of recording a live NEURON session, and speed of rendering a recording to MP4.

1. The CA1 demo (2,536 segments, FULL history, display_dt = 4*dt) advanced for
   a fixed simulated time in one process, alternately unrecorded (baseline)
   and wrapped in `RecordingSession`, `PAIRS` times. Reports the best sim-ms
   per wall second of both, the median of the paired ratios (each recorded
   run over the unrecorded run before it; target >= 0.90) with their
   quartiles and the ratio of the bests beside it, MB written per simulated
   second (the file's growth after the first Scene) and write MB/s. A run
   simulates one second (about 2.5 s of wall-clock time). A recording
   first touches about 19 MB (4,800 pages: the recorder's 4 MB buffers per
   stream and their spares) once, in its first 0.2 s; at about 12 us a page
   on a virtual machine that is a tenth of a 0.2 s run, and the ratio of such
   runs ranged from 0.84 to 0.97 on the same code within an hour.
2. `compneurovis render` of a 300-frame recording (10 s of movie at 30 fps)
   to a 1280x720 MP4: frames/s of the render.

Run: ``python benchmarks/bench_recording.py [sim_ms]`` (needs compneurovis[neuron]).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from compneurovis.core import RecordingSession
from compneurovis.neuron.examples.swc import CA1Session

SIM_MS = 1000.0
#: Unrecorded and recorded runs, alternating.
PAIRS = 5
RENDER_FRAMES = 300


class _PerFrameCA1(CA1Session):
    """FULL history with the opt-out to one sample per display frame, the setting this target was set for."""

    def history_every_step(self) -> bool:
        return False


def _session() -> CA1Session:
    return _PerFrameCA1(history_capture_mode="full", display_dt=0.1, dt=0.025, max_samples=500)


def _run(factory, sim_ms: float) -> tuple[float, int, int]:
    """Simulate ``sim_ms``; return (sim-ms per s, segments, bytes on disk when the run started)."""
    session = factory()
    session.initialize()
    session.read_updates()
    recording = isinstance(session, RecordingSession)
    live = session.inner if recording else session
    start_bytes = 0
    if recording:
        session.recorder.flush()
        start_bytes = session.path.stat().st_size
    start = time.perf_counter()
    t0 = live.time
    while live.time - t0 < sim_ms - 1e-9:
        session.advance()
        session.read_updates()
    elapsed = time.perf_counter() - start
    n = live.geometry.n_entities
    session.shutdown()
    return sim_ms / elapsed, n, start_bytes


def main(argv: list[str]) -> None:
    sim_ms = float(argv[0]) if argv else SIM_MS
    folder = Path(tempfile.mkdtemp(prefix="cnv-bench-"))
    path = folder / "ca1.cnvrec"
    pairs = []
    for _ in range(PAIRS):  # alternate, so that a busy moment hits both alike
        bare, n, _ = _run(_session, sim_ms)
        path.unlink(missing_ok=True)
        recorded, _, start_bytes = _run(functools.partial(RecordingSession, _session, str(path)), sim_ms)
        pairs.append((bare, recorded))
    grown_mb = (path.stat().st_size - start_bytes) / 1e6
    bare, recorded = max(b for b, _ in pairs), max(r for _, r in pairs)
    low, median, high = np.percentile([r / b for b, r in pairs], [25, 50, 75])
    print(f"CA1 cell, {n} segments, FULL history (one sample per display frame), display_dt = 4*dt, "
          f"{sim_ms:.0f} ms simulated, {PAIRS} alternating pairs")
    print(f"  unrecorded (baseline)   {bare:8.1f} sim-ms/s (best)")
    print(f"  recorded                {recorded:8.1f} sim-ms/s (best)   ratio {median:5.3f} (median paired, quartiles "
          f"{low:.3f}-{high:.3f}; target >= 0.90)   best / best {recorded / bare:.3f}")
    print(f"  file growth             {grown_mb:8.1f} MB = {grown_mb / sim_ms * 1000:.0f} MB per simulated s, "
          f"written at {grown_mb / sim_ms * recorded:.1f} MB/s")
    short = folder / "render.cnvrec"
    _run(functools.partial(RecordingSession, _session, str(short)), RENDER_FRAMES * 0.1)
    movie = folder / "ca1.mp4"
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "compneurovis", "render", str(short), "--mp4", str(movie),
                             "--size", "1280x720"], capture_output=True, text=True,
                            env={**os.environ, "DISPLAY": ""}, check=True)
    elapsed = time.perf_counter() - start
    frames = int(result.stdout.split("rendered ")[1].split()[0])
    print(f"  render to MP4 1280x720  {frames / elapsed:8.1f} frames/s ({frames} frames, {elapsed:.1f} s incl. start)")


if __name__ == "__main__":
    main(sys.argv[1:])
