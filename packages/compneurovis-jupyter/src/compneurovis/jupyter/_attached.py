"""`NotebookLink`: what ``show()`` draws into when it runs in a notebook: a viewer widget in the kernel.

``compneurovis.neuron.show()`` attaches a window to the model in the user's
own ``h``; the model is advanced by the user's cell (``h.continuerun(100)``),
which holds the kernel for the whole run. In a notebook the window is this
widget instead of a Qt process (found through the ``compneurovis.notebook``
entry point): the display steps of the run hand their updates straight to it,
and the widget draws and sends a frame from inside the run (every `PUSH_S`
seconds at most, and less often when a frame costs more than `PUSH_SHARE` of
that time), since neither the kernel's event loop nor the browser's
acknowledgements get through while a cell runs. What the user does in the widget reaches the
model at its next display step.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from compneurovis.core import CAMERA_KEYS, Camera, SessionCommand, SessionUpdate, ViewerClosed

from ._source import InProcessSource
from ._viewer import Viewer, _png

#: Shortest interval, in seconds, between two frames pushed from inside a running cell.
PUSH_S = 0.1
#: Most of a run's wall time spent drawing those frames (the interval grows with the draw time).
PUSH_SHARE = 0.2
#: Widest 3-D view in pixels (``show(size=...)`` is scaled down to it).
MAX_WIDTH = 800


class NotebookLink:
    """The notebook side of ``show()``: a `Viewer` widget fed from this process, with `ViewerLink`'s interface.

    Displays the widget in the current cell's output when made.

    Args:
        size: ``(width, height)`` of the 3-D view in pixels (scaled down to `MAX_WIDTH` wide).
        offscreen: Ignored (the widget is drawn offscreen anyway).
    """

    #: A paused run cannot be resumed from the widget while the cell runs: no pause action in notebooks.
    can_hold_run = False

    def __init__(self, *, size: tuple[int, int] = (800, 600), offscreen: bool = False) -> None:
        from IPython.display import display

        width = min(int(size[0]), MAX_WIDTH)  # a window's size, scaled to fit a notebook's column
        height = round(int(size[1]) * width / max(int(size[0]), 1))
        self.source = InProcessSource()
        self.viewer = Viewer(self.source, width=width, height=height)
        self.closed = False
        self._pushed_at = 0.0
        self._interval = PUSH_S
        display(self.viewer)

    @property
    def alive(self) -> bool:
        """Whether the widget is still open."""
        return not self.closed and not self.viewer.closed

    def emit(self, updates: list[SessionUpdate]) -> None:
        """Hand updates to the widget; draw and send a frame if `PUSH_S` has passed since the last."""
        if not updates or not self.alive:
            return
        self.source.put(updates)
        if threading.current_thread() is not threading.main_thread():
            return  # a driver thread (Jaxley's show): the widget's own tick on the kernel's loop applies them
        now = time.monotonic()
        if now - self._pushed_at >= self._interval:
            self._pushed_at = now
            self.viewer.pump()
            if self.viewer.drawing is not None:
                start = time.monotonic()
                self.viewer.canvas.push_frame()
                # drawing happens in the run's own thread: keep it to PUSH_SHARE of the run's time
                self._interval = max(PUSH_S, (time.monotonic() - start) / PUSH_SHARE)

    def commands(self) -> list[SessionCommand]:
        """What the widget sent since the last call."""
        return self.source.take_commands()

    def wait_command(self, timeout: float) -> list[SessionCommand]:
        """The commands already sent; if none, sleep up to ``timeout`` (none can arrive while a cell runs)."""
        out = self.commands()
        if not out:
            time.sleep(min(timeout, 0.05))
        return out

    def request(self, kind: str, timeout: float = 60.0, **payload: Any) -> tuple[dict[str, Any], bytes | None]:
        """Answer a `compneurovis.core.Viewer`: ``screenshot``, ``save_screenshot``, ``camera`` or ``set_camera``.

        Raises:
            ViewerClosed: If the widget has been closed.
            RuntimeError: For anything else.
        """
        if not self.alive:
            raise ViewerClosed("the notebook viewer has been closed")
        self.viewer.pump()
        drawing = self.viewer.drawing
        if drawing is None:
            raise RuntimeError(f"cannot {kind}: the viewer has no morphology yet")
        if kind == "screenshot":
            image = self._image(payload.get("size"))
            return {"width": image.shape[1], "height": image.shape[0]}, image.tobytes()
        if kind == "save_screenshot":
            path = Path(payload["path"])
            path.write_bytes(_png(self._image(None)))
            return {"path": os.fspath(path)}, None
        if kind == "camera":
            camera = drawing.camera()
            return {k: list(getattr(camera, k)) for k in CAMERA_KEYS}, None
        if kind == "set_camera":
            given = payload["camera"]
            drawing.set_camera(Camera(**({"preset": given["preset"]} if "preset" in given else given)))
            self.viewer.canvas.request_draw()
            return {}, None
        raise RuntimeError(f"the notebook viewer cannot {kind!r}")

    def _image(self, size: Any) -> np.ndarray:
        """The 3-D view now; at ``size`` (width, height) when given, else at the widget's size."""
        if size is None:
            return self.viewer.screenshot()
        drawing = self.viewer.drawing
        assert drawing is not None
        with drawing._lock:
            drawing.resize(int(size[0]), int(size[1]))
            try:
                return drawing.render()
            finally:
                drawing.resize(*self.viewer.canvas.logical_size)

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the widget has been closed (a notebook cell never blocks on it)."""
        return not self.alive

    def release(self) -> None:
        """At the end of the kernel: leave the widget as it is."""
        self.closed = True

    def close(self, timeout: float = 10.0) -> None:
        """Close the widget."""
        self.closed = True
        self.viewer.close()
