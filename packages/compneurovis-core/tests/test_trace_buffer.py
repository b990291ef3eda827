"""TraceBuffer keeps exactly the last ``capacity`` samples of the traced rows."""

import numpy as np
import pytest

from compneurovis.core import TraceBuffer


@pytest.mark.parametrize("rows", [[0, 1, 2, 3, 4, 5], [4, 1], [0, 1, 2]])
def test_matches_a_plain_list_of_every_sample(rows):
    rng = np.random.default_rng(0)
    buffer = TraceBuffer(7, rows)
    traced = list(rows)
    seen_times, seen = [], []  # every sample ever appended, per traced row (NaN before a row existed)
    t = 0.0
    for k, n in enumerate([1, 3, 4, 10, 2]):
        times = t + np.arange(1, n + 1) * 0.1
        t = times[-1]
        values = rng.normal(size=(n, 7))[:, :6]  # strided, as a simulator's view can be
        block = buffer.append(times, values)
        np.testing.assert_array_equal(block, values[:, traced].astype(np.float32))  # time-major
        seen_times += list(times)
        seen += [row[traced].astype(np.float32) for row in values]
        if k == 2:
            new = 5 if 5 not in traced else 0
            buffer.add_row(new)
            traced.append(new)
            seen = [np.append(s, np.float32(np.nan)) for s in seen]
        got_times, got = buffer.snapshot()
        np.testing.assert_array_equal(got_times, seen_times[-7:])
        np.testing.assert_array_equal(got, np.array(seen[-7:]))
        assert len(buffer) == min(7, len(seen_times))


def test_many_small_and_large_blocks_keep_exactly_the_last_capacity_samples():
    rng = np.random.default_rng(1)
    capacity = 50
    buffer = TraceBuffer(capacity, [2, 0])
    every_time, every_value = [], []
    for i, k in enumerate(rng.integers(1, 9, size=400)):  # 400 small blocks: merged in runs of 64
        times = i * 10.0 + np.arange(k)
        values = rng.normal(size=(k, 3))
        buffer.append(times, values)
        every_time += list(times)
        every_value += [row[[2, 0]].astype(np.float32) for row in values]
        assert len(buffer._blocks) <= TraceBuffer._MERGE_RUN + capacity
    times, values = buffer.snapshot()
    np.testing.assert_array_equal(times, every_time[-capacity:])
    np.testing.assert_array_equal(values, np.array(every_value[-capacity:]))


def test_a_block_handed_over_is_kept_without_a_copy_and_old_blocks_are_dropped():
    buffer = TraceBuffer(10, np.arange(4))
    blocks = [np.full((4, 4), i, dtype=np.float32) for i in range(6)]
    for i, block in enumerate(blocks):
        assert buffer.append(np.arange(4.0) + 4 * i, block) is block
    assert sum(v.shape[0] for _, v in buffer._blocks) < 10 + 4  # only what the last 10 samples need
    times, values = buffer.snapshot()
    np.testing.assert_array_equal(times, np.arange(14.0, 24.0))
    np.testing.assert_array_equal(values[:, 0], [3, 3, 4, 4, 4, 4, 5, 5, 5, 5])


def test_a_buffer_that_does_not_keep_history_holds_only_the_newest_block():
    buffer = TraceBuffer(10, np.arange(3), keep_history=False)
    for i in range(5):
        block = np.full((4, 3), i, dtype=np.float32)
        assert buffer.append(np.arange(4.0) + 4 * i, block) is block  # still no copy
    assert len(buffer._blocks) == 1 and len(buffer) == 4
    times, values = buffer.snapshot()
    np.testing.assert_array_equal(times, np.arange(16.0, 20.0))
    np.testing.assert_array_equal(values, np.full((4, 3), 4, dtype=np.float32))
