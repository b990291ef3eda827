"""Throughput of FieldAppend updates over loopback TCP (`serve` / `connect`) against the worker pipe.

The same session (appends of 10,000 float32 values, started by a command once
the viewer is connected) runs in a `WorkerTransport` (baseline, this run) and
in a `serve` child process watched through `connect`; both are timed from the
start command to the last sample received and decoded.

Target: TCP reaches at least 80% of the worker pipe's throughput.
Run: ``python packages/compneurovis-core/benchmarks/bench_remote.py``.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_transport import N_UPDATES, N_VALUES, PAYLOAD, AppendSource

from compneurovis.core import FieldAppend, InvokeAction, WorkerTransport, connect, serve


class StartedSource(AppendSource):
    """`AppendSource` that waits for a ``go`` action, so that timing starts with the viewer ready."""

    def __init__(self) -> None:
        super().__init__()
        self.go = False

    def is_live(self) -> bool:
        return self.go and super().is_live()

    def handle(self, command: object) -> None:
        self.go = True

    def idle_sleep(self) -> float:
        return 0.001


def _serve_child(queue: mp.Queue, stop: mp.Event) -> None:
    import threading

    done = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), done.set()), daemon=True).start()
    serve(StartedSource, token="bench", on_ready=queue.put, stop=done)


def _receive(transport) -> float:
    while transport.poll(0.2):  # the Scene
        pass
    transport.send(InvokeAction(action_id="go"))
    start = time.perf_counter()
    samples = 0
    while samples < N_UPDATES:
        for update in transport.poll(1.0):
            if isinstance(update, FieldAppend):
                samples += update.values.shape[0]
    return time.perf_counter() - start


def bench_worker() -> float:
    with WorkerTransport(StartedSource) as transport:
        transport.poll(5.0)
        return _receive(transport)


def bench_tcp() -> float:
    ctx = mp.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    process = ctx.Process(target=_serve_child, args=(queue, stop))
    process.start()
    try:
        transport = connect(queue.get(timeout=60))
        try:
            transport.poll(5.0)
            return _receive(transport)
        finally:
            transport.close()
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()


def main() -> None:
    print(f"FieldAppend of {N_VALUES} float32 values ({PAYLOAD / 1e3:.0f} kB), {N_UPDATES} updates, "
          f"worker pipe vs loopback TCP")
    worker = min(bench_worker() for _ in range(3))
    tcp = min(bench_tcp() for _ in range(3))
    for name, seconds in (("worker pipe (baseline)", worker), ("loopback TCP", tcp)):
        print(f"{name:<24} {N_UPDATES * PAYLOAD / seconds / 1e6:9.1f} MB/s {N_UPDATES / seconds:10.0f} updates/s")
    print(f"ratio TCP / worker pipe {worker / tcp:5.2f} (target >= 0.80)")


if __name__ == "__main__":
    main()
