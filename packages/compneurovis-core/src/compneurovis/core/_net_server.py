"""`SessionServer` and `serve`: run a Session here, let authenticated viewers watch over TCP.

The session runs in the calling thread (NEURON and MPI want the main one);
network I/O runs in threads: one accepts, one per pending handshake (at most
``max_pending``, each bounded by ``handshake_timeout``), and a reader and a
writer per viewer. A refused or dropped connection is logged on one line
(logger ``compneurovis.remote``) and never reaches the session.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator

from ._net_hub import DEFAULT_BACKLOG_BYTES, Hub
from ._net_wire import (
    MAGIC,
    MAX_HANDSHAKE_FRAME,
    Address,
    FrameError,
    check_hex,
    dump,
    load_hello,
    mac,
    new_nonce,
    no_delay,
    recv_frame,
    send_frame,
    version_mismatch,
)
from ._protocol import PROTOCOL_VERSION, Error, SceneReady, SessionCommand
from ._session import Session, remember_scene_of, startup_scene_of

log = logging.getLogger("compneurovis.remote")


class SessionServer:
    """A Session served to remote viewers (`connect`) over TCP, optionally TLS.

    Use `start` to bind (the URL is then known), `run` to simulate in the
    calling thread until `stop` (from any thread or a signal handler), the
    session's end, or Ctrl+C, and `close` (or the ``with`` block) to release
    everything. `serve` does all three.

    Args:
        session_factory: A Session class or callable returning a Session; called in `run`.
        host: Interface to bind; loopback unless told otherwise.
        port: TCP port; ``0`` picks a free one (see `url`).
        token: Shared secret viewers must prove they know; a fresh random one if ``None``.
        ssl_context: A server-side `ssl.SSLContext` (certificate loaded) to speak TLS.
        handshake_timeout: Seconds a new connection has to authenticate.
        stall_timeout: Seconds a viewer may accept no data before it is dropped.
        backlog_bytes: Coalesced backlog of one viewer beyond which it is resynchronised.
        max_pending: Most connections handshaking at once; more are refused.
        max_viewers: Most authenticated viewers at once; more are refused.

    Example:
        >>> with SessionServer(MySession, port=7000) as server:  # doctest: +SKIP
        ...     print(server.url)
        ...     server.run()
    """

    def __init__(self, session_factory: Callable[[], Session], host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None, *, ssl_context: ssl.SSLContext | None = None,
                 handshake_timeout: float = 5.0, stall_timeout: float = 30.0,
                 backlog_bytes: int = DEFAULT_BACKLOG_BYTES, max_pending: int = 64, max_viewers: int = 32) -> None:
        if token is not None and not token:
            raise ValueError("the token must not be empty")
        self.factory = session_factory
        self.host, self.port = host, port
        self.token = token if token is not None else secrets.token_urlsafe(24)
        self.ssl_context = ssl_context
        self.handshake_timeout = handshake_timeout
        self.max_pending, self.max_viewers = max_pending, max_viewers
        self.hub = Hub(stall_timeout=stall_timeout, backlog_bytes=backlog_bytes)
        self.refused = 0
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._pending = threading.BoundedSemaphore(max_pending)
        self._threads: set[threading.Thread] = set()
        self._threads_lock = threading.Lock()
        self._acceptor: threading.Thread | None = None

    @property
    def address(self) -> Address:
        """Where viewers connect (host, bound port, token, TLS)."""
        return Address(self.host, self.port, self.token, self.ssl_context is not None)

    @property
    def url(self) -> str:
        """``tcp://HOST:PORT#TOKEN`` (``tls://`` with TLS) to give `connect`."""
        return self.address.url()

    def start(self) -> SessionServer:
        """Bind and start accepting connections. Returns ``self``."""
        if self._listener is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
            listener.listen(256)
        except OSError:
            listener.close()
            raise
        listener.settimeout(0.2)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self.hub.start()
        self._acceptor = threading.Thread(target=self._accept_loop, name="cnv-accept", daemon=True)
        self._acceptor.start()
        log.info("serving on %s", self.address.url(with_token=False))
        return self

    # ------------------------------------------------------------ connections

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            peer = _peer_name(addr)
            no_delay(sock)
            if not self._pending.acquire(blocking=False):
                self._refuse(sock, peer, f"too many connections handshaking at once (limit {self.max_pending})")
                continue
            thread = threading.Thread(target=self._handshake, args=(sock, peer), name=f"cnv-handshake {peer}",
                                      daemon=True)
            with self._threads_lock:
                self._threads.add(thread)
            thread.start()

    def _refuse(self, sock: socket.socket, peer: str, reason: str, *, tell: bool = False) -> None:
        self.refused += 1
        log.warning("refused %s: %s", peer, reason)
        if tell:
            with contextlib.suppress(OSError):
                send_frame(sock, dump({"ok": False, "reason": reason}))
        with contextlib.suppress(OSError):
            sock.close()

    def _handshake(self, sock: socket.socket, peer: str) -> None:
        deadline = time.monotonic() + self.handshake_timeout
        try:
            try:
                sock.settimeout(self.handshake_timeout)
                if self.ssl_context is not None:
                    sock = self.ssl_context.wrap_socket(sock, server_side=True)
                nonce = new_nonce()
                send_frame(sock, dump({"magic": MAGIC, "protocol": PROTOCOL_VERSION, "nonce": nonce}))
                hello = load_hello(recv_frame(sock, MAX_HANDSHAKE_FRAME, deadline=deadline, what="handshake"),
                                   {"magic": str, "protocol": int, "nonce": str, "mac": str})
                if hello["magic"] != MAGIC:
                    raise FrameError("handshake is not from a compneurovis viewer")
                reason = version_mismatch(PROTOCOL_VERSION, hello["protocol"], "server", "viewer")
                if reason is not None:
                    self._refuse(sock, peer, reason, tell=True)
                    return
                check_hex(hello["nonce"], "nonce")
                check_hex(hello["mac"], "mac")
                if not secrets.compare_digest(hello["mac"], mac(self.token, "viewer", nonce, hello["nonce"])):
                    self._refuse(sock, peer, "authentication failed (wrong token)", tell=True)
                    return
                if len(self.hub.viewers) >= self.max_viewers:
                    self._refuse(sock, peer, f"too many viewers (limit {self.max_viewers})", tell=True)
                    return
                send_frame(sock, dump({"ok": True, "mac": mac(self.token, "server", hello["nonce"], nonce)}))
            except FrameError as exc:
                self._refuse(sock, peer, str(exc))
                return
            except (OSError, ssl.SSLError) as exc:
                self._refuse(sock, peer, f"handshake failed: {exc.strerror or exc}"
                             if isinstance(exc, OSError) else f"TLS handshake failed: {exc}")
                return
            if self._stop.is_set():
                self._refuse(sock, peer, "the server is stopping")
                return
            self.hub.add(sock, peer)
        finally:
            self._pending.release()
            with self._threads_lock:
                self._threads.discard(threading.current_thread())

    # ---------------------------------------------------------------- session

    def stop(self) -> None:
        """Ask `run` to return soon; safe from any thread (a signal handler sets the ``stop`` Event of `serve`)."""
        self._stop.set()
        self.hub.commands.put(None)

    def run(self, *, until: threading.Event | None = None) -> None:
        """Run the session in the calling thread until `stop`, the session's end, or Ctrl+C.

        Args:
            until: Also return once this Event is set, looked at between two steps
                (`serve`'s Ctrl+C handler sets it, so that no step begins after a first Ctrl+C).

        Raises:
            KeyboardInterrupt: After a clean stop, if Ctrl+C stopped it.
            Exception: The session's own failure, after it was sent to the viewers.
        """
        self.start()
        session: Session | None = None
        # The simulation loop holds the GIL; a short switch interval lets the hub and viewer threads in
        # promptly (as in the worker process), so updates leave as soon as the sockets take them.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, 0.0005))
        try:
            scene = startup_scene_of(self.factory)
            if scene is not None:
                self.hub.publish([SceneReady(scene=scene)])
            session = self.factory()
            session.on_preview(lambda preview: self.hub.publish([SceneReady(scene=preview)]))
            scene = session.initialize()
            if scene is not None:
                self.hub.publish([SceneReady(scene=scene)])
                remember_scene_of(self.factory, scene)
            session.allow_batched_advance()  # nothing here counts advance() calls
            self.hub.publish(session.read_updates())
            def stopping() -> bool:  # Event.is_set takes no lock: safe against a signal handler that sets one
                return self._stop.is_set() or (until is not None and until.is_set())

            while not stopping():
                wait = 0.0 if session.is_live() else session.idle_sleep()
                for command in self._commands(wait):
                    self._handle(session, command)
                if stopping():
                    break
                if session.is_live():
                    session.advance()
                self.hub.publish(session.read_updates())
        except BaseException as exc:
            if not isinstance(exc, KeyboardInterrupt):
                self.hub.publish([Error(message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(),
                                        fatal=True)])
            raise
        finally:
            if session is not None:
                try:
                    session.shutdown()
                except Exception as exc:  # noqa: BLE001 - reported, the server still stops cleanly
                    log.error("session shutdown failed: %s: %s", type(exc).__name__, exc)
                    self.hub.publish([Error(message=f"session shutdown failed: {type(exc).__name__}: {exc}")])
            self.hub.flush(2.0)
            sys.setswitchinterval(switch)

    def _handle(self, session: Session, command: SessionCommand) -> None:
        """Apply a viewer's command; one the session cannot take is reported, never fatal for the others."""
        try:
            session.handle(command)
        except Exception as exc:  # noqa: BLE001 - any viewer may send any well-formed command
            log.warning("command %s failed: %s: %s", type(command).__name__, type(exc).__name__, exc)
            self.hub.publish([Error(message=f"{type(command).__name__} failed: {type(exc).__name__}: {exc}",
                                    traceback=traceback.format_exc())])

    def _commands(self, wait: float) -> list[SessionCommand]:
        commands: list[SessionCommand] = []
        try:
            item = self.hub.commands.get(timeout=wait) if wait > 0 else self.hub.commands.get_nowait()
            while True:
                if item is not None:
                    commands.append(item)
                item = self.hub.commands.get_nowait()
        except queue.Empty:
            return commands

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, drop every viewer, release the port; joins every thread it started."""
        self._stop.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout)
        if self._listener is not None:
            self._listener.close()
        with self._threads_lock:
            handshakes = list(self._threads)
        for thread in handshakes:
            thread.join(self.handshake_timeout + 1.0)
        self.hub.close(timeout)

    def __enter__(self) -> SessionServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _peer_name(addr: tuple) -> str:
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve(session_factory: Callable[[], Session], host: str = "127.0.0.1", port: int = 0, token: str | None = None,
          *, ssl_context: ssl.SSLContext | None = None, on_ready: Callable[[str], None] | None = None,
          stop: threading.Event | None = None, **options: float | int) -> None:
    """Serve a session to remote viewers until it ends, ``stop`` is set, or Ctrl+C (blocking).

    The session runs in the calling thread. Viewers connect with
    ``connect(url)`` or ``compneurovis connect URL``.

    Args:
        session_factory: A Session class or callable returning a Session.
        host: Interface to bind (loopback by default).
        port: TCP port; ``0`` picks a free one.
        token: Shared secret; a fresh random one if ``None``.
        ssl_context: Server-side TLS context (certificate loaded); the URL is then ``tls://``.
        on_ready: Called with the URL (token included) once the port is bound.
        stop: Set it (from any thread) to stop serving.
        **options: Further `SessionServer` options (``handshake_timeout``, ``stall_timeout``, ...).

    Raises:
        KeyboardInterrupt: After a clean stop on Ctrl+C: the first Ctrl+C stops
            the session between two steps (a recording it writes stays whole),
            a second one interrupts at once. Where the caller installed its
            own SIGINT handler, that handler is left in charge.
    """
    stop = threading.Event() if stop is None else stop
    with SessionServer(session_factory, host, port, token, ssl_context=ssl_context, **options) as server, \
            _stop_on_ctrl_c(stop) as interrupted:  # type: ignore[arg-type]
        if on_ready is not None:
            on_ready(server.url)
        done = threading.Event()

        def watch() -> None:  # a thread, so that a signal handler only ever sets an Event
            while not done.is_set():
                if stop.wait(0.1):
                    server.stop()
                    return

        watcher = threading.Thread(target=watch, name="cnv-stop", daemon=True)
        watcher.start()
        try:
            server.run(until=stop)
        finally:
            done.set()
            watcher.join(1.0)
    if interrupted:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _stop_on_ctrl_c(stop: threading.Event) -> Iterator[list[bool]]:
    """While serving from the main thread with Python's own Ctrl+C handler: Ctrl+C sets ``stop``.

    Yields a list that holds ``True`` once Ctrl+C stopped the server.
    """
    interrupted: list[bool] = []
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield interrupted
        return

    def on_interrupt(*_: object) -> None:
        if interrupted:
            raise KeyboardInterrupt
        interrupted.append(True)
        stop.set()
        os.write(2, b"compneurovis: stopping after this step (Ctrl+C again to stop at once)\n")

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
