"""Frames, URLs and the token handshake of the TCP transport.

A frame is ``uint64 little-endian length | payload``. The payload is a
codec message (`encode`) once both sides are authenticated, and a small JSON
object during the handshake:

    server -> {"magic": "compneurovis", "protocol": V, "nonce": hex}
    client -> {"magic": "compneurovis", "protocol": V, "nonce": hex, "mac": hex}
    server -> {"ok": true, "mac": hex}  or  {"ok": false, "reason": "..."}

``client mac = HMAC-SHA256(token, "viewer" | server nonce | client nonce)`` and
``server mac = HMAC-SHA256(token, "server" | client nonce | server nonce)``:
each side proves it knows the token; the token itself never crosses the wire.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import select
import socket
import ssl
import struct
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_LENGTH = struct.Struct("<Q")
MAGIC = "compneurovis"
#: Largest handshake frame either side accepts.
MAX_HANDSHAKE_FRAME = 4096
#: Largest command frame a server accepts from a viewer.
MAX_COMMAND_FRAME = 1 << 20
#: Largest update frame a viewer accepts from its server.
MAX_UPDATE_FRAME = 1 << 32
_NONCE_BYTES = 32
_CHUNK = 1 << 20


class RemoteError(ConnectionError):
    """A remote session could not be reached, or refused this viewer (the reason is in the message)."""


class FrameError(Exception):
    """A peer broke the framing or the handshake; the message is the one-line reason."""


@dataclass(frozen=True)
class Address:
    """A parsed ``tcp://HOST:PORT#TOKEN`` or ``tls://HOST:PORT#TOKEN`` URL."""

    host: str
    port: int
    token: str | None
    tls: bool

    def url(self, *, with_token: bool = True) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"{'tls' if self.tls else 'tcp'}://{host}:{self.port}"
        return f"{base}#{self.token}" if with_token and self.token else base


def parse_url(url: str) -> Address:
    """Split a remote-session URL into host, port, token and TLS flag.

    Raises:
        ValueError: Naming what is wrong with the URL.
    """
    if not isinstance(url, str):
        raise ValueError(f"a remote session URL is a str like tcp://HOST:PORT#TOKEN, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "tls"):
        raise ValueError(f"{url.split('#')[0]}: the URL must start with tcp:// or tls://")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url.split('#')[0]}: the port must be a number 1-65535") from None
    if not parts.hostname or port is None or port == 0:
        raise ValueError(f"{url.split('#')[0]}: expected tcp://HOST:PORT#TOKEN")
    return Address(parts.hostname, port, parts.fragment or None, parts.scheme == "tls")


def is_remote_url(target: object) -> bool:
    """Whether ``target`` is a string naming a remote session (``tcp://`` or ``tls://``)."""
    return isinstance(target, str) and target.startswith(("tcp://", "tls://"))


def no_delay(sock: socket.socket) -> None:
    """Send each write at once (``TCP_NODELAY``).

    Nagle's algorithm holds a frame back while the previous one is not yet
    acknowledged, and the peer delays its acknowledgements (up to 40 ms on
    Linux): a viewer saw display frames 15-40 ms late several times a second.
    Frames are already whole writes, at most one per `SEND_INTERVAL_S` to a
    viewer, so nothing is gained by merging them further.
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def send_frame(sock: socket.socket, payload: bytes | bytearray | memoryview) -> None:
    """Write one frame; each chunk may wait up to the socket's timeout (a stalled peer raises)."""
    view = memoryview(payload).cast("B")
    head = _LENGTH.pack(view.nbytes)
    if view.nbytes <= _CHUNK:  # one write: a live frame is a few kB, sent dozens of times a second per viewer
        sock.sendall(head + view)
        return
    sock.sendall(head)
    for start in range(0, view.nbytes, _CHUNK):
        sock.sendall(view[start:start + _CHUNK])


