"""Live end to end: the NEURON (and Jaxley) CA1 demo in the real window, against the bare simulator.

With ``--backend all`` (the default) also the 1,000-cell ring network (100,000
segments, one process) at 1280x800: its 3-D frames/s and the time from its
Scene arriving to the first frame.

The GUI part runs in a child process (this script with ``--gui``) so the time
to the first frame counts from a real process start. It opens the demo with
`run_app`, measures for ``--stats`` seconds after the first drawn 3-D frame
(after the session's own first Scene, where the demo first shows the first
Scene of its last start as a preview), keeps running to ``--run`` seconds for the memory check, closes the window and
prints JSON. The parent measures the bare simulator on the same model in the
same configuration in-process and prints each number beside its baseline or
target:

- simulated ms per wall second reaching the window vs bare ``h.fadvance()``
  (NEURON) or ``jx.integrate`` (Jaxley);
- 3-D frames drawn and trace repaints per second (``window.render_counts``);
- the worst lateness of a 10 ms `QTimer` (longest event-loop stall), when the
  stalls over 50 ms happened, and with ``CNV_BENCH_WATCHDOG=1`` where the GUI
  thread's Python stack was while the timer was over 45 ms late;
- display latency median and p95 (``produced_at`` to end of draw);
- resident memory of the GUI and worker processes at 10 s and at ``--run`` s
  (with ``CNV_BENCH_SMAPS=1`` the GUI's by mapping: libraries, heap, anonymous),
  read in a thread so the reading does not stall the probed event loop; and,
  for the CA1 demo, the floor of the libraries: a bare Qt window with one VTK
  cone and one pyqtgraph plot (`bare_window`);
- seconds from process start to the first drawn frame (the parent's clock just
  before it starts the child: psutil's ``create_time`` rounds the boot time to
  whole seconds and read about 1 s early here), split into start-up before
  `run_app`, the first Scene arriving (a preview, the demo's last start's
  first Scene, where one is kept), the session's own Scene, and the first draw;
- the morphology's draw time at each resolution level of its adaptive
  resolution (each level forced for ``--level-s`` seconds while live);
- two screenshots of the window (``--shots DIR``): one while live, one after
  the session is paused and the view has gone still; the still one is
  compared pixel for pixel with a full-resolution render of the same view.

Each scenario runs ``--repeat`` times (3 by default); each number is the median
with the spread (min..max) beside it, and a target is judged on the median.

Needs a display; without ``DISPLAY`` it re-runs itself under ``xvfb-run -a``.

    python packages/compneurovis-qt/benchmarks/bench_live.py [--backend neuron|jaxley|ring|both|all]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

#: The ring network's window (the MPI issue): at 1280x800 under Xvfb.
RING_SIZE = "1280x800"
RING_TARGETS = {"fps_3d": 10.0, "first_frame_after_scene_s": 5.0}
TARGETS = {"sim_ratio": 0.5, "fps_3d": 20.0, "stall_ms": 50.0, "latency_p95_ms": 100.0,
           "mem_growth": 0.05, "first_frame_s": 2.0, "rss_gui_mib": 250.0}


# --------------------------------------------------------------------- GUI part (child process)

#: The demo each scenario runs.
DEMOS = {"neuron": "neuron-swc", "ring": "neuron-mpi-ring", "jaxley": "jaxley-swc"}


def _target(backend: str) -> Any:
    """The demo as ``compneurovis demo NAME`` opens it: only the worker imports the backend."""
    from compneurovis.launcher import demo_session

    return demo_session(DEMOS[backend])


def _worker(gui: Any) -> Any:
    """The session's worker process: the biggest child that is not multiprocessing's resource tracker."""
    kids = [p for p in gui.children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())]
    return max(kids, key=lambda p: p.memory_info().rss) if kids else None


def _screen_rgb(widget: Any, path: str | None = None) -> Any:
    """What the X server shows of ``widget`` (OpenGL content included) as ``(h, w, 3)`` uint8; saved to ``path``."""
    import numpy as np
    from PyQt6.QtGui import QImage
    from PyQt6.QtWidgets import QApplication

    image = QApplication.primaryScreen().grabWindow(int(widget.winId())).toImage()
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    if path is not None:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        image.save(path, "PNG")
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    return data.reshape(h, image.bytesPerLine())[:, :3 * w].reshape(h, w, 3).copy()


def _rss_by_mapping(top: int = 10) -> list[tuple[str, float]]:
    """This process's resident memory by what is mapped (file name, or [heap]/[anon]), largest first, in MiB."""
    sizes: dict[str, int] = {}
    name = "?"
    with open("/proc/self/smaps") as maps:
        for line in maps:
            fields = line.split()
            if fields and "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
                name = os.path.basename(fields[5]) if len(fields) > 5 else "[anon]"
            elif fields and fields[0] == "Rss:":
                sizes[name] = sizes.get(name, 0) + int(fields[1])
    ranked = sorted(sizes.items(), key=lambda item: -item[1])
    return [(k, round(v / 1024, 1)) for k, v in ranked[:top]] + [("(all)", round(sum(sizes.values()) / 1024, 1))]


