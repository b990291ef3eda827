"""FastTraceBuffer gives exactly what the core TraceBuffer gives."""

from __future__ import annotations

import numpy as np
import pytest

from compneurovis.core import TraceBuffer
from compneurovis.neuron._trace_buffer import FastTraceBuffer


@pytest.fixture(autouse=True)
def no_leaked_sections():
    yield


@pytest.mark.parametrize("rows", [[0, 1, 2, 3, 4, 5], [4, 1], [0, 1, 2]])
def test_same_as_core(rows):
    rng = np.random.default_rng(0)
    fast, core = FastTraceBuffer(7, rows), TraceBuffer(7, rows)
    t = 0.0
    for k, n in enumerate([1, 3, 4, 10, 2]):
        times = t + np.arange(1, n + 1) * 0.1
        t = times[-1]
        full = rng.normal(size=(n, 7))
        values = full[:, :6]  # strided, like the session's
        np.testing.assert_array_equal(fast.append(times, values), core.append(times, values))
        if k == 2:
            fast.add_row(5 if 5 not in rows else 0)
            core.add_row(5 if 5 not in rows else 0)
        for a, b in zip(fast.snapshot(), core.snapshot(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert len(fast) == len(core)
