"""The CA1 demo served over loopback TCP against the same demo in a local worker.

Measured at the viewer, in one run: simulated ms per wall second (from the
display frames' ``sim_time``) over a fixed window after a warm-up, for

1. local: ``WorkerTransport(CA1Session)`` polled by this process (baseline);
2. served with one viewer: ``serve(CA1Session)`` in a child process, ``connect`` here;
3. served with four viewers (this process and three viewer processes, each
   watching before this process starts to measure).

Also the display latency (receive time minus the frame's ``produced_at``, both
``time.monotonic`` on this machine) p95 per mode. Local and served runs
alternate ``repeats`` times and the best of each is kept.
Targets: served / local >= 0.90 with one viewer, >= 0.85 with four; p95 latency < 100 ms.

    python packages/compneurovis-neuron/benchmarks/bench_remote_ca1.py [window_s] [repeats]
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
import time

import numpy as np

from compneurovis.core import DisplayFrame, WorkerTransport, connect, serve
from compneurovis.neuron.examples.swc import CA1Session

WARMUP_S = 2.0


def _serve_child(queue: mp.Queue, stop: mp.Event) -> None:
    done = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), done.set()), daemon=True).start()
    serve(CA1Session, token="bench", on_ready=queue.put, stop=done)


def _watch(transports: list, window: float) -> tuple[float, list[float]]:
    """Sim ms per second seen by the first transport, and every frame's latency, over ``window`` seconds."""
    first: tuple[float, float] | None = None
    last: tuple[float, float] | None = None
    latencies: list[float] = []
    start: float | None = None  # the first display frame (the model is built by then)
    give_up = time.monotonic() + 300
    while time.monotonic() < give_up and (start is None or time.monotonic() - start < WARMUP_S + window):
        for i, transport in enumerate(transports):
            for update in transport.poll(0.005):
                if not isinstance(update, DisplayFrame) or update.sim_time is None:
                    continue
                now = time.monotonic()
                start = start or now
                if now - start < WARMUP_S:
                    continue
                if update.produced_at is not None:
                    latencies.append(now - update.produced_at)
                if i == 0:
                    first = first or (now, update.sim_time)
                    last = (now, update.sim_time)
    assert first is not None and last is not None and last[0] > first[0], "no frames arrived"
    return (last[1] - first[1]) / (last[0] - first[0]), latencies


def local(window: float) -> tuple[float, list[float]]:
    with WorkerTransport(CA1Session) as transport:
        return _watch([transport], window)


def _viewer_child(url: str, window: float, ready: mp.Queue, results: mp.Queue) -> None:
    transport = connect(url)
    try:
        while not any(isinstance(u, DisplayFrame) for u in transport.poll(0.1)):
            pass
        ready.put(True)  # started and watching: its start-up (imports) is not counted against the session
        results.put(_watch([transport], window))
    finally:
        transport.close()


def served(window: float, viewers: int) -> tuple[float, list[float]]:
    """The first viewer is this process; the others are processes of their own, as real viewers are."""
    ctx = mp.get_context("spawn")
    queue, stop, ready, results = ctx.Queue(), ctx.Event(), ctx.Queue(), ctx.Queue()
    process = ctx.Process(target=_serve_child, args=(queue, stop))
    process.start()
    others = []
    transport = None
    try:
        url = queue.get(timeout=120)
        others = [ctx.Process(target=_viewer_child, args=(url, window, ready, results)) for _ in range(viewers - 1)]
        for other in others:
            other.start()
        for _ in others:
            ready.get(timeout=120)
        transport = connect(url)
        rate, latencies = _watch([transport], window)
        for _ in others:
            latencies += results.get(timeout=300)[1]
        return rate, latencies
    finally:
        if transport is not None:
            transport.close()
        for other in others:
            other.join(30)
        stop.set()
        process.join(20)
        if process.is_alive():
            process.kill()
            process.join()


def main() -> None:
    window = float(sys.argv[1]) if len(sys.argv) > 1 else 6.0
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    best: dict[str, float] = {}
    lat: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, run in (("local worker", lambda: local(window)), ("served, 1 viewer", lambda: served(window, 1)),
                          ("served, 4 viewers", lambda: served(window, 4))):
            rate, latencies = run()
            print(f"  {name:<18} {rate:8.2f} sim ms/s   p95 latency {np.percentile(latencies, 95) * 1e3:6.1f} ms")
            best[name] = max(best.get(name, 0.0), rate)
            lat.setdefault(name, []).extend(latencies)
    base = best["local worker"]
    print(f"CA1 demo, best of {repeats} ({window:g} s windows):")
    for name, rate in best.items():
        p95 = np.percentile(lat[name], 95) * 1e3
        print(f"{name:<20} {rate:8.2f} sim ms/s  ratio {rate / base:5.2f}  display latency p95 {p95:6.1f} ms")
    print("targets: 1 viewer >= 0.90, 4 viewers >= 0.85, p95 < 100 ms")


if __name__ == "__main__":
    main()
