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
