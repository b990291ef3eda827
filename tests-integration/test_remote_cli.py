"""``compneurovis serve`` / ``connect`` over loopback with the real NEURON CA1 demo and the FitzHugh-Nagumo example."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compneurovis.core import FieldAppend, SceneReady, WorkerTransport, connect, read_recording

CA1 = "neuron-swc"
VIEWER = """
import sys, time
from compneurovis.core import connect
t = connect(sys.argv[1])
print("watching", flush=True)
while not t.finished:
    t.poll(0.1)
"""


@contextlib.contextmanager
def _serve(tmp_path: Path, *target: str, extra: tuple[str, ...] = ()):
    err = (tmp_path / "serve.err").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "compneurovis", "serve", *target, *extra], stdout=subprocess.PIPE,
                            stderr=err, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("compneurovis connect tcp://"), (tmp_path / "serve.err").read_text()
        yield proc, line.split()[-1]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        proc.stdout.close()
        err.close()


def _history(updates, times: dict[float, np.ndarray], scene=None) -> None:
    """Collect history rows by time from SceneReady's history field and every FieldAppend."""
    for u in updates:
        if isinstance(u, SceneReady):
            f = u.scene.fields["segment_history"]
            for t, row in zip(f.coords["time"], f.values, strict=True):
                times[float(t)] = row
        elif isinstance(u, FieldAppend) and u.field_id == "segment_history":
            for t, row in zip(u.coord_values, u.values, strict=True):
                times[float(t)] = row


def _collect(transport, until, timeout=120.0, into=None):
    updates = [] if into is None else into
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until(updates):
        updates += transport.poll(0.2)
    assert until(updates), f"timed out after {len(updates)} updates"
    return updates


def _sim_time(updates) -> float:
    return max((u.sim_time for u in updates if getattr(u, "sim_time", None) is not None), default=0.0)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.requires("launcher", "neuron")
def test_ca1_served_gives_the_same_values_as_a_local_worker_to_several_viewers(tmp_path):
    with _serve(tmp_path, "demo", CA1) as (_proc, url):
        a, b = connect(url), connect(url)
        try:
            got_a = _collect(a, lambda us: _sim_time(us) > 20)
            got_b = _collect(b, lambda us: _sim_time(us) > 20)
        finally:
            a.close()
            b.close()
    remote_a, remote_b = {}, {}
    _history(got_a, remote_a)
    _history(got_b, remote_b)
    from compneurovis.launcher import find_demo  # the launcher part: not in every combination

    with WorkerTransport(find_demo(CA1)) as local:
        got = _collect(local, lambda us: _sim_time(us) > 20)
    mine = {}
    _history(got, mine)
    for remote in (remote_a, remote_b):
        common = sorted(set(mine) & set(remote))
        assert len(common) > 100
        np.testing.assert_array_equal(np.array([remote[t] for t in common]), np.array([mine[t] for t in common]))


@pytest.mark.requires("launcher", "neuron")
def test_a_killed_viewer_never_stops_the_server_and_a_viewer_can_reconnect(tmp_path):
    with _serve(tmp_path, "demo", CA1) as (proc, url):
        watcher = connect(url)
        killed = subprocess.Popen([sys.executable, "-c", VIEWER, url], stdout=subprocess.PIPE)
        try:
            assert killed.stdout.readline() == b"watching\n"
            got = _collect(watcher, lambda us: _sim_time(us) > 5)
            killed.send_signal(signal.SIGKILL)
            killed.wait(10)
            before = _sim_time(got)
            _collect(watcher, lambda us: _sim_time(us) > before + 5, into=got)  # the session ran on
            watcher.close()
            again = connect(url)  # reconnect: the current Scene, then the live stream
            try:
                resumed = _collect(again, lambda us: _sim_time(us) > before + 10)
                assert isinstance(resumed[0], SceneReady)
            finally:
                again.close()
        finally:
            killed.kill()
            killed.wait(5)
            killed.stdout.close()
        assert proc.poll() is None
    log = (tmp_path / "serve.err").read_text()
    assert log.count("connected") >= 3 and "dropped" in log and "#" not in log  # the token is never logged


@pytest.mark.requires("launcher", "neuron")
def test_serve_record_records_what_a_local_run_records_and_ctrl_c_stops_it_cleanly(tmp_path):
    served, local = tmp_path / "served.cnvrec", tmp_path / "local.cnvrec"
    with _serve(tmp_path, "demo", CA1, extra=("--record", str(served))) as (proc, url):
        port = int(url.rsplit(":", 1)[1].split("#")[0])
        viewer = connect(url)
        try:
            _collect(viewer, lambda us: _sim_time(us) > 20)
        finally:
            viewer.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 130
    assert _port_free(port)
    subprocess.run([sys.executable, "-m", "compneurovis", "demo", CA1, "--record", str(local), "--screenshot",
                    str(tmp_path / "local.png"), "--after", "2"], check=True, capture_output=True, timeout=300)
    a, b = read_recording(served), read_recording(local)
    assert a.complete and b.complete
    assert a.scene.fields.keys() == b.scene.fields.keys()
    rows_a, rows_b = {}, {}
    _history([SceneReady(scene=a.scene), *a.updates], rows_a)
    _history([SceneReady(scene=b.scene), *b.updates], rows_b)
    common = sorted(set(rows_a) & set(rows_b))
    assert len(common) > 100
    np.testing.assert_array_equal(np.array([rows_a[t] for t in common]), np.array([rows_b[t] for t in common]))


@pytest.mark.requires("launcher", "qt")
def test_connect_opens_the_window_on_a_served_fitzhugh_nagumo_cable_with_a_token_file(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    target = "compneurovis.core.examples.fitzhugh_nagumo:FitzHughNagumoCable"
    with _serve(tmp_path, target, extra=("--token-file", str(token))) as (proc, url):
        assert url.endswith("#s3cret-token")
        png = tmp_path / "remote.png"
        done = subprocess.run([sys.executable, "-m", "compneurovis", "connect", url, "--screenshot", str(png),
                               "--after", "0.5", "--size", "640x400"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert png.stat().st_size > 5000
        wrong = subprocess.run([sys.executable, "-m", "compneurovis", "connect", url.replace("s3cret", "wrong"),
                                "--screenshot", str(tmp_path / "wrong.png")], capture_output=True, text=True,
                               timeout=60)
        assert wrong.returncode == 1 and "refused: authentication failed" in wrong.stderr
        assert proc.poll() is None  # closing a viewer never stops the server
