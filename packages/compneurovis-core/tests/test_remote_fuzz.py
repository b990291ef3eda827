"""Hypothesis fuzz of the TCP transport's handshake and frame parsers.

The server side runs in a child process (a crash there cannot take the test
runner down) and must drop every malformed connection within a bounded time
and keep serving; the viewer side must refuse a malformed server with
`RemoteError`, never hang or crash.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter

from cnv_remote import child_server, closed_by_server, watch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compneurovis.core import (
    PROTOCOL_VERSION,
    EntityClicked,
    InvokeAction,
    KeyPressed,
    RemoteError,
    Reset,
    SetControl,
    connect,
    encode,
)
from compneurovis.core._net_wire import dump, mac, new_nonce, parse_url, recv_frame

TOKEN = "fuzz-token"
#: Hypothesis examples per strategy.
EXAMPLES = 120
#: A malformed connection must be closed within this many seconds (handshake deadline 1 s + slack).
BOUND = 8.0
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                suppress_health_check=list(HealthCheck))


def _frame(payload: bytes) -> bytes:
    return struct.pack("<Q", len(payload)) + payload


def _mutate(data: bytes, flips: list[int], cut: int, tail: bytes) -> bytes:
    out = bytearray(data)
    for f in flips:
        if out:
            out[f % len(out)] ^= 1 << (f % 8)
    return bytes(out[:cut % (len(out) + 1)]) + tail


def _send_then_closes(sock: socket.socket, data: bytes) -> float:
    """Send ``data`` and hang up; the server must close its side within `BOUND` seconds."""
    try:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
    except OSError:  # the server hung up early: allowed
        pass
    return _closes(sock)


def _closes(sock: socket.socket) -> float:
    elapsed = closed_by_server(sock, BOUND)
    assert elapsed < BOUND
    return elapsed


def _valid_hello(sock: socket.socket) -> bytes:
    hello = json.loads(recv_frame(sock, 4096, deadline=time.monotonic() + BOUND))
    nonce = new_nonce()
    return dump({"magic": "compneurovis", "protocol": PROTOCOL_VERSION, "nonce": nonce,
                 "mac": mac(TOKEN, "viewer", hello["nonce"], nonce)})


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=10)
hello_dicts = st.fixed_dictionaries({}, optional={
    "magic": st.sampled_from(["compneurovis", "other"]) | json_values,
    "protocol": st.sampled_from([PROTOCOL_VERSION, PROTOCOL_VERSION + 1, 0, -1, 2**70]) | json_values,
    "nonce": st.sampled_from(["ab" * 32, "AB" * 32, "zz" * 32, ""]) | json_values,
    "mac": st.sampled_from(["00" * 32, "ab" * 31]) | json_values,
})
COMMANDS = [encode(c) for c in (SetControl(control_id="stimulus", value=0.5), InvokeAction(action_id="kick"),
                                Reset(), KeyPressed(key="K"), EntityClicked(entity_id="trunk[0]"))]


def test_the_server_drops_every_malformed_connection_and_keeps_serving(tmp_path):
    counts: Counter[str] = Counter()
    with child_server(tmp_path, TOKEN) as (proc, url, _log):
        addr = parse_url(url)

        def connected() -> socket.socket:
            return socket.create_connection((addr.host, addr.port), timeout=BOUND)

        @FUZZ
        @given(st.binary(max_size=3000))
        def garbage(data: bytes) -> None:
            sock = connected()
            _send_then_closes(sock, data)
            counts["garbage before the handshake"] += 1

        @FUZZ
        @given(hello_dicts, st.one_of(st.none(), st.integers(0, 2**64 - 1)))
        def handshakes(hello: dict, length: int | None) -> None:
            sock = connected()
            recv_frame(sock, 4096, deadline=time.monotonic() + BOUND)
            payload = json.dumps(hello).encode()
            _send_then_closes(sock, struct.pack("<Q", len(payload) if length is None else length) + payload)
            counts["generated handshakes"] += 1

        @FUZZ
        @given(st.lists(st.integers(0, 10**6), max_size=6), st.integers(0, 10**4), st.binary(max_size=20))
        def mutated_handshakes(flips: list[int], cut: int, tail: bytes) -> None:
            sock = connected()
            _send_then_closes(sock, _frame(_mutate(_valid_hello(sock), flips, cut, tail)))
            counts["mutated handshakes"] += 1

        @FUZZ
        @given(st.sampled_from(COMMANDS), st.lists(st.integers(0, 10**6), max_size=6), st.integers(0, 10**5),
               st.binary(max_size=20), st.booleans())
        def mutated_commands(command: bytes, flips: list[int], cut: int, tail: bytes, honest_length: bool) -> None:
            sock = connected()
            sock.sendall(_frame(_valid_hello(sock)))
            assert json.loads(recv_frame(sock, 4096, deadline=time.monotonic() + BOUND))["ok"] is True
            body = _mutate(command, flips, cut, tail)
            # a valid command is applied; then the hang-up (or the broken frame) drops the connection
            _send_then_closes(sock, _frame(body) if honest_length else _frame(body)[:8 + len(body) // 2])
            counts["mutated commands after authenticating"] += 1

        for strategy in (garbage, handshakes, mutated_handshakes, mutated_commands):
            strategy()
            assert proc.poll() is None, f"the server died during {strategy.__name__}"
            viewer = watch(url)  # and still serves
            viewer.wait(lambda w: w.scene is not None and len(w.frames) > 2)
            viewer.close()
    print("remote fuzz cases:", dict(counts))
    assert sum(counts.values()) >= 4 * EXAMPLES


def test_the_viewer_refuses_a_malformed_server_without_hanging():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    replies: list[bytes] = []
    stop = threading.Event()

    def fake_server() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    conn.sendall(replies.pop())
                    conn.shutdown(socket.SHUT_WR)  # the viewer may have hung up already: ENOTCONN
                    conn.settimeout(BOUND)
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass

    thread = threading.Thread(target=fake_server)
    thread.start()
    count = 0
    try:
        @FUZZ
        @given(st.one_of(st.binary(max_size=500), hello_dicts.map(lambda h: _frame(json.dumps(h).encode())),
                         hello_dicts.map(lambda h: _frame(json.dumps(h).encode())[:12])))
        def served(data: bytes) -> None:
            nonlocal count
            replies.append(data)
            start = time.monotonic()
            try:
                connect(f"tcp://127.0.0.1:{port}#{TOKEN}", timeout=BOUND)
            except RemoteError:
                pass
            else:
                raise AssertionError(f"accepted a server that sent {data!r}")
            assert time.monotonic() - start < BOUND
            count += 1

        served()
    finally:
        stop.set()
        thread.join(10)
        listener.close()
    print("viewer-side fuzz cases:", count)
    assert count >= EXAMPLES
