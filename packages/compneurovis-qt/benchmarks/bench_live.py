"""Live end to end: the NEURON (and Jaxley) CA1 demo in the real window, against the bare simulator.

The GUI part runs in a child process (this script with ``--gui``) so the time
to the first frame counts from a real process start. It opens the demo with
`run_app`, measures for ``--stats`` seconds after the first drawn 3-D frame,
keeps running to ``--run`` seconds for the memory check, closes the window and
prints JSON. The parent measures the bare simulator on the same model in the
same configuration in-process and prints each number beside its baseline or
target:

- simulated ms per wall second reaching the window vs bare ``h.fadvance()``
  (NEURON) or ``jx.integrate`` (Jaxley);
- 3-D frames drawn and trace repaints per second (``window.render_counts``);
- the worst lateness of a 10 ms `QTimer` (longest event-loop stall);
- display latency median and p95 (``produced_at`` to end of draw);
- resident memory of the GUI and worker processes at 10 s and at ``--run`` s;
- seconds from process start to the first drawn frame (the parent's clock just
  before it starts the child: psutil's ``create_time`` rounds the boot time to
  whole seconds and read about 1 s early here), split into start-up before
  `run_app`, the first Scene arriving, and the first draw.

Needs a display; without ``DISPLAY`` it re-runs itself under ``xvfb-run -a``.

    python packages/compneurovis-qt/benchmarks/bench_live.py [--backend neuron|jaxley|both]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

TARGETS = {"sim_ratio": 0.5, "fps_3d": 20.0, "stall_ms": 50.0, "latency_p95_ms": 100.0,
           "mem_growth": 0.05, "first_frame_s": 2.0}


# --------------------------------------------------------------------- GUI part (child process)

def _target(backend: str) -> Any:
    if backend == "neuron":
        from compneurovis.neuron.examples.swc import CA1Session

        return CA1Session
    from compneurovis.jaxley.examples.swc_cell import SwcCellSession

    return SwcCellSession


def _worker(gui: Any) -> Any:
    """The session's worker process: the biggest child that is not multiprocessing's resource tracker."""
    kids = [p for p in gui.children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())]
    return max(kids, key=lambda p: p.memory_info().rss) if kids else None


def gui_main(backend: str, stats_s: float, run_s: float, size: tuple[int, int] = (1400, 860),
             started: float | None = None) -> int:
    import psutil
    from PyQt6.QtCore import QTimer

    from compneurovis.qt import run_app

    gui = psutil.Process()
    started = gui.create_time() if started is None else started
    result: dict[str, Any] = {"backend": backend}
    state: dict[str, Any] = {"worst_late": 0.0, "last": None, "measuring": False}
    keep: list[Any] = []

    draw_s: dict[str, list[float]] = {}

    def on_window(window: Any) -> None:
        state["window"] = window
        draw, apply = window._draw, window.apply_updates

        def timed_draw(view_id: str) -> bool:  # where the frame time goes
            start = time.perf_counter()
            drawn = draw(view_id)
            if state["measuring"]:
                draw_s.setdefault(view_id, []).append(time.perf_counter() - start)
            return drawn

        def timed_apply(updates: Any) -> None:
            start = time.perf_counter()
            apply(updates)
            if "scene_s" not in result and window.scene is not None:
                result["scene_s"] = time.time() - started
            if state["measuring"]:
                draw_s.setdefault("(apply updates)", []).append(time.perf_counter() - start)

        window._draw, window.apply_updates = timed_draw, timed_apply

    def tick() -> None:  # 10 ms probe: its worst lateness is the longest stall
        now = time.monotonic()
        if state["measuring"] and state["last"] is not None:
            state["worst_late"] = max(state["worst_late"], now - state["last"] - 0.010)
        state["last"] = now

    def snapshot() -> dict[str, Any]:
        window = state["window"]
        return {"t": time.monotonic(), "sim": window.sim_time or 0.0, "counts": dict(window.render_counts)}

    def memory(label: str) -> None:
        worker = _worker(gui)
        result[f"rss_gui_{label}"] = gui.memory_info().rss
        result[f"rss_worker_{label}"] = worker.memory_info().rss if worker is not None else None

    def stats_end() -> None:
        state["measuring"] = False
        start, end = state["start"], snapshot()
        wall = end["t"] - start["t"]
        result["stats_seconds"] = wall
        result["sim_rate"] = (end["sim"] - start["sim"]) / wall
        result["rates"] = {vid: (n - start["counts"].get(vid, 0)) / wall for vid, n in end["counts"].items()}
        result["stall_ms"] = state["worst_late"] * 1000
        lat = state["window"].timings.latency()
        result["latency_ms"] = [v * 1000 for v in lat] if lat else None
        result["latency_frames"] = len(state["window"].timings.latencies)
        result["time_ms"] = {k: [1000 * sorted(v)[len(v) // 2], 1000 * max(v), 1000 * sum(v) / wall]
                             for k, v in draw_s.items()}

    def first_frame(_seconds: float) -> None:
        window = state["window"]
        result["first_frame_s"] = time.time() - started
        result["first_frame_run_app_s"] = _seconds
        window.timings.reset()
        state["start"] = snapshot()
        state["measuring"] = True
        state["last"] = None
        probe = QTimer()
        probe.setInterval(10)
        probe.timeout.connect(tick)
        probe.start()
        keep.append(probe)
        QTimer.singleShot(round(stats_s * 1000), stats_end)
        QTimer.singleShot(10_000, lambda: memory("10s"))
        QTimer.singleShot(round(run_s * 1000), lambda: memory("end"))
        QTimer.singleShot(round(run_s * 1000) + 200, window.close)

    target = _target(backend)
    result["run_app_s"] = time.time() - started
    run_app(target, on_window=on_window, on_first_frame=first_frame, size=size)
    result["run_seconds"] = run_s
    result["size"] = f"{size[0]}x{size[1]}"
    result["segments"] = len(state["window"].scene.geometries[next(iter(state["window"].scene.geometries))]
                             .entity_ids) if state["window"].scene is not None else None
    print("BENCH-JSON " + json.dumps(result), flush=True)
    return 0


# --------------------------------------------------------------------- bare baselines (parent)

def bare_neuron(sim_ms: float = 500.0) -> tuple[float, int]:
    """Bare NEURON on the CA1 demo's model: simulated ms per wall second, and the segment count."""
    from neuron import h

    from compneurovis.neuron.examples.swc import CA1Session

    session = CA1Session()
    session.initialize()
    steps_per_frame = round(session.display_dt / session.dt)
    segments = sum(sec.nseg for sec in h.allsec())
    stop = h.t + sim_ms
    start = time.perf_counter()
    t0 = h.t
    while h.t < stop:
        session._schedule_pulse(h.t)  # the demo's periodic pulses, as its advance() does each frame
        for _ in range(steps_per_frame):
            h.fadvance()
    rate = (h.t - t0) / (time.perf_counter() - start)
    session.shutdown()
    return rate, segments