def _recv_exactly(sock: socket.socket, n: int, deadline: float | None, what: str) -> bytes:
    out = bytearray()
    while len(out) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FrameError(f"{what} not finished in time")
            sock.settimeout(left)
        try:
            chunk = sock.recv(min(n - len(out), _CHUNK))
        except TimeoutError:  # the socket's own timeout (deadline or not)
            raise FrameError(f"{what} not finished in time") from None
        if not chunk:
            raise FrameError("connection closed" + (f" mid-frame ({len(out)} of {n} bytes)" if out else ""))
        out += chunk
    return bytes(out)


def wait_readable(sock: socket.socket, timeout: float | None = None) -> bool:
    """Wait until ``sock`` has bytes to read (or is closed); ``False`` after ``timeout`` seconds."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    return bool(select.select([sock], [], [], timeout)[0])


def recv_frame(sock: socket.socket, limit: int, *, deadline: float | None = None, what: str = "frame") -> bytes:
    """Read one frame of at most ``limit`` bytes.

    Args:
        sock: The connected socket.
        limit: Refuse a frame claiming more than this many bytes (before reading it).
        deadline: ``time.monotonic()`` by which the whole frame must have arrived.
        what: Name of the frame in error messages.

    Raises:
        FrameError: On a length over ``limit``, a closed connection, or a missed deadline.
    """
    (length,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size, deadline, what))
    if length > limit:
        raise FrameError(f"{what} claims {length} bytes (limit {limit})")
    return _recv_exactly(sock, length, deadline, what)


def split_frames(buffer: bytearray, limit: int) -> list[bytes]:
    """Remove and return every complete frame at the start of ``buffer``.

    Raises:
        FrameError: If a frame claims more than ``limit`` bytes.
    """
    frames: list[bytes] = []
    start = 0
    while len(buffer) - start >= _LENGTH.size:
        (length,) = _LENGTH.unpack_from(buffer, start)
        if length > limit:
            raise FrameError(f"frame claims {length} bytes (limit {limit})")
        end = start + _LENGTH.size + length
        if len(buffer) < end:
            break
        frames.append(bytes(buffer[start + _LENGTH.size:end]))
        start = end
    del buffer[:start]
    return frames


def new_nonce() -> str:
    """A fresh random nonce, hex-encoded."""
    return secrets.token_hex(_NONCE_BYTES)


def mac(token: str, role: str, first: str, second: str) -> str:
    """HMAC-SHA256 of ``role | first | second`` keyed with ``token``, hex-encoded."""
    message = f"{role}|{first}|{second}".encode()
    return hmac.new(token.encode(), message, hashlib.sha256).hexdigest()


def dump(obj: dict[str, Any]) -> bytes:
    """A handshake message as frame payload."""
    return json.dumps(obj, separators=(",", ":")).encode()


def load_hello(payload: bytes, fields: dict[str, type]) -> dict[str, Any]:
    """Parse a handshake message and check the types of ``fields``.

    Raises:
        FrameError: If it is not a JSON object with those fields of those types.
    """
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FrameError("handshake is not JSON") from None
    if not isinstance(obj, dict):
        raise FrameError("handshake is not a JSON object")
    for name, kind in fields.items():
        value = obj.get(name)
        if type(value) is not kind:
            raise FrameError(f"handshake field {name!r} missing or not a {kind.__name__}")
    return obj


def check_hex(value: str, name: str) -> None:
    """Refuse a nonce or MAC that is not 64 lowercase hex digits."""
    if len(value) != 2 * _NONCE_BYTES or any(c not in "0123456789abcdef" for c in value):
        raise FrameError(f"handshake field {name!r} is not {2 * _NONCE_BYTES} hex digits")


def version_mismatch(mine: int, theirs: int, me: str, them: str) -> str | None:
    """The reason to refuse a peer of another protocol version, or ``None`` if they match."""
    if theirs == mine:
        return None
    older = me if theirs > mine else them
    return f"the {them} speaks protocol {theirs}, the {me} protocol {mine}: upgrade compneurovis on the {older} side"
