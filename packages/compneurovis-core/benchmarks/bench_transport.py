"""Throughput of FieldAppend updates of 10,000 float32 values, against a raw pipe.

Three numbers, each printed as MB/s and updates/s:

- baseline: a raw ``multiprocessing`` pipe carrying the same 40 kB payloads
  (child ``send_bytes``, parent ``recv_bytes``), measured in this run;
- codec: ``encode`` + ``decode`` of one update, in process;
- transport: a session in a ``WorkerTransport`` emitting the updates, received
  and decoded by the parent (pending appends are merged in bulk).

Target: the transport reaches at least 80% of the raw pipe's throughput.
Run: ``python packages/compneurovis-core/benchmarks/bench_transport.py``.
"""

from __future__ import annotations

import multiprocessing as mp
import time

import numpy as np

from compneurovis.core import BufferedSession, Field, FieldAppend, Scene, WorkerTransport, decode, encode

N_VALUES = 10_000
N_UPDATES = 3_000
PAYLOAD = N_VALUES * 4


def _append(k: int) -> FieldAppend:
    return FieldAppend(field_id="history", append_dim="time",
                       values=np.full((1, N_VALUES), k, np.float32), coord_values=np.array([float(k)]),
                       max_length=N_UPDATES + 1)


class AppendSource(BufferedSession):
    """Emits N_UPDATES appends as fast as it can, then idles."""

    def __init__(self) -> None:
        super().__init__()
        self.k = 0

    def initialize(self) -> Scene:
        return Scene(fields=[Field("history", np.zeros((0, N_VALUES), np.float32), ("time", "segment"),
                                   {"time": np.zeros(0)})])

    def is_live(self) -> bool:
        return self.k < N_UPDATES

    def advance(self) -> None:
        self.k += 1
        self.emit(_append(self.k))


def _raw_sender(conn, n: int) -> None:
    payload = np.ones(N_VALUES, np.float32).tobytes()
    conn.recv_bytes()  # go
    for _ in range(n):
        conn.send_bytes(payload)
    conn.close()


def bench_raw_pipe() -> float:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_raw_sender, args=(child, N_UPDATES))
    process.start()
    parent.send_bytes(b"go")
    start = time.perf_counter()
    for _ in range(N_UPDATES):
        np.frombuffer(parent.recv_bytes(), np.float32)
    elapsed = time.perf_counter() - start
    process.join()
    return elapsed


def bench_codec() -> float:
    update = _append(1)
    start = time.perf_counter()
    for _ in range(N_UPDATES):
        decode(encode(update))
    return time.perf_counter() - start


def bench_transport() -> tuple[float, int]:
    with WorkerTransport(AppendSource) as transport:
        samples = 0
        start = None
        messages = 0
        while samples < N_UPDATES:
            for update in transport.poll(1.0):
                if isinstance(update, FieldAppend):
                    if start is None:
                        start = time.perf_counter() - 1e-9
                    samples += update.values.shape[0]  # time-major: one row per sample
            messages += 1
        assert start is not None
        return time.perf_counter() - start, messages


def _report(name: str, seconds: float, baseline: float | None) -> None:
    mb_s = N_UPDATES * PAYLOAD / seconds / 1e6
    line = f"{name:<22} {mb_s:9.1f} MB/s {N_UPDATES / seconds:10.0f} updates/s"
    if baseline is not None:
        line += f"   ratio to raw pipe {baseline / seconds:5.2f}"
    print(line)


def main() -> None:
    print(f"FieldAppend of {N_VALUES} float32 values ({PAYLOAD / 1e3:.0f} kB), {N_UPDATES} updates")
    raw = min(bench_raw_pipe() for _ in range(3))
    _report("raw pipe (baseline)", raw, None)
    _report("encode+decode", min(bench_codec() for _ in range(3)), raw)
    transport, messages = min(bench_transport() for _ in range(3))
    _report("worker transport", transport, raw)
    print(f"(transport delivered {N_UPDATES} appends in about {messages} polls; target ratio >= 0.80)")


if __name__ == "__main__":
    main()
