"""Cost of recording a live NEURON session, and speed of rendering a recording to MP4.

1. The CA1 demo (2,536 segments, FULL history, display_dt = 4*dt) advanced for
   a fixed simulated time, twice in one process: unrecorded (baseline) and
   wrapped in `RecordingSession`. Reports sim-ms per wall second of both, the
   ratio (target >= 0.90), MB written per simulated second and write MB/s.
2. `compneurovis render` of that recording to a 1280x720 MP4: frames/s.

Run: ``python benchmarks/bench_recording.py`` (needs compneurovis[neuron]).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compneurovis.core import RecordingSession
from compneurovis.neuron.examples.swc import CA1Session

SIM_MS = 50.0


def _session() -> CA1Session:
    return CA1Session(history_capture_mode="full", display_dt=0.1, dt=0.025, max_samples=500)


def _run(factory) -> tuple[float, object]:
    session = factory()
    session.initialize()
    session.read_updates()
    start = time.perf_counter()
    t0 = session.inner.time if isinstance(session, RecordingSession) else session.time
    live = session.inner if isinstance(session, RecordingSession) else session
    while live.time - t0 < SIM_MS:
        session.advance()
        session.read_updates()
    elapsed = time.perf_counter() - start
    n = live.geometry.n_entities
    session.shutdown()
    return SIM_MS / elapsed, n


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="cnv-bench-"))
    path = folder / "ca1.h5"
    bare, n = min((_run(_session) for _ in range(2)), key=lambda r: -r[0])
    recorded_rates = []
    for _ in range(2):
        path.unlink(missing_ok=True)
        recorded_rates.append(_run(functools.partial(RecordingSession, _session, str(path)))[0])
    recorded = max(recorded_rates)
    size_mb = path.stat().st_size / 1e6
    print(f"CA1 cell, {n} segments, FULL history, display_dt = 4*dt, {SIM_MS:.0f} ms simulated")
    print(f"  unrecorded (baseline)   {bare:8.1f} sim-ms/s")
    print(f"  recorded                {recorded:8.1f} sim-ms/s   ratio {recorded / bare:5.2f} (target >= 0.90)")
    print(f"  file                    {size_mb:8.1f} MB = {size_mb / SIM_MS * 1000:.0f} MB per simulated s, "
          f"written at {size_mb * recorded / SIM_MS:.1f} MB/s")
    movie = folder / "ca1.mp4"
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "compneurovis", "render", str(path), "--mp4", str(movie),
                             "--size", "1280x720"], capture_output=True, text=True,
                            env={**os.environ, "DISPLAY": ""}, check=True)
    elapsed = time.perf_counter() - start
    frames = int(result.stdout.split("rendered ")[1].split()[0])
    print(f"  render to MP4 1280x720  {frames / elapsed:8.1f} frames/s ({frames} frames, {elapsed:.1f} s incl. start)")


if __name__ == "__main__":
    main()
