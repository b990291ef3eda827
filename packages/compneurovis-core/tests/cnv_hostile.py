"""Hostile clients of a `serve` endpoint, shared by the hostile-client test and its benchmark.

Each case attacks the server at ``addr`` once and returns the one-line reason
the server must log for it; `campaign` runs every case while a viewer watches.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from typing import NamedTuple

from cnv_remote import closed_by_server, slow_reader

from compneurovis.core import PROTOCOL_VERSION, RemoteError, connect
from compneurovis.core._net_wire import dump, mac, new_nonce, recv_frame, send_frame

TOKEN = "hostile-test-token"
#: Seconds a case may take beyond the server's handshake/stall timeouts (1 s each).
SLACK = 10.0


def _open(addr) -> socket.socket:
    sock = socket.create_connection((addr.host, addr.port), timeout=SLACK)
    return sock


def _hello(sock: socket.socket) -> dict:
    return json.loads(recv_frame(sock, 4096, deadline=time.monotonic() + SLACK))


def wrong_token(addr) -> str:
    try:
        connect(addr.url().replace(f"#{TOKEN}", "#not-the-token"))
    except RemoteError as exc:
        assert "authentication failed" in str(exc), exc
    else:
        raise AssertionError("a wrong token was let in")
    return "authentication failed (wrong token)"


def no_handshake(addr) -> str:
    assert closed_by_server(_open(addr), SLACK) < 1.0 + SLACK
    return "handshake not finished in time"


def never_finishing_handshake(addr) -> str:
    sock = _open(addr)
    _hello(sock)
    start = time.monotonic()
    try:
        for byte in struct.pack("<Q", 100)[:5]:  # dribbles a header: a byte every 0.3 s, never done
            sock.sendall(bytes([byte]))
            time.sleep(0.3)
    except OSError:  # the server has hung up
        sock.close()
    else:
        closed_by_server(sock, SLACK)
    assert time.monotonic() - start < 1.0 + SLACK
    return "handshake not finished in time"


def garbage(addr) -> str:
    sock = _open(addr)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + os.urandom(200))
    assert closed_by_server(sock, SLACK) < SLACK
    return "handshake claims"


def ten_gigabytes(addr) -> str:
    sock = _open(addr)
    sock.sendall(struct.pack("<Q", 10 << 30))
    assert closed_by_server(sock, SLACK) < SLACK
    return f"handshake claims {10 << 30} bytes (limit 4096)"


def truncated_frame(addr) -> str:
    sock = _open(addr)
    _hello(sock)
    sock.sendall(struct.pack("<Q", 100) + b"{" * 40)
    sock.shutdown(socket.SHUT_WR)
    assert closed_by_server(sock, SLACK) < SLACK
    return "connection closed mid-frame (40 of 100 bytes)"


def newer_protocol(addr) -> str:
    sock = _open(addr)
    hello = _hello(sock)
    nonce = new_nonce()
    send_frame(sock, dump({"magic": "compneurovis", "protocol": PROTOCOL_VERSION + 1, "nonce": nonce,
                           "mac": mac(TOKEN, "viewer", hello["nonce"], nonce)}))
    reply = json.loads(recv_frame(sock, 4096, deadline=time.monotonic() + SLACK))
    assert reply["ok"] is False and f"speaks protocol {PROTOCOL_VERSION + 1}" in reply["reason"]
    assert closed_by_server(sock, SLACK) < SLACK
    return "upgrade compneurovis on the server side"


def two_hundred_at_once(addr) -> str:
    socks = [_open(addr) for _ in range(200)]
    start = time.monotonic()
    for sock in socks:
        closed_by_server(sock, SLACK)
    assert time.monotonic() - start < 1.0 + 2 * SLACK
    return "too many connections handshaking at once"


def reads_nothing(addr) -> str:
    transport = slow_reader(addr.url())  # authenticated, then never reads: the server's writes stall
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                transport._sock.send(b"")
            except OSError:
                break
            if _dropped(transport._sock):
                break
            time.sleep(0.2)
        assert time.monotonic() < deadline
    finally:
        transport.close()
    return "stalled: accepted no data for 1 s"


def _dropped(sock: socket.socket) -> bool:
    """Whether the server has closed its side: only the FIN (or a reset) is left past the unread data."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    except OSError:
        return True
    return info[0] in (8, 7)  # TCP_CLOSE_WAIT, TCP_CLOSE


CASES = [wrong_token, no_handshake, never_finishing_handshake, garbage, ten_gigabytes, truncated_frame,
         newer_protocol, two_hundred_at_once, reads_nothing]


class Campaign(NamedTuple):
    """One run of every case against a served session, measured by an authenticated viewer."""

    sim_ratio: float  #: simulated-time rate during the attacks over the rate in the quiet stretches
    frame_ratio: float  #: the viewer's display frames per second, the same way
    reasons: list[str]  #: the one-line reason each case must leave in the server's log
    counts: dict[str, int]  #: how many times each case was run (quick ones are flooded)
    during: dict[str, tuple[float, int]]  #: (simulated ms, frames) the viewer got while each case ran


def campaign(addr, viewer, *, quiet: float = 1.5, flood: float = 1.5) -> Campaign:
    """Every case, each after ``quiet`` undisturbed seconds; quick cases are repeated for ``flood`` seconds."""
    calm, hostile, reasons, counts, during = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [], {}, {}
    for case in CASES:
        start = time.monotonic()
        time.sleep(quiet)
        middle = time.monotonic()
        reasons.append(case(addr))
        counts[case.__name__] = 1
        while time.monotonic() - middle < flood and case is not reads_nothing:
            case(addr)
            counts[case.__name__] += 1
        end = time.monotonic()
        time.sleep(0.3)  # frames produced during the attack have arrived
        during[case.__name__] = viewer.progress(middle, end)
        for total, (sim, frames), seconds in ((calm, viewer.progress(start, middle), middle - start),
                                              (hostile, during[case.__name__], end - middle)):
            total[0] += sim
            total[1] += frames
            total[2] += seconds
    sim_ratio = (hostile[0] / hostile[2]) / (calm[0] / calm[2])
    frame_ratio = (hostile[1] / hostile[2]) / (calm[1] / calm[2])
    return Campaign(sim_ratio, frame_ratio, reasons, counts, during)
