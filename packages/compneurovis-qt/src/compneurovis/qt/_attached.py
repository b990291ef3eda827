"""The window of ``show()``: ``python -m compneurovis.qt._attached SESSION_FD VIEWER_FD``.

Started by `compneurovis.core.ViewerLink` in the simulating process, which
keeps running the model; this process only draws. Updates and commands travel
over the inherited session socket (`AttachedTransport`); the viewer socket
carries the `Viewer`'s requests (screenshot, camera, close), answered here
between frames once the first Scene has arrived.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QImage

from compneurovis.core import CAMERA_KEYS, AttachedTransport, Camera, ScenePatch

from ._app import run_app
from ._frame_loop import FrameLoop
from ._window import CompNeuroVisWindow


def _camera_of(window: CompNeuroVisWindow) -> tuple[Any, Any] | None:
    """The first 3-D drawing's VTK camera and its drawing, or ``None`` before there is one."""
    for drawing in window.view_set.drawings.values():
        renderer = getattr(getattr(drawing, "renderer", None), "renderer", None)
        if renderer is not None and hasattr(renderer, "GetActiveCamera"):
            return renderer.GetActiveCamera(), drawing
    return None


def _rgb_bytes(image: QImage) -> tuple[int, int, bytes]:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    ptr = image.constBits()
    assert ptr is not None
    ptr.setsize(image.sizeInBytes())
    rows = np.frombuffer(ptr, dtype=np.uint8).reshape(h, image.bytesPerLine())[:, : w * 3]
    return w, h, np.ascontiguousarray(rows).tobytes()


class ViewerRequests:
    """Answers the `Viewer`'s requests on the viewer socket, from a Qt timer.

    Args:
        window: The window.
        conn: The viewer socket.
        offscreen: Close the window when the simulating process goes (nobody could close it).
        size: The size asked for: an offscreen window's pictures have exactly this size by default.
    """

    def __init__(self, window: CompNeuroVisWindow, conn: Connection, *, offscreen: bool,
                 size: tuple[int, int] | None = None) -> None:
        self.window = window
        self.size = size
        self.conn: Connection | None = conn
        self.offscreen = offscreen
        self.pending: list[dict[str, Any]] = []
        self._settled = False  # the last tick applied updates and put its answer off by one tick
        self.timer = QTimer(window)
        self.timer.setInterval(20)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        """Read new requests; answer those the window can answer now."""
        conn = self.conn
        if conn is None:
            return
        try:
            while conn.poll(0):
                self.pending.append(json.loads(conn.recv_bytes()))
        except (EOFError, OSError):
            self.conn = None
            self.timer.stop()
            if self.offscreen:
                self.window.close()
            return
        if self.pending and self._catch_up() and not self._settled:
            # what was applied (a first Scene builds its panels) is laid out by the event loop before the answer
            self._settled = True
            return
        self._settled = False
        while self.pending and (self.pending[0]["kind"] == "close" or _camera_of(self.window) is not None):
            request = self.pending.pop(0)
            if request["kind"] == "close":
                self.timer.stop()
                self.window.close()
                return
            try:
                answer, raw = self.answer(request)
            except Exception as exc:  # noqa: BLE001 - reported to the Viewer, which raises it
                answer, raw = {"error": f"{type(exc).__name__}: {exc}"}, None
            try:
                conn.send_bytes(json.dumps({**answer, "raw": raw is not None}).encode())
                if raw is not None:
                    conn.send_bytes(raw)
            except OSError:
                self.conn = None
                return

    def _catch_up(self) -> bool:
        """Apply the session updates already here (the `Viewer` sent them before its request); any applied?"""
        loop = self.window.findChild(FrameLoop)
        applied = False
        deadline = time.monotonic() + 0.5  # a running simulation keeps sending: the backlog, not forever
        while loop is not None and time.monotonic() < deadline:
            before = loop.updates_applied
            loop.tick()
            if loop.updates_applied == before:
                break
            applied = True
        return applied

    def answer(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
        """One request's JSON answer and raw bytes."""
        kind = request["kind"]
        window = self.window
        if kind in ("screenshot", "save_screenshot"):
            size = tuple(request["size"]) if request.get("size") else (self.size if self.offscreen else None)
            if size is not None and self.offscreen:
                window.fit_to_image_size(size)  # type: ignore[arg-type]
            image = window.grab_image(size)  # type: ignore[arg-type]
            if kind == "save_screenshot":
                if not image.save(request["path"], "PNG"):
                    raise OSError(f"could not write {request['path']}")
                return {"path": request["path"]}, None
            w, h, raw = _rgb_bytes(image)
            return {"width": w, "height": h}, raw
        found = _camera_of(window)
        assert found is not None
        _, drawing = found
        if kind == "camera":
            current = drawing.current_camera()
            return {k: list(getattr(current, k)) for k in CAMERA_KEYS}, None
        if kind == "set_camera":  # through the spec, as the window's own camera buttons do
            wanted = Camera(**request["camera"])
            window.apply_updates([ScenePatch(views={drawing.spec.id: {"camera": wanted}})])
            current = drawing.current_camera()
            return {k: list(getattr(current, k)) for k in CAMERA_KEYS}, None
        raise ValueError(f"unknown request {kind!r}")


def main(argv: list[str] | None = None) -> int:
    """Open the window of an attached simulation; return when it closes."""
    parser = argparse.ArgumentParser(prog="python -m compneurovis.qt._attached")
    parser.add_argument("session_fd", type=int)
    parser.add_argument("viewer_fd", type=int)
    parser.add_argument("--size", default="1200x800")
    parser.add_argument("--offscreen", action="store_true")
    args = parser.parse_args(argv)
    width, _, height = args.size.lower().partition("x")
    viewer = Connection(args.viewer_fd)
    keep: list[ViewerRequests] = []

    def attach(window: CompNeuroVisWindow) -> None:
        keep.append(ViewerRequests(window, viewer, offscreen=args.offscreen, size=(int(width), int(height))))

    try:
        return run_app(AttachedTransport(args.session_fd), size=(int(width), int(height)), on_window=attach)
    finally:
        for requests in keep:
            requests.timer.stop()
        viewer.close()


if __name__ == "__main__":
    sys.exit(main())
