from __future__ import annotations

import os
import time

import numpy as np
import pytest
from cnv_jaxley_testmodels import NoCells, ReportsJaxConfig, TinyHH

from compneurovis.core import DisplayFrame, Error, Reset, SceneReady, SetControl, Status, WorkerTransport


def _collect(transport, until, timeout=120.0):
    """Poll until ``until(updates)`` holds; return every update seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while not until(seen):
        assert time.monotonic() < deadline, f"timed out; saw {[type(u).__name__ for u in seen]}"
        assert not transport.finished, f"worker ended; saw {[type(u).__name__ for u in seen]}"
        seen.extend(transport.poll(timeout=0.5))
    return seen


def _assert_gone(pid):
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_bad_input_through_the_worker():
    transport = WorkerTransport(TinyHH)
    with transport:
        _collect(transport, lambda s: any(isinstance(u, SceneReady) for u in s))
        transport.send(SetControl(control_id="nope", value=1.0))
        seen = _collect(transport, lambda s: any(isinstance(u, Error) for u in s))
        error = next(u for u in seen if isinstance(u, Error))
        assert "nope" in error.message and not error.fatal
        _collect(transport, lambda s: sum(isinstance(u, DisplayFrame) for u in s) >= 2)  # still running

        transport.send(SetControl(control_id="cm", value=0.0))
        seen = _collect(transport, lambda s: any(isinstance(u, Error) and "NaN" in u.message for u in s))
        assert not any(isinstance(u, Error) and u.fatal for u in seen)

        transport.send(SetControl(control_id="cm", value=1.0))
        transport.send(Reset())

        def finite_frame(updates):
            frames = [u for u in updates if isinstance(u, DisplayFrame) and u.field_id == "segment_display"
                      and u.sim_time > 1.0]
            return bool(frames) and np.all(np.isfinite(frames[-1].values))

        _collect(transport, finite_frame)
        pid = transport.pid
    assert not transport.is_alive()
    _assert_gone(pid)


def test_empty_cell_list_is_a_fatal_error_not_a_hang():
    transport = WorkerTransport(NoCells)
    with transport:
        seen = _collect(transport, lambda s: any(isinstance(u, Error) for u in s), timeout=60.0)
        error = next(u for u in seen if isinstance(u, Error))
        assert error.fatal and "no cells" in error.message and "ValueError" in error.message
        pid = transport.pid
    assert not transport.is_alive()
    _assert_gone(pid)


def test_worker_runs_jax_in_double_precision_on_one_xla_thread_with_a_cache(tmp_path, monkeypatch):
    """JaxleySession's defaults in a worker: float64 (no NaN after seconds of HH), one XLA thread,
    compilations kept on disk for the next start."""
    # the spawned worker inherits the environment: no cache configured, ours in tmp_path
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    monkeypatch.setenv("CNV_TEST_JAX_CACHE", str(tmp_path))
    with WorkerTransport(ReportsJaxConfig) as transport:
        seen = _collect(transport, lambda s: any(isinstance(u, Status) and "|" in u.message for u in s))
        _collect(transport, lambda s: sum(isinstance(u, DisplayFrame) for u in s) >= 3)  # it steps
    report = next(u.message for u in seen if isinstance(u, Status) and "|" in u.message)
    flags, dtype, worker, cache, cpus, xla_cpus = report.split("|")
    assert worker == "1"
    # one CPU for the whole worker, XLA's thread pool included (its flags alone no longer bound it)
    assert int(cpus) == 1 and int(xla_cpus) <= 1, report
    assert dtype == "float64"
    assert "intra_op_parallelism_threads=1" in flags and "--xla_cpu_multi_thread_eigen=false" in flags
    assert cache == str(tmp_path)
    assert any(tmp_path.iterdir()), "the compiled step function was written to the cache"
