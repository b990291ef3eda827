"""Cost of applying one history append to a frontend Scene, against the history's length.

A FULL-capture history of the 2,536-segment cell grows by one time-major row
of 2,536 float32 values per display frame. Applying that `FieldAppend` to a
Scene holding 1,000 samples (the baseline, measured in this run) and to one
holding 100,000 samples (about 1 GB) must cost about the same: the frontend
keeps the history in a row buffer, not a concatenation of all of it. Each
cost is the mean over a whole buffer cycle, so the occasional move of the
history to a fresh buffer is counted, amortised.

Target: cost(100,000) / cost(1,000) <= 1.5.
Run: ``python packages/compneurovis-core/benchmarks/bench_history.py``.
"""

from __future__ import annotations

import time

import numpy as np

from compneurovis.core import Field, FieldAppend, LinePlotViewSpec, Scene

N_SEGMENTS = 2_536
TARGET = 1.5


def _scene(n_samples: int) -> Scene:
    values = np.random.default_rng(0).random((n_samples, N_SEGMENTS), dtype=np.float32)
    history = Field("segment_history", values, ("time", "segment"),
                    {"time": np.arange(n_samples) * 0.025, "segment": np.array([f"s{k}" for k in range(N_SEGMENTS)])},
                    "mV")
    return Scene(fields=[history], views=[LinePlotViewSpec(id="trace", field_id="segment_history")])


def _cost(n_samples: int) -> float:
    """Mean seconds of one append over a whole buffer cycle, moves included (amortised).

    Steady state: the history is full, each append drops the oldest row. The
    row buffer has ``n_samples // 2`` spare rows (at least 64), so timing
    ``spare + 1`` appends includes exactly one move of the whole history.
    """
    scene = _scene(n_samples)
    row = np.random.default_rng(1).random((1, N_SEGMENTS), dtype=np.float32)
    t = n_samples * 0.025
    # the first append moves the history into a row buffer once (a Scene from the wire holds read-only views)
    scene.apply(FieldAppend(field_id="segment_history", append_dim="time", values=row,
                            coord_values=np.array([t - 0.0125]), max_length=n_samples))
    appends = max(64, n_samples // 2) + 1
    updates = [FieldAppend(field_id="segment_history", append_dim="time", values=row,
                           coord_values=np.array([t + k * 0.025]), max_length=n_samples) for k in range(appends)]
    start = time.perf_counter()
    for update in updates:
        scene.apply(update)
    took = time.perf_counter() - start
    assert scene.fields["segment_history"].shape == (n_samples, N_SEGMENTS)
    return took / appends


def main() -> None:
    small = _cost(1_000)
    large = _cost(100_000)
    ratio = large / small
    print(f"history append of {N_SEGMENTS} segments: {small * 1e6:.1f} us at 1,000 samples, "
          f"{large * 1e6:.1f} us at 100,000 samples; ratio {ratio:.2f} (target <= {TARGET})")
    print("PASS" if ratio <= TARGET else "FAIL")


if __name__ == "__main__":
    main()
