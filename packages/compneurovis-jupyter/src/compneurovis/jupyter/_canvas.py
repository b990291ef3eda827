"""The 3-D panel of a notebook viewer: a `jupyter_rfb` frame buffer fed by `OffscreenMorphology`.

Mouse: left drag orbits, right drag or Shift+left drag pans, the wheel zooms,
a left click (no drag) picks a segment. Frames are adaptive: while a button
is held they are drawn at half resolution and sent as low-quality JPEG;
when the pointer is released a full-resolution frame follows, and
`jupyter_rfb` replaces it with a lossless PNG once the view is still.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
from jupyter_rfb import RemoteFrameBuffer

from ._render import OffscreenMorphology

#: Image scale and JPEG quality while dragging, and when still.
DRAG_SCALE, DRAG_QUALITY = 0.5, 50
STILL_QUALITY = 85
#: A press and release closer than this many pixels is a click, not a drag.
CLICK_SLOP = 4.0


class MorphologyCanvas(RemoteFrameBuffer):
    """A live image of one morphology view; see the module docstring for the mouse.

    Args:
        on_pick: Called with the entity index (or ``None``) of a click.
        width: CSS width in pixels.
        height: CSS height in pixels.
    """

    _event_compatibility = 2  # new-style events only ("type", "ratio")

    def __init__(self, on_pick: Callable[[int | None], None], *, width: int = 800, height: int = 600) -> None:
        # one frame in flight, not jupyter_rfb's two: a frame waits for fewer ahead of it (a slider's effect shows
        # sooner), and the kernel and the browser encode and decode fewer frames the page would drop anyway
        super().__init__(css_width=f"{width}px", css_height=f"{height}px", quality=STILL_QUALITY,
                         max_buffered_frames=1)
        self.layout.width = f"{width}px"
        self.on_pick = on_pick
        self.drawing: OffscreenMorphology | None = None
        self.logical_size = (width, height)
        self.dragging = False
        self._press: tuple[float, float, int, bool] | None = None
        self._last: tuple[float, float] = (0.0, 0.0)
        self._moved = False
        self.frames_drawn = 0
        self.last_frame: np.ndarray | None = None
        self.last_frame_time = 0.0
        #: ``produced_at`` (session clock, ``time.monotonic``) of the values now drawn, set by the viewer.
        self.produced_at: float | None = None
        #: ``(sent at, produced_at)`` of recent frames, for latency measurements.
        self.frame_log: deque[tuple[float, float | None]] = deque(maxlen=10_000)

    def attach(self, drawing: OffscreenMorphology | None) -> None:
        """Show ``drawing`` (``None``: nothing to draw)."""
        self.drawing = drawing
        if drawing is not None:
            drawing.resize(*self.logical_size)
        self.request_draw()

    # ------------------------------------------------------------- frames

    def render_array(self, scale: float = 1.0) -> np.ndarray | None:
        """Draw the view at ``scale`` of the widget's size and return the image."""
        if self.drawing is None:
            return None
        w, h = self.logical_size
        with self.drawing._lock:
            self.drawing.resize(round(w * scale), round(h * scale))
            image = self.drawing.render()
            if scale != 1.0:
                self.drawing.resize(w, h)
        return image

    def get_frame(self) -> np.ndarray | None:
        """Called by `jupyter_rfb` when the browser can take a frame."""
        image = self.render_array(DRAG_SCALE if self.dragging else 1.0)
        if image is not None:
            self.frames_drawn += 1
            self.last_frame_time = time.monotonic()
            self.frame_log.append((self.last_frame_time, self.produced_at))
            if not self.dragging:
                self.last_frame = image
        return image

    def push_frame(self) -> bool:
        """Draw now and send the frame without waiting for the browser to ask for it.

        `jupyter_rfb` draws from the kernel's event loop, once the browser has
        acknowledged earlier frames; both wait while a cell runs. A model driven
        by the running cell (``show()`` during ``h.continuerun``) pushes its
        frames with this instead. Returns whether a frame was sent.
        """
        send = getattr(self, "_rfb_send_frame", None)  # jupyter_rfb's own sender (no public one exists)
        image = self.get_frame()
        if image is None or send is None:
            self.request_draw()
            return False
        send(image)
        return True

    # ------------------------------------------------------------- events

    def handle_event(self, event: dict[str, Any]) -> None:
        """Camera moves and picking from the browser's pointer events."""
        kind = event.get("type")
        if kind == "resize":
            self.logical_size = (max(int(event["width"]), 16), max(int(event["height"]), 16))
            if self.drawing is not None:
                self.drawing.resize(*self.logical_size)
            return
        if self.drawing is None:
            return
        if kind == "pointer_down":
            shift = "Shift" in event.get("modifiers", ())
            self._press = (event["x"], event["y"], int(event.get("button", 1)), shift)
            self._last = (event["x"], event["y"])
            self._moved = False
        elif kind == "pointer_move" and self._press is not None:
            x0, y0, button, shift = self._press
            if not self._moved and np.hypot(event["x"] - x0, event["y"] - y0) < CLICK_SLOP:
                return
            self._moved = True
            self.dragging = True
            self.quality = DRAG_QUALITY
            dx, dy = event["x"] - self._last[0], event["y"] - self._last[1]
            self._last = (event["x"], event["y"])
            if button == 1 and not shift:
                self.drawing.orbit(dx, dy)
            else:
                self.drawing.pan(dx, dy)
            self.request_draw()
        elif kind == "pointer_up" and self._press is not None:
            x0, y0, button, _ = self._press
            self._press = None
            if not self._moved and button == 1:
                self.on_pick(self.drawing.pick(x0, y0))
            self.dragging = False
            self.quality = STILL_QUALITY
            self.request_draw()
        elif kind == "wheel":
            self.drawing.zoom(1.1 ** (-float(event.get("dy", 0.0)) / 100.0))
            self.request_draw()
