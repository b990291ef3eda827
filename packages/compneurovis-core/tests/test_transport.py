import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from cnv_core_sessions import Batched, Counter, DiesHard, Exploding, FailsToStart, Previews, ReadFails

from compneurovis.core import (
    PREVIEW_PREFIX,
    DisplayFrame,
    Error,
    FieldAppend,
    RecordingSession,
    SceneReady,
    SetControl,
    StatePatch,
    Status,
    UpdateCoalescer,
    WorkerTransport,
    is_preview,
    read_recording,
)
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable


def _children():
    """Live worker processes of this test process (not Xvfb, not the resource tracker)."""
    workers = []
    for p in psutil.Process().children(recursive=True):
        try:
            cmdline = " ".join(p.cmdline())
            if p.status() != psutil.STATUS_ZOMBIE and "spawn_main" in cmdline:
                workers.append(p)
        except psutil.NoSuchProcess:
            pass
    return workers


def _collect(transport, until, timeout=60.0):
    updates = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until(updates):
        updates += transport.poll(0.2)
    assert until(updates), f"timed out; got {[type(u).__name__ for u in updates][:20]}"
    return updates


def test_third_party_backend_runs_through_worker_and_takes_commands():
    with WorkerTransport(FitzHughNagumoCable) as transport:
        updates = _collect(transport, lambda us: any(isinstance(u, SceneReady) for u in us))
        scene = next(u for u in updates if isinstance(u, SceneReady)).scene
        transport.send(SetControl(control_id="stimulus", value=1.0))
        updates = _collect(transport, lambda us: any(isinstance(u, StatePatch) for u in us))
        scene.apply_all(updates)
        assert scene.state["stimulus"] == 1.0
        assert scene.fields["segment_history"].shape[0] > 1
        pid = transport.pid
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert _children() == []


def test_the_worker_batches_fast_frames_and_every_step_arrives():
    with WorkerTransport(functools.partial(Batched, history_capture_mode="full", max_samples=100_000)) as transport:
        updates = _collect(transport, lambda us: any(isinstance(u, SceneReady) for u in us))
        ready = next(u for u in updates if isinstance(u, SceneReady))
        scene, updates = ready.scene, updates[updates.index(ready) + 1:]
        updates += _collect(transport, lambda us: sum(
            len(u.coord_values) for u in us if isinstance(u, FieldAppend)) >= 2000)
    assert any(isinstance(u, Status) and u.message == "batched advance allowed" for u in updates)
    scene.apply_all(updates)
    history = scene.fields["segment_history"]
    n = history.shape[0] - 1
    reference = FitzHughNagumoCable()
    reference.initialize()
    reference.stimulus = 0.8
    times, values = reference.step(n)
    np.testing.assert_allclose(history.coords["time"][1:], times)  # every step, in order, none twice
    np.testing.assert_allclose(history.values[1:], values.astype(np.float32), rtol=1e-6)


@pytest.mark.parametrize(("factory", "message"), [
    (Exploding, "RuntimeError: the model exploded on purpose"),
    (FailsToStart, "FileNotFoundError: cell.swc: no such morphology file"),
    (DiesHard, "the session worker exited with code 3 before reporting an error; check the terminal"),
])
def test_a_raising_session_reaches_the_caller_as_an_error_and_the_worker_stops(factory, message):
    transport = WorkerTransport(factory).start()
    try:
        updates = _collect(transport, lambda us: any(isinstance(u, Error) for u in us))
        error = next(u for u in updates if isinstance(u, Error))
        assert error.message.startswith(message) and error.fatal
        assert factory is DiesHard or "Traceback" in error.traceback
        deadline = time.monotonic() + 10
        while transport.is_alive() and time.monotonic() < deadline:
            transport.poll(0.1)
        assert not transport.is_alive()
    finally:
        transport.close()
    assert _children() == []


