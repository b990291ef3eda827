"""Helpers of the TCP transport tests: a server run in a thread or a child process, and a polling viewer."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from compneurovis.core import DisplayFrame, RemoteTransport, SceneReady, SessionServer, connect

CHILD = Path(__file__).with_name("remote_server_child.py")


@contextlib.contextmanager
def served(factory, **options) -> Iterator[SessionServer]:
    """A `SessionServer` on loopback running its session in a thread; stopped and closed on exit."""
    server = SessionServer(factory, **options).start()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test
            failure.append(exc)

    thread = threading.Thread(target=run, name="test-session")
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(30)
        server.close()
        assert not thread.is_alive()
    server.failure = failure  # type: ignore[attr-defined]


class Watcher:
    """Polls a transport in a thread, applying every update to its own Scene."""

    def __init__(self, transport: RemoteTransport) -> None:
        self.transport = transport
        self.updates: list = []
        self.frames: list[tuple[float, float]] = []  # (wall time, sim time) of each display frame
        self.scene = None
        self.scenes = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="test-viewer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and not self.transport.finished:
            got = self.transport.poll(0.05)
            now = time.monotonic()
            with self._lock:
                for update in got:
                    self.updates.append(update)
                    if isinstance(update, SceneReady):
                        self.scene = update.scene
                        self.scenes += 1
                    elif self.scene is not None:
                        self.scene.apply(update)
                    if isinstance(update, DisplayFrame) and update.sim_time is not None:
                        self.frames.append((now, update.sim_time))

    def wait(self, predicate, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(self):
                    return
            time.sleep(0.02)
        raise AssertionError(f"timed out; {len(self.updates)} updates, last "
                             f"{[type(u).__name__ for u in self.updates[-5:]]}")

    def progress(self, start: float, end: float) -> tuple[float, int]:
        """(simulated ms, display frames) received between two wall times."""
        with self._lock:
            before = [s for w, s in self.frames if w <= start]
            upto = [s for w, s in self.frames if w <= end]
            count = sum(1 for w, _ in self.frames if start < w <= end)
        if not before or not upto:
            return 0.0, count
        return upto[-1] - before[-1], count

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.transport.close()
        assert not self._thread.is_alive()


def slow_reader(url: str) -> RemoteTransport:
    """An authenticated transport with a tiny TCP receive window (set before connecting)."""
    transport = RemoteTransport(url)
    addr = transport.address
    sock = socket.socket(socket.AF_INET6 if ":" in addr.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((addr.host, addr.port))
    transport._handshake(sock, time.monotonic() + 10)
    transport._sock = sock
    return transport


def watch(url: str, **options) -> Watcher:
    return Watcher(connect(url, **options))


@contextlib.contextmanager
def child_server(tmp_path: Path, *args: str) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    """The FitzHugh-Nagumo cable served by a child process: yields (process, url, log file)."""
    log = tmp_path / "server.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, stderr=err,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = proc.stdout.readline().decode().strip()  # type: ignore[union-attr]
        assert url.startswith("tcp://"), f"server did not start: {log.read_text()}"
        yield proc, url, log
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()  # type: ignore[union-attr]


def closed_by_server(sock: socket.socket, timeout: float) -> float:
    """Read until the server hangs up (or resets); close ``sock``; return the seconds that took."""
    sock.settimeout(timeout)
    start = time.monotonic()
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    return time.monotonic() - start
