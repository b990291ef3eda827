"""`AdaptiveResolution`: draw a VTK window at a reduced resolution while its picture changes fast (Qt-free).

ParaView's image reduction for remote rendering, for one window: while renders
follow each other quickly (live colour updates, a camera drag), each renderer
draws into the lower-left ``scale`` part of the window (text at ``scale`` times
the DPI, so it keeps its size) and that part is stretched over the whole
window with a linear filter. ``scale`` is the largest level whose measured
draw time (the median of its latest renders, so one slow render does not
decide) fits ``budget``. A level not measured lately is predicted from its
pixel count, which holds where the cost is in the pixels; where it is not (a
small mesh drawn at a reduced level costs about as much), the prediction would
keep the view reduced for good, so the full level is measured again whenever
its measurement has expired, unless it was far over the budget (`PROBE_LIMIT`).
When none fits, the sharpest level whose CPU time (this process, OpenGL's
threads included) is within 15 % of the cheapest measured one is used: a
window whose cost does not shrink with its pixels (a small mesh on a software
OpenGL, where stretching the image costs about as much as drawing it) stays
sharp, and a loaded machine's wall-clock noise does not decide it. The first
render after a pause, and every render inside `full_resolution`, is drawn at full resolution
exactly as without this class (pixel-identical); ``on_reduced`` tells the host
when to draw that final sharp frame.

On a window shown on screen the stretched image is copied to the window's back
buffer directly (VTK's own presentation also copies the depth buffer, which
nothing here needs); an offscreen window keeps the small image in its lower-left
corner, and `region` says how much of it to read back and stretch.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from vtkmodules.vtkRenderingCore import vtkRenderWindow

#: Linear scales tried while live, largest first.
LEVELS = (1.0, 0.75, 0.5, 0.35, 0.25)
#: Renders per level whose median is its cost.
SAMPLES = 7
#: The full level is measured again after its measurement expired unless it cost more than this many budgets.
PROBE_LIMIT = 1.5

_GL_COLOR_BUFFER_BIT = 0x4000
_GL_NEAREST = 0x2600
_GL_LINEAR = 0x2601
_GL_READ_FRAMEBUFFER = 0x8CA8
_GL_DRAW_FRAMEBUFFER = 0x8CA9
_GL_FRONT_LEFT = 0x0400
_GL_BACK_LEFT = 0x0402


class AdaptiveResolution:
    """Reduced-resolution renders of ``window`` while it is redrawn faster than ``settle`` seconds apart.

    Args:
        window: The render window (its renderers are scaled at every render).
        budget: Seconds one render may take while live.
        settle: A render this soon (or 1.5 render intervals, up to 1 s) after
            the previous one is live; the rest are drawn at full resolution.
        levels: Scales to choose from, largest first (``1.0`` first).
        on_reduced: Called after each reduced render with the seconds after
            which, without another render, the host should draw once at full
            resolution (inside `full_resolution`).
        memory: Seconds a level's measured cost is trusted before it is measured again.
    """

    def __init__(self, window: vtkRenderWindow, *, budget: float = 1 / 60, settle: float = 0.25,
                 levels: tuple[float, ...] = LEVELS, on_reduced: Callable[[float], None] | None = None,
                 memory: float = 5.0) -> None:
        self.window = window
        self.budget = budget
        self.settle = settle
        self.levels = tuple(sorted(set(levels) | {1.0}, reverse=True))
        self.on_reduced = on_reduced
        self.memory = memory
        #: Largest scale of a live render (lower it to force reduced live frames, e.g. in tests).
        self.live_scale_cap = 1.0
        #: Scale of the latest render (1.0: full resolution).
        self.scale = 1.0
        #: Renders per scale since this object was made.
        self.counts: dict[float, int] = {}
        #: The latest render times (seconds) per scale, for benchmarks.
        self.times: dict[float, deque[float]] = {}
        self._enabled = False
        self._full = 0
        self._costs: dict[float, _Costs] = {}
        self._interval: float | None = None
        self._last_start: float | None = None
        self._started = 0.0
        self._started_cpu = 0.0
        self._viewports: list[tuple[float, ...]] = []
        self._base_dpi = self._dpi = window.GetDPI()
        self._blit_mode = window.GetFrameBlitMode()
        self._on_screen = not window.GetOffScreenRendering()
        self._tags = [window.AddObserver("StartEvent", self._start, 10.0),
                      window.AddObserver("RenderEvent", self._present),
                      window.AddObserver("EndEvent", self._end, 10.0)]
        self.enabled = True

    # ------------------------------------------------------------ switches

    @property
    def enabled(self) -> bool:
        """Whether live renders may be reduced (``False``: every render at full resolution, VTK's own path)."""
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self._enabled = bool(on)
        if self._on_screen:
            if self._enabled:
                self.window.SetFrameBlitModeToNoBlit()
            else:
                self.window.SetFrameBlitMode(self._blit_mode)

    @contextlib.contextmanager
    def full_resolution(self) -> Iterator[None]:
        """Renders inside this block are at full resolution (screenshots, movies, the final still frame)."""
        self._full += 1
        try:
            yield
        finally:
            self._full -= 1

    def region(self) -> tuple[int, int]:
        """``(width, height)`` in pixels of the lower-left part the latest render drew into."""
        width, height = self.window.GetSize()
        return _reduced(width, height, self.scale)

    def cost(self, scale: float, *, cpu: bool = False) -> float | None:
        """Median wall-clock (or ``cpu``) seconds of the latest renders at ``scale`` (``None`` if never measured)."""
        entry = self._costs.get(scale)
        return None if entry is None else entry.cost(cpu=cpu)

    def record(self, scale: float, seconds: float, cpu: float | None = None, now: float | None = None) -> None:
        """Add a measured render at ``scale``: wall-clock and CPU seconds (done for every render)."""
        now = time.monotonic() if now is None else now
        entry = self._costs.get(scale)
        if entry is None or now - entry.at >= self.memory:  # measured long ago: start over
            entry = self._costs[scale] = _Costs()
        entry.add(seconds, seconds if cpu is None else cpu, now)

    def detach(self) -> None:
        """Remove the observers and give the window back its own presentation."""
        self.enabled = False
        for tag in self._tags:
            self.window.RemoveObserver(tag)
        self._tags = []

    # ------------------------------------------------------------ choice

    def settle_delay(self) -> float:
        """Seconds without a render after which the picture counts as still."""
        interval = self._interval or 0.0
        return min(1.0, max(self.settle, 1.5 * interval))

    def choose(self, now: float) -> float:
        """The scale of a render starting at ``now``."""
        live = self._last_start is not None and now - self._last_start < self.settle_delay()
        if not self._enabled or self._full or not live:
            return 1.0
        levels = [s for s in self.levels if s <= self.live_scale_cap] or [self.levels[-1]]
        known = {s: c.cost() for s, c in self._costs.items() if now - c.at < self.memory}
        if levels[0] not in known:  # measure the sharpest level again, unless it was far too slow
            last = self._costs.get(levels[0])
            if last is None or last.cost() <= PROBE_LIMIT * self.budget or not known:
                return levels[0]
        for scale in levels:
            cost = known.get(scale)
            if cost is None:
                cost = self._predict(scale, known)
            if cost <= self.budget:
                return scale
        # nothing fits: the sharpest measured level within 15 % of the cheapest one in CPU time
        measured = {s: self._costs[s].cost(cpu=True) for s in known if s in levels} or {levels[0]: 0.0}
        cheapest = min(measured.values())
        return max(s for s, c in measured.items() if c <= 1.15 * cheapest)

    @staticmethod
    def _predict(scale: float, known: dict[float, float]) -> float:
        """A level not measured lately: the nearest measured one, scaled by the pixel count."""
        nearest = min(known, key=lambda s: abs(s - scale))
        return known[nearest] * (scale / nearest) ** 2

    # ------------------------------------------------------------ observers

    def _start(self, _obj: object, _event: str) -> None:
        now = time.monotonic()
        scale = self.choose(now)
        if self._last_start is not None:
            gap = now - self._last_start
            if gap < 1.0:
                self._interval = gap if self._interval is None else self._interval + 0.3 * (gap - self._interval)
        self._last_start = now
        self._started = time.perf_counter()
        self._started_cpu = time.process_time()
        self.scale = scale
        renderers = list(self.window.GetRenderers())
        self._viewports = [tuple(r.GetViewport()) for r in renderers]
        if scale < 1.0:
            for renderer, (x0, y0, x1, y1) in zip(renderers, self._viewports, strict=True):
                renderer.SetViewport(x0 * scale, y0 * scale, x1 * scale, y1 * scale)
        current = self.window.GetDPI()
        if current != self._dpi:  # set by someone else (the Qt widget, for the screen's pixel ratio)
            self._base_dpi = current
        self._dpi = max(1, round(self._base_dpi * scale))
        if current != self._dpi:  # text keeps its on-screen size (re-rasterized only on a change)
            self.window.SetDPI(self._dpi)

    def _present(self, _obj: object, _event: str) -> None:
        """Copy (and stretch) the rendered image to the back buffer of an on-screen window."""
        if not (self._on_screen and self._enabled):
            return
        width, height = self.window.GetSize()
        w, h = _reduced(width, height, self.scale)
        state = self.window.GetState()
        state.PushFramebufferBindings()
        source = self.window.GetRenderFramebuffer()
        source.Bind(_GL_READ_FRAMEBUFFER)
        source.ActivateReadBuffer(0)
        state.vtkglBindFramebuffer(_GL_DRAW_FRAMEBUFFER, 0)
        state.vtkglDrawBuffer(_GL_BACK_LEFT if self.window.GetDoubleBuffer() else _GL_FRONT_LEFT)
        state.vtkglViewport(0, 0, width, height)
        state.vtkglScissor(0, 0, width, height)
        state.vtkglBlitFramebuffer(0, 0, w, h, 0, 0, width, height, _GL_COLOR_BUFFER_BIT,
                                   _GL_LINEAR if (w, h) != (width, height) else _GL_NEAREST)
        state.PopFramebufferBindings()

    def _end(self, _obj: object, _event: str) -> None:
        for renderer, viewport in zip(self.window.GetRenderers(), self._viewports, strict=False):
            renderer.SetViewport(*viewport)
        took = time.perf_counter() - self._started
        self.record(self.scale, took, time.process_time() - self._started_cpu)
        self.counts[self.scale] = self.counts.get(self.scale, 0) + 1
        self.times.setdefault(self.scale, deque(maxlen=500)).append(took)
        if self.scale < 1.0 and self.on_reduced is not None:
            self.on_reduced(self.settle_delay())


def _reduced(width: int, height: int, scale: float) -> tuple[int, int]:
    if scale >= 1.0:
        return width, height
    # as vtkRenderer::GetSize rounds a viewport (0, 0, scale, scale) to pixels
    return max(1, int(width * scale + 0.5)), max(1, int(height * scale + 0.5))


@dataclass
class _Costs:
    """The latest render times of one level: wall-clock and CPU seconds, and when the last was measured."""

    walls: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    cpus: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    at: float = 0.0

    def add(self, wall: float, cpu: float, now: float) -> None:
        self.walls.append(wall)
        self.cpus.append(cpu)
        self.at = now

    def cost(self, *, cpu: bool = False) -> float:
        return statistics.median(self.cpus if cpu else self.walls)