_UNGUARDED = """
import time
from compneurovis.core import WorkerTransport
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

transport = WorkerTransport(FitzHughNagumoCable).start()
deadline = time.monotonic() + 30
while not transport.finished and time.monotonic() < deadline:
    for update in transport.poll(0.2):
        print(type(update).__name__, getattr(update, "message", ""), flush=True)
transport.close()
"""


@pytest.mark.parametrize("guarded", [False, True])
def test_a_script_without_a_main_guard_is_told_so(tmp_path, guarded):
    source = _UNGUARDED if not guarded else "if __name__ == '__main__':\n" + "".join(
        f"    {line}\n" for line in _UNGUARDED.strip().splitlines())
    if guarded:  # a guarded script whose session fails at once still gets the generic notice
        source = source.replace("FitzHughNagumoCable).start()", "DiesHardAtOne).start()")
        source = "import os\nclass DiesHardAtOne:\n    def __new__(cls):\n        os._exit(1)\n" + source
    script = tmp_path / "unguarded.py"
    script.write_text(source)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    errors = [line for line in run.stdout.splitlines() if line.startswith("Error ")]
    assert len(errors) == 1, run.stdout + run.stderr
    if guarded:
        assert "exited with code 1 before reporting an error; check the terminal" in errors[0]
        assert "if __name__" not in errors[0]
    else:
        assert f"{script} starts it outside an `if __name__ == \"__main__\":` block" in errors[0]
        assert "put the code that starts the session under that block" in errors[0]


def test_slow_consumer_loses_no_history_and_sees_the_newest_display():
    transport = WorkerTransport(Counter).start()
    try:
        received = _collect(transport, lambda us: any(isinstance(u, SceneReady) for u in us))
        scene = received.pop(0).scene
        time.sleep(1.5)  # fall behind: the worker keeps simulating
        for _ in range(20):
            batch = transport.poll(0.2)
            received += batch
            time.sleep(0.05)
        scene.apply_all([u for u in received if not isinstance(u, SceneReady)])
    finally:
        transport.close()
    history = scene.fields["history"]
    k = history.values[:, 0]
    n = k.size
    assert n > 200, "the worker was blocked by the slow consumer"
    np.testing.assert_array_equal(k, np.arange(1, n + 1))  # nothing lost, nothing reordered
    np.testing.assert_array_equal(history.coords["time"], np.arange(1, n + 1))
    replaces = [u for u in received if isinstance(u, DisplayFrame)]
    appends = [u for u in received if isinstance(u, FieldAppend)]
    assert len(appends) < n, "appends were not merged"
    assert replaces[-1].values[0] == appends[-1].coord_values[-1]  # display shows the newest frame
    assert _children() == []


def test_coalescer_result_applies_to_the_same_scene():
    from cnv_core_sessions import Counter as C

    session = C()
    scene_a = session.initialize()
    scene_b = session.initialize()
    updates = []
    for _ in range(50):
        session.advance()
        updates += session.read_updates()
    coalescer = UpdateCoalescer()
    folded = coalescer.coalesce([SceneReady(scene=scene_b), *updates])[1:]
    assert len(folded) == 2
    scene_a.apply_all(updates)
    scene_b.apply_all(folded)
    for fid in ("display", "history"):
        np.testing.assert_array_equal(scene_a.fields[fid].values, scene_b.fields[fid].values)


