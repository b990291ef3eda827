"""A NEURON network under ``mpiexec -n 2``: rank 0's updates against every rank's own ``Vector.record``.

Each test starts ``mpiexec`` (the ``mpich`` wheel's) on `cnv_mpi_child.py`
in its own process group, bounded by a timeout; the group is killed if the
job outlives it, so no rank is left behind.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cnv_mpi_launch import mpi_command, read_lines

from compneurovis.core import SetControl

CHILD = Path(__file__).with_name("cnv_mpi_child.py")
TIMEOUT = 90.0


def _run(ranks: int, mode: str, out: Path) -> subprocess.CompletedProcess[str]:
    command, env = mpi_command(ranks, [sys.executable, str(CHILD), mode, str(out)])
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        stdout, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, _ = proc.communicate()
        pytest.fail(f"mpiexec -n {ranks} {mode} did not end within {TIMEOUT} s:\n{stdout[-4000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return subprocess.CompletedProcess(command, proc.returncode, stdout, "")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same network on 2 ranks and on 1 rank: ``{ranks: (out dir, stdout)}``."""
    done = {}
    for ranks in (2, 1):
        out = tmp_path_factory.mktemp(f"mpi{ranks}")
        result = _run(ranks, "ok", out)
        assert result.returncode == 0, result.stdout[-4000:]
        done[ranks] = out
    return done


def _owning_rank_records(out: Path, ids: list[str], times: np.ndarray) -> tuple[np.ndarray, set[int]]:
    """Every entity's ``Vector.record`` on the rank that owns it, at ``times``: ``(len(times), n)`` float32."""
    expected = np.full((times.size, len(ids)), np.nan, dtype=np.float32)
    index = {eid: i for i, eid in enumerate(ids)}
    ranks = set()
    for path in sorted(out.glob("rank*.npz")):
        rec = np.load(path)
        ranks.add(int(path.stem[4:]))
        at = np.searchsorted(rec["t"], times - 1e-9)
        assert np.allclose(rec["t"][at], times, atol=1e-9, rtol=0)
        cols = [index[eid] for eid in rec["ids"]]
        expected[:, cols] = rec["v"][:, at].T.astype(np.float32)
    return expected, ranks


def test_every_value_rank_0_emits_is_the_owning_ranks_vector_record(runs):
    root = np.load(runs[2] / "root.npz")
    ids = [str(e) for e in root["ids"]]
    assert len(ids) == len(set(ids)) == 8 * 6  # 8 cells of 6 segments, ids unique across ranks
    assert ids[0] == "0/cell0.soma[0]" and "1/cell1.soma[0]" in ids  # prefixed by gid
    frames, ranks = _owning_rank_records(runs[2], ids, root["frame_t"])
    assert ranks == {0, 1}
    np.testing.assert_array_equal(root["frame_v"], frames)  # display frames, all cells of both ranks
    history, _ = _owning_rank_records(runs[2], ids, root["hist_t"])
    np.testing.assert_array_equal(root["hist_v"], history)  # FULL history, every step
    assert root["hist_t"].size == 100 * 10 and root["errors"].size == 0


