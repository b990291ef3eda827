"""``show()`` attached to the CA1 cell during ``h.continuerun(200)``, against the same run bare.

The shipped CA1 reconstruction (2,536 segments, the ``neuron-swc`` example
model) is built in this process's ``h`` as a user script would have it, with
an IClamp pulse at the soma. Each repeat runs ``h.finitialize(-65);
h.continuerun(sim_ms)`` bare, then the same with a `show()` window attached
(drawn offscreen in its own process, default ``display_dt``): the window is
opened before and closed after the timed run, so only the run is timed.
Bare and attached runs alternate ``repeats`` times and the best of each is
kept. Prints both throughputs (simulated ms per wall-clock second), every
paired ratio, their median, and the ratio of the bests (target >= 0.85); and
the same ratios in this process's CPU time (what sampling costs the run itself, apart from
the window process competing for the cores of a small machine).

    python packages/compneurovis-neuron/benchmarks/bench_show.py [sim_ms] [repeats] [display_dt]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from neuron import h

from compneurovis.neuron import DEFAULT_DISPLAY_DT, show
from compneurovis.neuron.examples.swc import CA1Session

TARGET = 0.85


def timed_run(sim_ms: float) -> tuple[float, float]:
    """Simulated ms per second of wall clock, and per second of this process's CPU time."""
    h.finitialize(-65)
    start, cpu = time.perf_counter(), time.process_time()
    h.continuerun(sim_ms)
    return sim_ms / (time.perf_counter() - start), sim_ms / (time.process_time() - cpu)


def main(sim_ms: float = 200.0, repeats: int = 9, display_dt: float = DEFAULT_DISPLAY_DT) -> float:
    model = CA1Session()
    model.initialize()  # builds the cell in h; from here on only h is used, as in a user's script
    h.dt = 0.025
    stim = h.IClamp(model.soma[0](0.5))
    stim.delay, stim.dur, stim.amp = 5.0, 3.0, 1.0
    n_segments = sum(sec.nseg for sec in h.allsec())
    bare_rates, shown_rates, bare_cpu, shown_cpu = [], [], [], []
    with tempfile.TemporaryDirectory() as folder:
        timed_run(10.0)  # warm caches
        for k in range(repeats):
            wall, cpu = timed_run(sim_ms)
            bare_rates.append(wall)
            bare_cpu.append(cpu)
            viewer = show(screenshot=Path(folder) / f"run{k}.png", display_dt=display_dt)
            try:
                viewer.screenshot()  # the window is up and drawing before the run starts
                wall, cpu = timed_run(sim_ms)
                shown_rates.append(wall)
                shown_cpu.append(cpu)
                viewer._driver.flush()
                frames = len(viewer._driver.session._traces.snapshot()[0])
            finally:
                viewer.close()
    ratios = [s / b for s, b in zip(shown_rates, bare_rates, strict=True)]
    best = max(shown_rates) / max(bare_rates)
    print(f"show() on CA1 ({n_segments} segments), continuerun({sim_ms:g}), display_dt {display_dt:g} ms "
          f"({frames} display steps per run)")
    print(f"  bare:     {max(bare_rates):8.1f} sim ms/s  (runs: {', '.join(f'{r:.1f}' for r in bare_rates)})")
    print(f"  attached: {max(shown_rates):8.1f} sim ms/s  (runs: {', '.join(f'{r:.1f}' for r in shown_rates)})")
    print(f"  paired ratios: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"  ratio of bests: {best:.3f}  (target >= {TARGET})")
    cpu_ratios = sorted(s / b for s, b in zip(shown_cpu, bare_cpu, strict=True))
    print(f"  median paired ratio: {sorted(ratios)[len(ratios) // 2]:.3f}")
    print(f"  CPU time of this process: bare {max(bare_cpu):.1f}, attached {max(shown_cpu):.1f} sim ms/s, "
          f"ratio of bests {max(shown_cpu) / max(bare_cpu):.3f}, median paired {cpu_ratios[len(cpu_ratios) // 2]:.3f}")
    model.shutdown()
    return best


if __name__ == "__main__":
    args = sys.argv[1:]
    main(float(args[0]) if args else 200.0, int(args[1]) if len(args) > 1 else 9,
         float(args[2]) if len(args) > 2 else DEFAULT_DISPLAY_DT)