def bare_jaxley(sim_ms: float = 100.0) -> tuple[float, int, float]:
    """``jx.integrate`` on the Jaxley CA1 demo's module: simulated ms per wall second (after a warm-up).

    Returns the rate of ``jax.jit``-compiled ``jx.integrate`` (as Jaxley's docs
    advise), the segment count, and the rate of plain ``jx.integrate``.
    """
    import jax
    import jaxley as jx

    from compneurovis.jaxley.examples.swc_cell import SwcCellSession

    session = SwcCellSession()
    session.initialize()
    module = session.network
    module.delete_recordings()
    session._stimulus_site().record("v", verbose=False)  # jx.integrate needs one recording
    jx.integrate(module, t_max=sim_ms, delta_t=session.dt).block_until_ready()  # compile
    start = time.perf_counter()
    jx.integrate(module, t_max=sim_ms, delta_t=session.dt).block_until_ready()
    plain = sim_ms / (time.perf_counter() - start)
    params = module.get_parameters()
    jitted = jax.jit(lambda p: jx.integrate(module, params=p, t_max=sim_ms, delta_t=session.dt))
    jitted(params).block_until_ready()  # compile
    start = time.perf_counter()
    jitted(params).block_until_ready()
    rate = sim_ms / (time.perf_counter() - start)
    segments = len(session.geometry.entity_ids) if session.geometry is not None else -1
    session.shutdown()
    return rate, segments, plain


def _run_gui(backend: str, stats_s: float, run_s: float, size: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--gui", backend, "--stats", str(stats_s), "--run", str(run_s), "--size", size,
           "--started", repr(time.time())]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=run_s + 240)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    raise RuntimeError(f"GUI run failed (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}")


def _mark(ok: bool) -> str:
    return "ok  " if ok else "MISS"


