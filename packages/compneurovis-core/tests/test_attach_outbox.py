"""`SendWhenReady`: what ``show()`` sends from the user's process, at most ``rate`` batches a second."""

from __future__ import annotations

import socket
import time
from multiprocessing.connection import Connection

import numpy as np

from compneurovis.core import DisplayFrame, FieldAppend, decode
from compneurovis.core._attach_outbox import SendWhenReady


def _pair():
    a, b = socket.socketpair()
    return Connection(a.detach()), Connection(b.detach())


def _frame(k: int) -> DisplayFrame:
    return DisplayFrame(field_id="d", values=np.full(4, k, dtype=np.float32), sim_time=float(k))


def _append(k: int) -> FieldAppend:
    return FieldAppend(field_id="h", append_dim="time", values=np.full((1, 2), k, dtype=np.float32),
                       coord_values=np.array([float(k)]), max_length=1000, sim_time=float(k))


def test_frames_between_batches_are_coalesced_and_the_last_one_arrives_without_another_put():
    here, there = _pair()
    out = SendWhenReady(here, rate=5.0)  # one batch per 200 ms
    try:
        out.put([_frame(0), _append(0)])  # due: sent at once
        for k in range(1, 50):
            out.put([_frame(k), _append(k)])  # not due: pending
        first = decode(there.recv_bytes())
        assert [u.sim_time for u in first if isinstance(u, DisplayFrame)] == [0.0]
        batches = []
        while not batches or not any(isinstance(u, DisplayFrame) and u.sim_time == 49.0 for u in batches[-1]):
            assert there.poll(5.0), "the helper sends what was left once it is due, with no further put()"
            batches.append(decode(there.recv_bytes()))
        frames = [u for batch in batches for u in batch if isinstance(u, DisplayFrame)]
        assert len(frames) <= len(batches) < 49  # superseded frames skipped: at most one per batch
        # history is never dropped: every row, in order (merged into fewer blocks)
        rows = np.concatenate([np.asarray(u.values)[:, 0] for b in batches for u in b if isinstance(u, FieldAppend)])
        np.testing.assert_array_equal(rows, np.arange(1, 50, dtype=np.float32))
    finally:
        out.close()
        here.close()
        there.close()


def test_close_sends_what_is_pending_and_a_gone_reader_is_no_error():
    here, there = _pair()
    out = SendWhenReady(here, rate=1.0)
    out.put([_frame(1)])
    out.put([_frame(2)])  # within the second: pending
    out.close()
    got = [decode(there.recv_bytes()) for _ in range(2)]
    assert [u.sim_time for batch in got for u in batch] == [1.0, 2.0]
    there.close()
    here2, there2 = _pair()
    out2 = SendWhenReady(here2, rate=1000.0)
    there2.close()
    deadline = time.monotonic() + 2.0
    while not out2.broken and time.monotonic() < deadline:
        out2.put([_frame(3)])
        time.sleep(0.01)
    assert out2.broken
    out2.close()
    here2.close()