def test_a_failing_read_updates_reaches_the_caller_with_its_own_traceback():
    transport = WorkerTransport(ReadFails).start()
    try:
        updates = _collect(transport, lambda us: any(isinstance(u, Error) for u in us))
    finally:
        transport.close()
    errors = [u for u in updates if isinstance(u, Error)]
    assert len(errors) == 1 and errors[0].fatal
    assert errors[0].message == "ValueError: read_updates failed on purpose at step 5"
    assert "in read_updates" in errors[0].traceback
    assert any(isinstance(u, SceneReady) for u in updates)
    assert _children() == []


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pids, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(_gone(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if not _gone(p)]


PARENT_SCRIPT = Path(__file__).with_name("worker_parent.py")
CASES = [
    ("SleepsInInit", "main"),  # the kernel's parent-death signal (Linux) or the watchdog
    ("SleepsInInit", "thread"),  # started from another thread: the watchdog thread alone
    ("MarksShutdown", "main"),  # killed mid-run: a clean shutdown of the session
    ("MarksShutdown", "thread"),
]
if sys.platform.startswith("linux"):
    CASES.append(("HoldsGilInInit", "main"))  # a C call that keeps the GIL: only the kernel can help


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL of a process is POSIX")
@pytest.mark.parametrize(("session", "started_from"), CASES)
def test_a_killed_parent_leaves_no_worker_and_no_resource_tracker(session, started_from, tmp_path):
    mark = tmp_path / "shutdown"
    parent = subprocess.Popen([sys.executable, str(PARENT_SCRIPT), session, started_from], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "CNV_TEST_SHUTDOWN_MARK": str(mark)})
    try:
        worker = int(parent.stdout.readline())
        if session == "MarksShutdown":
            assert parent.stdout.readline() == "running\n"
        time.sleep(1.5)  # into initialize() or the running loop; a thread-started worker survives its starter
        assert not _gone(worker)
        family = [p.pid for p in psutil.Process(parent.pid).children(recursive=True)]
        assert worker in family and len(family) == 2, family  # the worker and multiprocessing's resource tracker
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        left = _wait_gone(family, 2.5)  # the worker notices within 2 s; the tracker then sees its pipe close
        assert left == [], [psutil.Process(p).cmdline() for p in left]
        if session == "MarksShutdown":
            assert mark.read_text() == "clean"  # shutdown() ran: a recording would be closed complete
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()
        for pid in _wait_gone(family if "family" in locals() else [], 0):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to one process is POSIX")
def test_ctrl_c_in_the_terminal_is_left_to_the_frontend():
    """The terminal's Ctrl+C reaches the whole process group; the worker ignores it and keeps running."""
    with WorkerTransport(Counter) as transport:
        _collect(transport, lambda us: any(isinstance(u, SceneReady) for u in us))
        os.kill(transport.pid, signal.SIGINT)
        time.sleep(0.3)
        transport.poll(0.2)
        updates = _collect(transport, lambda us: any(isinstance(u, FieldAppend) for u in us))
        assert transport.is_alive() and not any(isinstance(u, Error) for u in updates)
    assert _children() == []


def _check_preview_then_scene(preview, scene):
    """A preview: the session's own entities, grey (NaN), with its status; then the session's own Scene."""
    assert is_preview(preview) and preview.status == PREVIEW_PREFIX + Previews.status and not is_preview(scene)
    shown, own = preview.geometries["morphology"], scene.geometries["morphology"]
    assert shown.entity_ids == own.entity_ids
    np.testing.assert_array_equal(shown.start, own.start)
    assert np.isnan(preview.fields["segment_display"].values).all()
    assert np.isfinite(scene.fields["segment_display"].values).all()


def test_a_sessions_preview_is_shown_before_its_first_scene_and_never_recorded(tmp_path):
    path = tmp_path / "run.h5"
    factory = functools.partial(RecordingSession, Previews, path)
    with WorkerTransport(factory) as transport:
        started = time.monotonic()
        updates = _collect(transport, lambda us: sum(isinstance(u, SceneReady) for u in us) == 1)
        preview_at = time.monotonic() - started
        updates += _collect(transport, lambda us: any(isinstance(u, SceneReady) for u in us))
        scene_at = time.monotonic() - started
    preview, scene = (u.scene for u in updates if isinstance(u, SceneReady))
    _check_preview_then_scene(preview, scene)
    assert scene_at - preview_at > 0.5 * Previews.delay  # the preview came while the model was still starting
    assert not is_preview(read_recording(path).scene)  # the file starts with the session's own Scene