def report(gui: dict[str, Any], bare_rate: float, bare_segments: int, baseline_name: str) -> list[str]:
    lines = [f"== {gui['backend']}: {gui['segments']} segments in the window ({bare_segments} in the bare model); "
             f"stats over {gui['stats_seconds']:.1f} s after the first frame, run {gui['run_seconds']:.0f} s, "
             f"window {gui['size']}"]
    ratio = gui["sim_rate"] / bare_rate
    lines.append(f"  {_mark(ratio >= TARGETS['sim_ratio'])} sim rate in window {gui['sim_rate']:8.1f} ms/s   "
                 f"{baseline_name} {bare_rate:8.1f} ms/s   ratio {ratio:.2f} (target >= {TARGETS['sim_ratio']})")
    rates = gui["rates"]
    fps = max((v for k, v in rates.items() if k != "trace"), default=0.0)
    lines.append(f"  {_mark(fps >= TARGETS['fps_3d'])} 3-D frames/s {fps:.1f} (target >= {TARGETS['fps_3d']:.0f}); "
                 f"per view: " + ", ".join(f"{k} {v:.1f}/s" for k, v in sorted(rates.items())))
    lines.append(f"  {_mark(gui['stall_ms'] <= TARGETS['stall_ms'])} worst 10 ms-timer lateness "
                 f"{gui['stall_ms']:.0f} ms (target <= {TARGETS['stall_ms']:.0f})")
    lat = gui["latency_ms"]
    if lat:
        lines.append(f"  {_mark(lat[1] < TARGETS['latency_p95_ms'])} display latency median {lat[0]:.0f} ms, "
                     f"p95 {lat[1]:.0f} ms over {gui['latency_frames']} frames "
                     f"(target p95 < {TARGETS['latency_p95_ms']:.0f})")
    for who in ("gui", "worker"):
        a, b = gui.get(f"rss_{who}_10s"), gui.get(f"rss_{who}_end")
        if a and b:
            growth = b / a - 1
            lines.append(f"  {_mark(growth < TARGETS['mem_growth'])} {who} RSS {a / 2**20:.0f} MiB at 10 s, "
                         f"{b / 2**20:.0f} MiB at {gui['run_seconds']:.0f} s: {growth:+.1%} "
                         f"(target < {TARGETS['mem_growth']:.0%})")
    lines.append("  info GUI thread time (median ms, max ms, ms per wall s): " + ", ".join(
        f"{k} {a:.0f}/{b:.0f}/{c:.0f}" for k, (a, b, c) in sorted(gui["time_ms"].items())))
    lines.append(f"  {_mark(gui['first_frame_s'] <= TARGETS['first_frame_s'])} first frame "
                 f"{gui['first_frame_s']:.2f} s after process start ({gui['first_frame_run_app_s']:.2f} s after "
                 f"run_app) (target <= {TARGETS['first_frame_s']:.0f})")
    if "scene_s" in gui:
        lines.append(f"  info start-up: imports and interpreter {gui['run_app_s']:.2f} s, first Scene at "
                     f"{gui['scene_s']:.2f} s, first frame at {gui['first_frame_s']:.2f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("neuron", "jaxley", "both"), default="both")
    parser.add_argument("--gui", choices=("neuron", "jaxley"), help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=float, default=20.0, help="seconds of stats after the first frame")
    parser.add_argument("--run", type=float, default=62.0, help="seconds to run (memory read at 10 s and here)")
    parser.add_argument("--size", default="1400x860", help="window size WxH (default: run_app's)")
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--jaxley-run", type=float, default=30.0, help="--run for the Jaxley demo")
    args = parser.parse_args(argv)
    if args.gui:
        width, _, height = args.size.lower().partition("x")
        return gui_main(args.gui, args.stats, args.run, (int(width), int(height)), args.started)
    if not os.environ.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            print("bench_live: no DISPLAY and no xvfb-run; skipped")
            return 0
        env = dict(os.environ, QT_QPA_PLATFORM="xcb")
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__,
                                *(argv if argv is not None else sys.argv[1:])], env=env)
    print(f"bench_live: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
          f"(other work on the machine makes these numbers noisy)", flush=True)
    out: list[str] = []
    if args.backend in ("neuron", "both"):
        rate, segments = bare_neuron()
        gui = _run_gui("neuron", args.stats, args.run, args.size)
        out += report(gui, rate, segments, "bare h.fadvance()")
        print("\n".join(out), flush=True)
    if args.backend in ("jaxley", "both"):
        jrun = min(args.jaxley_run, args.run)
        rate, segments, plain = _in_child_jaxley()
        gui = _run_gui("jaxley", min(args.stats, jrun - 1), jrun, args.size)
        lines = report(gui, rate, segments, "jit(jx.integrate)")
        lines.insert(2, f"  info plain jx.integrate (not jitted) {plain:.1f} ms/s: ratio {gui['sim_rate'] / plain:.2f}")
        out += lines
        print("\n".join(lines), flush=True)
    print(f"bench_live: load average after {os.getloadavg()[0]:.2f}")
    return 0


def _in_child_jaxley() -> tuple[float, int, float]:
    """Bare Jaxley in a child process (keeps JAX's threads out of the GUI run's timings)."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (f"import json,sys; sys.path.insert(0, {here!r}); import bench_live as b; "
            "print('BARE ' + json.dumps(b.bare_jaxley()))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith("BARE "):
            rate, segments, plain = json.loads(line[5:])
            return rate, segments, plain
    raise RuntimeError(proc.stderr[-4000:])


if __name__ == "__main__":
    sys.exit(main())