def test_on_demand_history_of_segments_on_both_ranks_is_their_vector_record(tmp_path):
    result = _run(2, "on_demand", tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    root = np.load(tmp_path / "root.npz")
    ids = [str(e) for e in root["ids"]]
    frames, _ = _owning_rank_records(tmp_path, ids, root["frame_t"])
    np.testing.assert_array_equal(root["frame_v"], frames)  # every segment of both ranks at each frame's end
    traced = [str(e) for e in root["traced"]]
    assert len(traced) >= 3 and ids[2] in traced and ids[-1] in traced
    history, _ = _owning_rank_records(tmp_path, ids, root["hist_t"])
    assert root["hist_t"].size == 100 * 10  # every step
    np.testing.assert_array_equal(root["hist_v"], history[:, [ids.index(e) for e in traced]])


def test_a_control_reaches_every_rank(runs):
    for path in runs[2].glob("rank*.npz"):
        np.testing.assert_array_equal(np.load(path)["weights"], 0.06)


def test_spikes_of_two_ranks_equal_one_rank_and_the_raster(runs):
    two, one = np.load(runs[2] / "root.npz"), np.load(runs[1] / "root.npz")
    assert list(two["cells"]) == list(one["cells"]) == [f"cell{g}" for g in range(8)]  # raster rows in gid order
    assert list(two["populations"]) == ["driver"] + ["ring"] * 7
    assert two["spike_t"].size >= 4  # the ring carries the spike round several cells
    np.testing.assert_array_equal(two["spike_t"], one["spike_t"])
    np.testing.assert_array_equal(two["spike_cell"], one["spike_cell"])
    np.testing.assert_array_equal(two["raster_t"], two["spike_t"])  # what the raster view reads
    np.testing.assert_array_equal(two["raster_cell"], two["spike_cell"])
    # the spikes are each soma's own threshold crossings (10 mV) in its owning rank's record
    ids = [str(e) for e in two["ids"]]
    for t, cell in zip(two["spike_t"], two["spike_cell"], strict=True):
        soma = f"{cell}/cell{cell}.soma[0]"
        for path in runs[2].glob("rank*.npz"):
            rec = np.load(path)
            if soma in list(rec["ids"]):
                v = rec["v"][list(rec["ids"]).index(soma)]
                k = int(np.searchsorted(rec["t"], t - 1e-9))
                assert v[k - 1] < 10.0 <= v[k + 1], (soma, t)
    assert len(ids) == 48


@pytest.mark.parametrize(("mode", "message"), [("raise1", "RuntimeError: boom on rank 1"),
                                             ("build1", "ValueError: bad cell parameters on rank 1")])
def test_a_rank_that_raises_ends_the_job_with_its_message(tmp_path, mode, message):
    """Rank 1 raises mid-run (before NEURON's collective psolve) or while building its cells."""
    result = _run(2, mode, tmp_path)
    assert result.returncode != 0
    # rank 0 got rank 1's error as the message a viewer would see, then every rank left
    _, _, rest = result.stdout.partition("ERROR-UPDATE: ")
    assert rest.startswith("rank 1 of 2 raised") and message in rest, result.stdout[-3000:]


def _read_url(job: subprocess.Popen[str]) -> str:
    """The URL rank 0 prints, within `TIMEOUT`."""
    seen = []
    lines = read_lines(job)
    deadline = time.monotonic() + TIMEOUT
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if line.startswith("URL "):
            return line.split()[1]
    pytest.fail("the job did not serve:\n" + "".join(seen[-30:]))


def test_a_viewer_of_rank_0s_server_sees_every_ranks_values(tmp_path):
    """``mpiexec -n 2``: rank 0 serves over TCP, a viewer connects, sees both ranks' cells, pauses the job."""
    from compneurovis.core import (
        DisplayFrame,
        EntityClicked,
        FieldAppend,
        FieldReplace,
        InvokeAction,
        SceneReady,
        StatePatch,
        connect,
    )

    child = Path(__file__).with_name("cnv_mpi_serve_child.py")
    command, env = mpi_command(2, [sys.executable, str(child), str(tmp_path), "secret-token"])
    job = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    frames, history = [], []
    try:
        url = _read_url(job)
        with connect(url) as viewer:
            scene, patched, deadline = None, False, time.monotonic() + TIMEOUT
            while time.monotonic() < deadline and (scene is None or len(frames) < 20 or not patched
                                                   or sum("1/cell1.dend[2]" in h[0] for h in history) < 20):
                for update in viewer.poll(0.2):
                    if isinstance(update, SceneReady):
                        scene = update.scene
                        traced = list(scene.fields["segment_history"].coords["segment"])
                        viewer.send(SetControl(control_id="weight", value=0.07))
                        viewer.send(EntityClicked(entity_id="1/cell1.dend[2]"))  # a segment of rank 1
                    elif isinstance(update, FieldReplace) and update.field_id == "segment_history":
                        traced = list(update.coords["segment"])
                    elif isinstance(update, FieldAppend) and update.field_id == "segment_history":
                        history.append((list(traced), np.asarray(update.coord_values), np.asarray(update.values)))
                    elif isinstance(update, DisplayFrame):
                        frames.append((update.sim_time, np.asarray(update.values)))
                    elif isinstance(update, StatePatch) and update.values.get("weight") == 0.07:
                        patched = True
            viewer.send(InvokeAction(action_id="pause"))
            assert scene is not None and len(frames) >= 20 and patched
        ids = list(scene.geometries["morphology"].entity_ids)
        assert len(ids) == 48
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGTERM)  # the server stops; rank 0 tells rank 1 to stop
        try:
            job.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
        job.stdout.close()
    assert job.returncode == 0
    times = np.array([t for t, _ in frames])
    expected, ranks = _owning_rank_records(tmp_path, ids, times)
    assert ranks == {0, 1}
    np.testing.assert_array_equal(np.stack([v for _, v in frames]), expected)
    for path in tmp_path.glob("rank*.npz"):  # the control reached both ranks
        np.testing.assert_array_equal(np.load(path)["weights"], 0.07)
    # history: every step of the traced segments, rank 1's clicked one included, equal to its Vector.record
    both = [(ids_, t, v) for ids_, t, v in history if "1/cell1.dend[2]" in ids_]
    assert both and sum(t.size for _, t, _ in both) >= 100
    for traced_ids, t, v in both:
        expected, _ = _owning_rank_records(tmp_path, ids, t)
        np.testing.assert_array_equal(v, expected[:, [ids.index(e) for e in traced_ids]])