def gui_main(backend: str, stats_s: float, run_s: float, size: tuple[int, int] = (1400, 860),
             started: float | None = None, level_s: float = 2.0, shots: str | None = None) -> int:
    from compneurovis.core import WorkerTransport

    # as `compneurovis demo` does: the worker starts before the window's modules load
    transport = WorkerTransport(_target(backend)).start()
    import psutil
    from PyQt6.QtCore import QTimer

    from compneurovis.core import InvokeAction, SceneReady
    from compneurovis.launcher import is_preview
    from compneurovis.qt import FrameLoop, View3DDrawing, run_app

    gui = psutil.Process()
    started = gui.create_time() if started is None else started
    result: dict[str, Any] = {"backend": backend, "level_s": level_s}
    state: dict[str, Any] = {"worst_late": 0.0, "last": None, "measuring": False, "stalls": []}
    keep: list[Any] = []
    readers: list[threading.Thread] = []  # memory readings, joined before the result is printed

    draw_s: dict[str, list[float]] = {}

    def on_window(window: Any) -> None:
        state["window"] = window
        draw, apply = window._draw, window.apply_updates

        def timed_draw(view_id: str) -> bool:  # where the frame time goes
            start = time.perf_counter()
            drawn = draw(view_id)
            if state["measuring"]:
                took = time.perf_counter() - start
                draw_s.setdefault(view_id, []).append(took)
                state.get("parts", []).append(f"{view_id} {1000 * took:.0f}")
            return drawn

        def timed_apply(updates: Any) -> None:
            start = time.perf_counter()
            apply(updates)
            if "scene_s" not in result and window.scene is not None:
                result["scene_s"] = time.time() - started
            if "session_scene_s" not in result and any(
                    isinstance(u, SceneReady) and not is_preview(u.scene) for u in updates):
                result["session_scene_s"] = time.time() - started  # not the preview: the session's own
            if state["measuring"]:
                took = time.perf_counter() - start
                draw_s.setdefault("(apply updates)", []).append(took)
                state.get("parts", []).append(f"apply {len(updates)} updates {1000 * took:.0f}")

        window._draw, window.apply_updates = timed_draw, timed_apply
        loop = window.findChild(FrameLoop)
        if loop is not None:  # the worst frame-loop ticks, and what they did
            tick = loop.tick
            parts: list[str] = []
            state["parts"] = parts
            worst: list[tuple[float, str]] = []
            state["worst_ticks"] = worst

            def timed_tick() -> None:
                parts.clear()
                measuring = state["measuring"]
                start = time.perf_counter()
                tick()
                took = time.perf_counter() - start
                if measuring and state["measuring"] and took > 0.030:
                    worst.append((took, ", ".join(parts)))

            loop._timer.timeout.disconnect()
            loop._timer.timeout.connect(timed_tick)

    def tick() -> None:  # 10 ms probe: its worst lateness is the longest stall
        now = time.monotonic()
        if state["measuring"] and state["last"] is not None:
            late = now - state["last"] - 0.010
            state["worst_late"] = max(state["worst_late"], late)
            if late > 0.050:  # when the stalls happen: start-up, or steady state
                state["stalls"].append((round(now - state["start"]["t"], 2), round(1000 * late)))
        state["last"] = now

    def watchdog() -> None:
        """Sample the GUI thread's Python stack while the probe timer is over 45 ms late (CNV_BENCH_WATCHDOG=1)."""
        import collections
        import traceback

        main = threading.main_thread().ident
        counts: collections.Counter[str] = collections.Counter()
        result["watchdog"] = counts
        while not state.get("closing"):
            time.sleep(0.005)
            last = state["last"]
            if state["measuring"] and last is not None and time.monotonic() - last > 0.045:
                frame = sys._current_frames().get(main)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-4:]
                    # when the stall began (the stall list gives when the probe ran again, at its end)
                    stall_at = last + 0.010 - state["start"]["t"]
                    counts[f"{stall_at:.2f} s: " + " < ".join(f"{f.name}@{os.path.basename(f.filename)}:{f.lineno}"
                                                             for f in reversed(stack))] += 1

    if os.environ.get("CNV_BENCH_WATCHDOG") == "1":
        threading.Thread(target=watchdog, daemon=True).start()

    def snapshot() -> dict[str, Any]:
        window = state["window"]
        return {"t": time.monotonic(), "sim": window.sim_time or 0.0, "counts": dict(window.render_counts)}

    def memory(label: str) -> None:
        """Read the memory in a thread: walking /proc (psutil's children, smaps) would stall the probed loop."""
        def read() -> None:
            if label == "10s" and os.environ.get("CNV_BENCH_SMAPS") == "1":
                result["smaps_mib"] = _rss_by_mapping()
            worker = _worker(gui)
            result[f"rss_gui_{label}"] = gui.memory_info().rss
            result[f"rss_worker_{label}"] = worker.memory_info().rss if worker is not None else None

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        readers.append(reader)

    def stats_end() -> None:
        state["measuring"] = False
        start, end = state["start"], snapshot()
        wall = end["t"] - start["t"]
        result["stats_seconds"] = wall
        result["sim_rate"] = (end["sim"] - start["sim"]) / wall
        result["rates"] = {vid: (n - start["counts"].get(vid, 0)) / wall for vid, n in end["counts"].items()}
        result["stall_ms"] = state["worst_late"] * 1000
        result["stalls_over_50ms"] = state["stalls"][:24]
        if "watchdog" in result:
            result["watchdog"] = result["watchdog"].most_common(10)
        lat = state["window"].timings.latency()
        result["latency_ms"] = [v * 1000 for v in lat] if lat else None
        result["latency_frames"] = len(state["window"].timings.latencies)
        worst = sorted(state.get("worst_ticks", []), reverse=True)
        result["ticks_over_30ms"] = len(worst)
        result["worst_ticks"] = [f"{1000 * took:.0f} ms: {what}" for took, what in worst[:4]]
        result["time_ms"] = {k: [1000 * sorted(v)[len(v) // 2], 1000 * max(v), 1000 * sum(v) / wall]
                             for k, v in draw_s.items()}
        panel = _main_3d(state["window"])
        result["main_3d"] = panel[0] if panel else None
        if panel is not None:
            control = panel[1].resolution
            result["adaptive_counts"] = {str(k): v for k, v in control.counts.items()}
        if shots:
            _save(state["window"], f"{shots}/{backend}-live.png")

    def _main_3d(window: Any) -> tuple[str, Any] | None:
        """The morphology view (else the first 3-D view) and its panel."""
        views = [(vid, d) for vid, d in window.views.items() if isinstance(d, View3DDrawing)]
        views.sort(key=lambda item: type(item[1]).__name__ != "MorphologyDrawing")
        return (views[0][0], views[0][1].panel) if views else None

    def _save(window: Any, path: str) -> Any:
        return _screen_rgb(window, path)

    def sweep_levels() -> None:
        """Force each resolution level of the main 3-D view for ``level_s`` seconds while live."""
        panel = _main_3d(state["window"])
        if panel is None:
            QTimer.singleShot(0, still)
            return
        control = panel[1].resolution
        levels = list(control.levels)
        budget = control.budget
        result["levels_ms"] = {}
        cpu: dict[float, list[float]] = {}
        clock: list[float] = [0.0]
        window_3d = panel[1].render_window
        # CPU seconds of this process per render (llvmpipe's threads included): less sensitive to load than wall time
        tags = [window_3d.AddObserver("StartEvent", lambda *_: clock.__setitem__(0, time.process_time())),
                window_3d.AddObserver("EndEvent", lambda *_: cpu.setdefault(control.scale, []).append(
                    time.process_time() - clock[0]))]

        def step() -> None:
            if levels:
                level = levels.pop(0)
                control.live_scale_cap, control.budget = level, 1e9
                control.times.pop(level, None)
                QTimer.singleShot(round(level_s * 1000), lambda: collect(level))
            else:
                control.live_scale_cap, control.budget = 1.0, budget
                for tag in tags:
                    window_3d.RemoveObserver(tag)
                still()

        def collect(level: float) -> None:
            times = sorted(control.times.get(level, ()))
            cpus = sorted(cpu.pop(level, ()))
            if times:
                result["levels_ms"][str(level)] = [1000 * times[len(times) // 2], len(times) / level_s,
                                                   1000 * cpus[len(cpus) // 2] if cpus else -1.0]
            cpu.clear()
            step()

        step()

    def still() -> None:
        """Pause the session, let the view go still, save and check the still screenshot, close."""
        window = state["window"]
        if window.scene is not None and "pause" in window.scene.actions:
            window.send(InvokeAction(action_id="pause"))
        else:
            loop = window.findChild(FrameLoop)
            if loop is not None:
                loop.stop()

        def check() -> None:
            panel = _main_3d(window)
            if shots and panel is not None:
                shown = _save(window, f"{shots}/{backend}-still.png")
                widget = panel[1]
                top_left = widget.mapTo(window, widget.rect().topLeft())
                ratio = widget.devicePixelRatioF()
                x, y = round(top_left.x() * ratio), round(top_left.y() * ratio)
                full = widget.image()  # rendered now at full resolution
                h, w = full.shape[:2]
                region = shown[y:y + h, x:x + w]
                result["still_scale"] = widget.resolution.scale
                result["still_identical"] = bool(region.shape == full.shape and (region == full).all())
                result["still_differing_pixels"] = (int((region != full).any(axis=2).sum())
                                                    if region.shape == full.shape else -1)
            window.close()

        QTimer.singleShot(2000, check)

    def first_frame(_seconds: float) -> None:
        result["first_frame_s"] = time.time() - started
        result["first_frame_run_app_s"] = _seconds
        start_stats()

    def start_stats() -> None:
        """The stats begin once the session's own Scene is up (a demo may show its last start's first)."""
        if "session_scene_s" not in result:
            QTimer.singleShot(20, start_stats)
            return
        window = state["window"]
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
        QTimer.singleShot(round(run_s * 1000) + 200, sweep_levels)

    target = transport
    result["run_app_s"] = time.time() - started
    adaptive = os.environ.get("CNV_BENCH_ADAPTIVE", "1") != "0"
    result["adaptive"] = adaptive
    run_app(target, on_window=on_window, on_first_frame=first_frame, size=size, adaptive_resolution=adaptive)
    if "stats_seconds" not in result:
        print("BENCH-JSON " + json.dumps({"error": "the window closed before the stats ended", **result}))
        return 1
    for reader in readers:
        reader.join(timeout=10)
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


def bare_ring(sim_ms: float = 20.0) -> tuple[float, int]:
    """Bare NEURON on the 1,000-cell ring (one process): ``pc.psolve`` over ``sim_ms``, and the segment count."""
    from neuron import h

    from compneurovis.neuron.examples.mpi_ring import MpiRingSession

    session = MpiRingSession()
    session.initialize()
    segments = sum(sec.nseg for sec in h.allsec())
    t0 = h.t
    start = time.perf_counter()
    session.pc.psolve(t0 + sim_ms)
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


def bare_window(size: str = "1400x860", seconds: float = 10.0) -> list[float]:
    """The memory floor of the window's libraries: RSS (bytes) of a bare Qt window after ``seconds``.

    The window holds what ours cannot do without, and nothing of ours: one
    VTK render window with a cone, redrawn 30 times a second, beside one
    pyqtgraph plot with a grid, at ``size``, on the same OpenGL with the same
    llvmpipe thread count. Mesa's LLVM, VTK's and Qt's libraries and their
    buffers make up nearly all of it.
    """
    import numpy as np
    import psutil
    import pyqtgraph as pg
    import vtkmodules.vtkInteractionStyle  # the interactor's default style
    import vtkmodules.vtkRenderingOpenGL2  # noqa: F401 - the OpenGL render window
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication, QMainWindow, QSplitter
    from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
    from vtkmodules.vtkFiltersSources import vtkConeSource
    from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer

    from compneurovis.vtk import leave_a_core_for_the_simulation

    leave_a_core_for_the_simulation()
    app = QApplication.instance() or QApplication([])
    window = QMainWindow()
    split = QSplitter()
    window.setCentralWidget(split)
    view = QVTKRenderWindowInteractor(split)
    split.addWidget(view)
    renderer = vtkRenderer()
    view.GetRenderWindow().AddRenderer(renderer)
    cone, mapper, actor = vtkConeSource(), vtkPolyDataMapper(), vtkActor()
    mapper.SetInputConnection(cone.GetOutputPort())
    actor.SetMapper(mapper)
    renderer.AddActor(actor)
    plot = pg.PlotWidget()
    plot.showGrid(x=True, y=True)
    curve = plot.plot(np.zeros(1000))
    split.addWidget(plot)
    width, _, height = size.partition("x")
    window.resize(int(width), int(height))
    window.show()
    view.Initialize()
    view.Start()

    def redraw() -> None:
        actor.RotateY(3.0)
        view.GetRenderWindow().Render()
        curve.setData(np.random.default_rng().random(1000))

    timer = QTimer()
    timer.timeout.connect(redraw)
    timer.start(33)
    rss: list[float] = []

    def measure() -> None:
        rss.append(float(psutil.Process().memory_info().rss))
        timer.stop()
        app.quit()

    QTimer.singleShot(round(seconds * 1000), measure)
    app.exec()
    view.Finalize()
    return rss


def _run_gui(backend: str, stats_s: float, run_s: float, size: str, level_s: float = 2.0,
             shots: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--gui", backend, "--stats", str(stats_s), "--run", str(run_s), "--size", size,
           "--level-s", str(level_s), "--started", repr(time.time())]
    if shots:
        cmd += ["--shots", shots]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=run_s + 240 + 8 * level_s)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    raise RuntimeError(f"GUI run failed (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}")


def _mark(ok: bool) -> str:
    return "ok  " if ok else "MISS"


def _med(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    n = len(values)
    mid = values[n // 2] if n % 2 else 0.5 * (values[n // 2 - 1] + values[n // 2])
    return mid, values[0], values[-1]


def _fmt(values: list[float], spec: str = ".1f") -> str:
    mid, lo, hi = _med(values)
    return f"{mid:{spec}}" if len(values) == 1 else f"{mid:{spec}} ({lo:{spec}}..{hi:{spec}})"


def report(runs: list[dict[str, Any]], bare_rates: list[float], bare_segments: int, baseline_name: str) -> list[str]:
    """Lines for ``runs`` of one scenario: the median of each number, and its spread (min..max)."""
    gui = runs[0]
    lines = [f"== {gui['backend']}: {gui['segments']} segments in the window ({bare_segments} in the bare model); "
             f"{len(runs)} runs, stats over {gui['stats_seconds']:.1f} s after the first frame, run "
             f"{gui['run_seconds']:.0f} s, window {gui['size']}; median (min..max)"]
    bare = _med(bare_rates)[0]
    ratios = [g["sim_rate"] / bare for g in runs]
    lines.append(f"  {_mark(_med(ratios)[0] >= TARGETS['sim_ratio'])} sim rate in window "
                 f"{_fmt([g['sim_rate'] for g in runs])} ms/s   {baseline_name} {_fmt(bare_rates)} ms/s   ratio "
                 f"{_fmt(ratios, '.2f')} (target >= {TARGETS['sim_ratio']})")
    main = gui.get("main_3d") or "morphology"
    fps = [g["rates"].get(main, 0.0) for g in runs]
    others = sorted({k for g in runs for k in g["rates"]})
    lines.append(f"  {_mark(_med(fps)[0] >= TARGETS['fps_3d'])} 3-D frames/s ({main}) {_fmt(fps)} "
                 f"(target >= {TARGETS['fps_3d']:.0f}); per view: "
                 + ", ".join(f"{k} {_fmt([g['rates'].get(k, 0.0) for g in runs])}/s" for k in others))
    stalls = [g["stall_ms"] for g in runs]
    lines.append(f"  {_mark(_med(stalls)[0] <= TARGETS['stall_ms'])} worst 10 ms-timer lateness "
                 f"{_fmt(stalls, '.0f')} ms (target <= {TARGETS['stall_ms']:.0f})")
    lats = [g["latency_ms"] for g in runs if g["latency_ms"]]
    if lats:
        p95 = [lat[1] for lat in lats]
        lines.append(f"  {_mark(_med(p95)[0] < TARGETS['latency_p95_ms'])} display latency median "
                     f"{_fmt([lat[0] for lat in lats], '.0f')} ms, p95 {_fmt(p95, '.0f')} ms "
                     f"(target p95 < {TARGETS['latency_p95_ms']:.0f})")
    for who in ("gui", "worker"):
        pairs = [(g.get(f"rss_{who}_10s"), g.get(f"rss_{who}_end")) for g in runs]
        pairs = [(a, b) for a, b in pairs if a and b]
        if pairs:
            growth = [b / a - 1 for a, b in pairs]
            ends = [b / 2**20 for _, b in pairs]
            target = f", target < {TARGETS['rss_gui_mib']:.0f} MiB" if who == "gui" else ""
            ok = _med(growth)[0] < TARGETS["mem_growth"] and (who != "gui" or _med(ends)[0] < TARGETS["rss_gui_mib"])
            lines.append(f"  {_mark(ok)} {who} RSS {_fmt([a / 2**20 for a, _ in pairs], '.0f')} MiB at 10 s, "
                         f"{_fmt(ends, '.0f')} MiB at {gui['run_seconds']:.0f} s: growth "
                         f"{_fmt([100 * x for x in growth], '+.1f')} % (target < {TARGETS['mem_growth']:.0%}{target})")
    floors = [(g["floor_rss"], g["rss_gui_10s"]) for g in runs if g.get("floor_rss") and g.get("rss_gui_10s")]
    if floors:
        lines.append(f"  info memory floor: a bare Qt window with one VTK cone and one pyqtgraph plot, same size and "
                     f"GL: RSS {_fmt([f / 2**20 for f, _ in floors], '.0f')} MiB; the window's RSS at 10 s above "
                     f"it: {_fmt([(g - f) / 2**20 for f, g in floors], '.0f')} MiB")
    keys = sorted({k for g in runs for k in g["time_ms"]})
    lines.append("  info GUI thread time (median ms, max ms, ms per wall s; median of runs): " + ", ".join(
        f"{k} " + "/".join(f"{_med([g['time_ms'][k][i] for g in runs if k in g['time_ms']])[0]:.0f}"
                           for i in range(3)) for k in keys))
    levels = sorted({k for g in runs for k in g.get("levels_ms", {})}, key=float, reverse=True)
    if levels:
        def level(k: str, i: int) -> str:
            return _fmt([g["levels_ms"][k][i] for g in runs if k in g.get("levels_ms", {})])

        lines.append(f"  info {main} render per resolution level (each forced {gui.get('level_s', 2):.1f} s while "
                     "live): wall ms / CPU ms (all threads) / renders per s: "
                     + ", ".join(f"{float(k):.2f}: {level(k, 0)} / {level(k, 2)} / {level(k, 1)}" for k in levels))
    counts = [g.get("adaptive_counts") for g in runs if g.get("adaptive_counts")]
    if counts:
        lines.append("  info renders per scale during the stats (adaptive, per run): "
                     + "; ".join(", ".join(f"{float(k):.2f}x{v}" for k, v in sorted(c.items(), reverse=True))
                                 for c in counts))
    for i, g in enumerate(runs):
        if g.get("worst_ticks"):
            lines.append(f"  info run {i + 1}: {g['ticks_over_30ms']} frame-loop ticks over 30 ms; worst (ms each): "
                         + " | ".join(g["worst_ticks"]))
        if g.get("stalls_over_50ms"):
            lines.append(f"  info run {i + 1}: timer stalls over 50 ms (s after the first frame, ms late): "
                         + ", ".join(f"{at:.2f}: {ms}" for at, ms in g["stalls_over_50ms"]))
        if g.get("smaps_mib"):
            lines.append(f"  info run {i + 1}: GUI RSS by mapping at 10 s (MiB): "
                         + ", ".join(f"{k} {v}" for k, v in g["smaps_mib"]))
        for stack, n in g.get("watchdog", []):
            lines.append(f"  info run {i + 1}: GUI stack while over 45 ms late, {n} samples, "
                         f"in the stall that began at {stack}")
    first = [g["first_frame_s"] for g in runs]
    lines.append(f"  {_mark(_med(first)[0] <= TARGETS['first_frame_s'])} first frame {_fmt(first, '.2f')} s after "
                 f"process start ({_fmt([g['first_frame_run_app_s'] for g in runs], '.2f')} s after run_app) "
                 f"(target <= {TARGETS['first_frame_s']:.0f})")
    if all("scene_s" in g for g in runs):
        lines.append(f"  info start-up: imports and interpreter {_fmt([g['run_app_s'] for g in runs], '.2f')} s, "
                     f"first Scene at {_fmt([g['scene_s'] for g in runs], '.2f')} s, the session's own "
                     f"(not the last start's preview) at "
                     f"{_fmt([g.get('session_scene_s', float('nan')) for g in runs], '.2f')} s")
    if any("still_identical" in g for g in runs):
        same = [g.get("still_identical") for g in runs]
        lines.append(f"  {_mark(all(same))} still screenshot identical to a full-resolution render in "
                     f"{sum(bool(x) for x in same)} of {len(same)} runs (differing pixels: "
                     f"{[g.get('still_differing_pixels') for g in runs]})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("neuron", "jaxley", "ring", "both", "all"), default="all",
                        help="both: the CA1 demos; all: also the 100,000-segment ring network (issue targets)")
    parser.add_argument("--gui", choices=("neuron", "jaxley", "ring"), help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=float, default=20.0, help="seconds of stats after the first frame")
    parser.add_argument("--run", type=float, default=62.0, help="seconds to run (memory read at 10 s and here)")
    parser.add_argument("--size", default="1400x860", help="window size WxH (default: run_app's)")
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--jaxley-run", type=float, default=30.0, help="--run for the Jaxley demo")
    parser.add_argument("--ring-run", type=float, default=30.0, help="--run for the ring network")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median and spread reported)")
    parser.add_argument("--level-s", type=float, default=2.0, help="seconds each resolution level is forced")
    parser.add_argument("--shots", default=os.path.join(tempfile.gettempdir(), "bench_live_shots"),
                        help="folder for the live and still screenshots (default: in the temp folder)")
    parser.add_argument("--no-adaptive", action="store_true", help="run_app(adaptive_resolution=False)")
    args = parser.parse_args(argv)
    if args.no_adaptive:
        os.environ["CNV_BENCH_ADAPTIVE"] = "0"
    if args.gui:
        width, _, height = args.size.lower().partition("x")
        return gui_main(args.gui, args.stats, args.run, (int(width), int(height)), args.started, args.level_s,
                        args.shots)
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
    shots = os.path.abspath(args.shots) if args.shots else None
    if args.backend in ("neuron", "both", "all"):
        rates, runs = [], []
        segments = 0
        for _ in range(args.repeat):
            rate, segments = bare_neuron()
            rates.append(rate)
            runs.append(_run_gui("neuron", args.stats, args.run, args.size, args.level_s, shots))
            runs[-1]["floor_rss"] = _in_child("window")[0]
            print(f"bench_live: neuron run {len(runs)} done, load average {os.getloadavg()[0]:.2f}", flush=True)
        out += report(runs, rates, segments, "bare h.fadvance()")
        print("\n".join(out), flush=True)
    if args.backend in ("jaxley", "both", "all"):
        jrun = min(args.jaxley_run, args.run)
        rates, plains, runs = [], [], []
        segments = 0
        for _ in range(args.repeat):
            rate, segments, plain = _in_child("jaxley")
            rates.append(rate)
            plains.append(plain)
            runs.append(_run_gui("jaxley", min(args.stats, jrun - 1), jrun, args.size, args.level_s, shots))
        lines = report(runs, rates, segments, "jit(jx.integrate)")
        lines.insert(2, f"  info plain jx.integrate (not jitted) {_fmt(plains)} ms/s: ratio "
                        f"{_fmt([g['sim_rate'] / p for g, p in zip(runs, plains, strict=True)], '.2f')}")
        out += lines
        print("\n".join(lines), flush=True)
    if args.backend in ("ring", "all"):
        rates, runs = [], []
        segments = 0
        ring_run = min(args.ring_run, args.run)
        for _ in range(args.repeat):
            rate, segments = _in_child("ring")
            rates.append(rate)
            runs.append(_run_gui("ring", min(args.stats, ring_run - 1), ring_run, RING_SIZE, args.level_s, shots))
            print(f"bench_live: ring run {len(runs)} done, load average {os.getloadavg()[0]:.2f}", flush=True)
        lines = report(runs, rates, segments, "bare pc.psolve")
        fps = [g["rates"].get(g.get("main_3d") or "morphology", 0.0) for g in runs]
        after_scene = [g["first_frame_s"] - g["scene_s"] for g in runs if "scene_s" in g]
        lines.insert(1, f"  {_mark(_med(fps)[0] >= RING_TARGETS['fps_3d'])} 100,000-segment network at {RING_SIZE}: "
                        f"3-D frames/s {_fmt(fps)} (target >= {RING_TARGETS['fps_3d']:.0f}), first frame "
                        f"{_fmt(after_scene, '.2f')} s after its Scene arrived (target <= "
                        f"{RING_TARGETS['first_frame_after_scene_s']:.0f}); the lines below judge the CA1 targets")
        out += lines
        print("\n".join(lines), flush=True)
    if shots:
        print(f"bench_live: screenshots (live and still) in {shots}")
    print(f"bench_live: load average after {os.getloadavg()[0]:.2f}")
    return 0


def _in_child(baseline: str) -> list[Any]:
    """Run ``bare_<baseline>()`` of this module in a child process (its model and threads stay out of this one)."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (f"import json,sys; sys.path.insert(0, {here!r}); import bench_live as b; "
            f"print('BARE ' + json.dumps(b.bare_{baseline}()))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith("BARE "):
            return json.loads(line[5:])
    raise RuntimeError(f"bare {baseline} run failed: {proc.stderr[-4000:]}")


if __name__ == "__main__":
    sys.exit(main())
