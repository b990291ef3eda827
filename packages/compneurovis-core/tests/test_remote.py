"""The TCP transport with the FitzHugh-Nagumo example: values, several viewers, commands, reconnects, TLS."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time

import numpy as np
import pytest
from cnv_core_sessions import Previews
from cnv_remote import served, slow_reader, watch

from compneurovis.core import (
    Error,
    FieldAppend,
    InvokeAction,
    RemoteError,
    RemoteTransport,
    SceneReady,
    SetControl,
    Status,
    StopSession,
    connect,
    is_preview,
)
from compneurovis.core._codec import decode
from compneurovis.core._net_hub import BEHIND_MESSAGE, Hub
from compneurovis.core._net_wire import dump, parse_url, recv_frame, send_frame
from compneurovis.core._transport import SEND_INTERVAL_S
from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("cnv-")}


@pytest.fixture(autouse=True)
def _no_threads_left():
    yield
    deadline = time.monotonic() + 5
    while _threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _threads() == set()


def _local_history(until: float) -> tuple[np.ndarray, np.ndarray]:
    """Times and traced values of the same session run here, without any transport."""
    session = FitzHughNagumoCable()
    session.initialize()
    session.read_updates()
    while session.time < until:
        session.advance()
    return session._traces.snapshot()  # (times, values) of the traced entities


def test_values_arrive_equal_to_the_simulators_own_and_the_server_ends_cleanly():
    with served(FitzHughNagumoCable) as server:
        viewer = watch(server.url)
        viewer.wait(lambda w: w.scene is not None and len(w.frames) > 50)
        viewer.transport.send(StopSession())  # a viewer never stops the server
        time.sleep(0.3)
        assert not viewer.transport.finished
    viewer.wait(lambda w: w.transport.finished)  # the server stopped: the stream ends with its reason
    assert isinstance(viewer.updates[-1], Error) and "lost" in viewer.updates[-1].message
    viewer.close()
    remote = viewer.scene.fields["segment_history"]
    times = remote.coords["time"]
    local_times, local_values = _local_history(float(times[-1]))
    common, mine, theirs = np.intersect1d(local_times, times, return_indices=True)
    assert len(common) > 10
    np.testing.assert_array_equal(remote.values[theirs], local_values[mine])


def test_the_hub_sends_at_most_one_batch_per_interval_and_merges_the_rest_in_order():
    # a session publishes every few hundred microseconds: a batch per publish costs the server's GIL dearly
    hub = Hub(stall_timeout=10)
    hub.start()
    ours, theirs = socket.socketpair()
    frames, rows = 0, []
    try:
        hub.add(ours, "pair")
        start = time.monotonic()
        for i in range(150):
            hub.publish([FieldAppend(field_id="history", append_dim="time", values=np.full((1, 3), i, np.float32),
                                     coord_values=np.array([0.1 * i]), max_length=10_000)])
            time.sleep(0.001)
        deadline = time.monotonic() + 10
        while len(rows) < 150:
            for update in decode(recv_frame(theirs, 1 << 24, deadline=deadline)):
                assert isinstance(update, FieldAppend)
                rows.extend(update.values[:, 0])
            frames += 1
        elapsed = time.monotonic() - start
    finally:
        hub.close()
        theirs.close()
    assert rows == list(range(150))  # every row, once, in order
    assert frames <= elapsed / SEND_INTERVAL_S + 1, (frames, elapsed)


def test_both_ends_send_each_frame_at_once():
    # Nagle's algorithm held frames back until the peer's delayed acknowledgement: 15-40 ms late, often
    with served(FitzHughNagumoCable) as server:
        viewer = watch(server.url)
        viewer.wait(lambda w: w.scene is not None)
        (peer,) = server.hub.viewers
        assert peer.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert viewer.transport._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        viewer.close()


def test_a_viewer_sees_the_sessions_preview_then_its_first_scene():
    with served(Previews) as server:
        viewer = watch(server.url)
        viewer.wait(lambda w: w.scenes == 2)
        viewer.close()
    preview, scene = (u.scene for u in viewer.updates if isinstance(u, SceneReady))
    assert is_preview(preview) and preview.status.endswith(Previews.status) and not is_preview(scene)
    assert preview.geometries["morphology"].entity_ids == scene.geometries["morphology"].entity_ids
    assert np.isnan(preview.fields["segment_display"].values).all()


def test_several_viewers_see_each_others_commands_and_one_closing_never_stops_the_session():
    with served(FitzHughNagumoCable) as server:
        viewers = [watch(server.url) for _ in range(3)]
        for v in viewers:
            v.wait(lambda w: w.scene is not None and len(w.frames) > 5)
        viewers[1].transport.send(SetControl(control_id="stimulus", value=0.75))
        for v in viewers:
            v.wait(lambda w: w.scene.state["stimulus"] == 0.75)
        viewers[0].close()
        t_closed = viewers[2].frames[-1][1]
        viewers[2].wait(lambda w: w.frames[-1][1] > t_closed + 100)  # the session went on
        late = watch(server.url)  # reconnect: the current Scene first, control state included
        late.wait(lambda w: w.scene is not None)
        assert isinstance(late.updates[0], SceneReady) and late.scene.state["stimulus"] == 0.75
        late.transport.send(InvokeAction(action_id="reset"))
        viewers[2].wait(lambda w: any(isinstance(u, Status) and u.message == "reset" for u in w.updates))
        for v in (*viewers[1:], late):
            v.close()
        assert server.hub.flush(5)


def test_a_viewer_too_far_behind_is_told_and_resynchronised_with_a_fresh_scene():
    # a backlog is coalesced first (display frames superseded, history merged up to its max_length),
    # so only a small budget makes this session's coalesced backlog outgrow it
    with served(FitzHughNagumoCable, backlog_bytes=500, stall_timeout=60) as server:
        transport = slow_reader(server.url)
        time.sleep(3)  # reads nothing: the socket buffers fill, then its backlog outgrows the budget
        updates = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(isinstance(u, Status) and u.message == BEHIND_MESSAGE
                                                      for u in updates):
            updates += transport.poll(0.2)
        transport.close()
        kinds = [type(u).__name__ for u in updates]
        i = next(i for i, u in enumerate(updates) if isinstance(u, Status) and u.message == BEHIND_MESSAGE)
        assert kinds[i + 1] == "SceneReady", kinds[i:i + 3]


def test_a_failing_session_reaches_every_viewer_as_a_fatal_error():
    from cnv_core_sessions import Exploding

    with served(Exploding) as server:
        viewer = watch(server.url)
        viewer.wait(lambda w: any(isinstance(u, Error) and u.fatal for u in w.updates))
        viewer.close()
    assert isinstance(server.failure[0], RuntimeError)  # type: ignore[attr-defined]
    error = next(u for u in viewer.updates if isinstance(u, Error))
    assert error.message.startswith("RuntimeError: the model exploded on purpose") and "Traceback" in error.traceback


def test_wrong_token_and_unreachable_server_are_clear_errors():
    with served(FitzHughNagumoCable, token="right") as server:
        url = server.url
        with pytest.raises(RemoteError, match="refused: authentication failed"):
            connect(url.replace("#right", "#wrong"))
        assert "right" not in repr(RemoteTransport(url))
    with pytest.raises(RemoteError, match="cannot reach"):
        connect(url, timeout=2)


@pytest.mark.parametrize(("url", "message"), [
    ("http://localhost:1#t", "must start with tcp:// or tls://"),
    ("tcp://localhost#t", "expected tcp://HOST:PORT#TOKEN"),
    ("tcp://localhost:99999#t", "port must be a number"),
    ("tcp://localhost:7000", "no token"),
])
def test_malformed_urls_are_refused_naming_the_problem(url, message):
    with pytest.raises(ValueError, match=message):
        RemoteTransport(url)


def test_ipv6_loopback_and_url_round_trip():
    with served(FitzHughNagumoCable, host="::1") as server:
        assert server.url.startswith("tcp://[::1]:")
        assert parse_url(server.url).host == "::1"
        viewer = watch(server.url)
        viewer.wait(lambda w: w.scene is not None)
        viewer.close()


def test_a_newer_server_is_refused_by_the_viewer_with_the_reason():
    listener = socket.create_server(("127.0.0.1", 0))

    def fake_server() -> None:
        conn, _ = listener.accept()
        with conn:
            send_frame(conn, dump({"magic": "compneurovis", "protocol": 99, "nonce": "ab" * 32}))
            conn.settimeout(5)
            try:
                recv_frame(conn, 4096)
            except Exception:  # noqa: BLE001 - the viewer hangs up, as it should
                pass

    thread = threading.Thread(target=fake_server)
    thread.start()
    try:
        with pytest.raises(RemoteError, match=r"server speaks protocol 99.*upgrade compneurovis on the viewer side"):
            connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}#t")
    finally:
        thread.join(10)
        listener.close()


def _self_signed(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_tls_serves_a_viewer_that_trusts_the_certificate_and_refuses_one_that_does_not(tmp_path):
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with served(FitzHughNagumoCable, ssl_context=context) as server:
        assert server.url.startswith("tls://127.0.0.1:")
        viewer = watch(server.url, cafile=str(cert))
        viewer.wait(lambda w: w.scene is not None and len(w.frames) > 3)
        viewer.transport.send(SetControl(control_id="stimulus", value=0.5))
        viewer.wait(lambda w: w.scene.state["stimulus"] == 0.5)
        viewer.close()
        with pytest.raises(RemoteError, match="CERTIFICATE_VERIFY_FAILED"):
            connect(server.url)  # the system's trusted roots do not know a self-signed certificate
        with pytest.raises(RemoteError):
            connect(server.url.replace("tls://", "tcp://"), timeout=2)  # plain TCP to a TLS port
