"""`RemoteTransport` and `connect`: watch a session served by `serve` over TCP or TLS.

The viewer reads the socket only when it polls: if it falls behind, TCP
pushes back and the server coalesces for it (or resynchronises it), so no
unbounded backlog builds up on either side.
"""

from __future__ import annotations

import contextlib
import hmac
import socket
import ssl
import time

from ._codec import decode, encode
from ._errors import SceneError
from ._net_wire import (
    MAGIC,
    MAX_HANDSHAKE_FRAME,
    MAX_UPDATE_FRAME,
    Address,
    FrameError,
    RemoteError,
    check_hex,
    dump,
    load_hello,
    mac,
    new_nonce,
    no_delay,
    parse_url,
    recv_frame,
    send_frame,
    split_frames,
    version_mismatch,
    wait_readable,
)
from ._protocol import PROTOCOL_VERSION, Error, SessionCommand, SessionUpdate, StopSession

_RECV = 1 << 20


class RemoteTransport:
    """A session served elsewhere (`serve`), with the interface of `WorkerTransport`.

    `start` connects and authenticates; `poll` returns the updates that have
    arrived; `send` sends a command to the session; `close` disconnects (the
    server and its session go on). A lost connection ends the stream with a
    fatal `Error` saying so.

    Args:
        url: ``tcp://HOST:PORT#TOKEN`` or ``tls://HOST:PORT#TOKEN``.
        token: The token, if not in the URL.
        ssl_context: Client-side TLS context for ``tls://`` (default: the system's
            trusted certificates, or ``cafile``).
        cafile: A PEM file of the certificate(s) to trust for ``tls://`` (e.g. the
            server's self-signed one).
        timeout: Seconds to connect and authenticate.
    """

    def __init__(self, url: str, *, token: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 cafile: str | None = None, timeout: float = 10.0) -> None:
        address = parse_url(url)
        token = token if token is not None else address.token
        if not token:
            raise ValueError(f"{address.url(with_token=False)}: no token; add it as #TOKEN to the URL")
        self.address = Address(address.host, address.port, token, address.tls)
        self._ssl_context = ssl_context
        self._cafile = cafile
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._chunk = bytearray(_RECV)
        self._chunk_view = memoryview(self._chunk)
        self.finished = False
        self._closing = False

    def __repr__(self) -> str:
        return f"RemoteTransport({self.address.url(with_token=False)!r})"  # never shows the token

    @property
    def url(self) -> str:
        """The server's URL without its token."""
        return self.address.url(with_token=False)

    def start(self) -> RemoteTransport:
        """Connect and authenticate (once). Returns ``self``.

        Raises:
            RemoteError: If the server cannot be reached or refuses this viewer (the reason is in the message).
        """
        if self._sock is not None or self.finished:
            return self
        deadline = time.monotonic() + self.timeout
        try:
            sock = socket.create_connection((self.address.host, self.address.port), timeout=self.timeout)
        except OSError as exc:
            raise RemoteError(f"cannot reach {self.url}: {exc.strerror or exc}") from None
        no_delay(sock)
        try:
            if self.address.tls:
                context = self._ssl_context or ssl.create_default_context(cafile=self._cafile)
                sock = context.wrap_socket(sock, server_hostname=self.address.host)
            self._handshake(sock, deadline)
        except FrameError as exc:
            sock.close()
            raise RemoteError(f"{self.url}: {exc}") from None
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            raise RemoteError(f"{self.url}: handshake failed: {exc}") from None
        except BaseException:
            sock.close()
            raise
        sock.settimeout(self.timeout)
        self._sock = sock
        return self

    def _handshake(self, sock: socket.socket, deadline: float) -> None:
        token = self.address.token
        assert token is not None
        hello = load_hello(recv_frame(sock, MAX_HANDSHAKE_FRAME, deadline=deadline, what="server hello"),
                           {"magic": str, "protocol": int, "nonce": str})
        if hello["magic"] != MAGIC:
            raise FrameError("not a compneurovis server")
        reason = version_mismatch(PROTOCOL_VERSION, hello["protocol"], "viewer", "server")
        if reason is not None:
            raise FrameError(f"refused: {reason}")
        check_hex(hello["nonce"], "nonce")
        nonce = new_nonce()
        send_frame(sock, dump({"magic": MAGIC, "protocol": PROTOCOL_VERSION, "nonce": nonce,
                               "mac": mac(token, "viewer", hello["nonce"], nonce)}))
        reply = load_hello(recv_frame(sock, MAX_HANDSHAKE_FRAME, deadline=deadline, what="server reply"),
                           {"ok": bool})
        if not reply["ok"]:
            raise FrameError(f"refused: {str(reply.get('reason', 'no reason given'))[:300]}")
        proof = reply.get("mac")
        expected = mac(token, "server", nonce, hello["nonce"]).encode()
        if not isinstance(proof, str) or not hmac.compare_digest(proof.encode(), expected):
            raise FrameError("the server could not prove it knows the token")

    @property
    def pid(self) -> int | None:
        """Always ``None``: the session's process is on another machine."""
        return None

    @property
    def started(self) -> bool:
        """Whether `start` connected (the transport may have finished since)."""
        return self._sock is not None or self.finished

    def is_alive(self) -> bool:
        """Whether the connection is open."""
        return self._sock is not None and not self.finished

    def fileno(self) -> int:
        """File descriptor that becomes readable when updates arrive."""
        if self._sock is None:
            raise RuntimeError("transport not started")
        return self._sock.fileno()

    def send(self, command: SessionCommand) -> None:
        """Send one command to the session; ignored once the connection is gone."""
        if self._sock is None:
            raise RuntimeError("transport not started")
        if self.finished or isinstance(command, StopSession):  # a viewer never stops the server
            return
        try:
            send_frame(self._sock, encode(command))
        except OSError:
            self.finished = True

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        """Return the updates that have arrived, waiting up to ``timeout`` for the first.

        Args:
            timeout: Seconds to wait when nothing is pending yet.
            max_messages: Read at most this many batches (``None``: all pending).
        """
        if self._sock is None or self.finished:
            return []
        deadline = time.monotonic() + timeout
        updates: list[SessionUpdate] = []
        count = 0
        try:
            while max_messages is None or count < max_messages:
                frames = split_frames(self._buffer, MAX_UPDATE_FRAME) if len(self._buffer) >= 8 else []
                if frames:  # keep any beyond max_messages for the next poll
                    for i, frame in enumerate(frames):
                        if max_messages is not None and count >= max_messages:
                            self._unread(frames[i:])
                            break
                        updates.extend(decode(frame))
                        count += 1
                    continue
                wait = max(0.0, deadline - time.monotonic()) if count == 0 else 0.0
                if not wait_readable(self._sock, wait):
                    break
                n = self._sock.recv_into(self._chunk)
                if not n:
                    raise FrameError("the server closed the connection")
                self._buffer += self._chunk_view[:n]
        except (FrameError, SceneError, OSError) as exc:
            self._lost(updates, str(exc) if not isinstance(exc, OSError) else (exc.strerror or str(exc)))
        return updates

    def _unread(self, frames: list[bytes]) -> None:
        head = bytearray()
        for frame in frames:
            head += len(frame).to_bytes(8, "little") + frame
        self._buffer[:0] = head

    def _lost(self, updates: list[SessionUpdate], reason: str) -> None:
        self.finished = True
        if not self._closing:
            updates.append(Error(message=f"connection to {self.url} lost: {reason}", fatal=True))

    def close(self, timeout: float = 5.0) -> None:
        """Disconnect; the server and its session go on."""
        self._closing = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        self.finished = True

    def __enter__(self) -> RemoteTransport:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(url: str, *, token: str | None = None, ssl_context: ssl.SSLContext | None = None,
            cafile: str | None = None, timeout: float = 10.0) -> RemoteTransport:
    """Connect to a session served by `serve` and authenticate.

    Args:
        url: ``tcp://HOST:PORT#TOKEN`` (or ``tls://``), as ``compneurovis serve`` prints it.
        token: The token, if not in the URL.
        ssl_context: Client-side TLS context for ``tls://``.
        cafile: PEM certificate(s) to trust for ``tls://``.
        timeout: Seconds to connect and authenticate.

    Returns:
        A started `RemoteTransport`; its first updates are the session's current Scene.

    Raises:
        RemoteError: If the server cannot be reached or refuses (wrong token, other protocol version).
        ValueError: If the URL is malformed or has no token.
    """
    return RemoteTransport(url, token=token, ssl_context=ssl_context, cafile=cafile, timeout=timeout).start()
