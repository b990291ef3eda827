"""The trace plot of a notebook viewer: a `LinePlotViewSpec` drawn by matplotlib (Agg) into an image widget."""

from __future__ import annotations

import io
import threading
import time
from asyncio import AbstractEventLoop
from concurrent.futures import Future, ThreadPoolExecutor

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from compneurovis.core import Field, LinePlotViewSpec, MorphologyGeometry, Scene


def series(scene: Scene, spec: LinePlotViewSpec) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """``(x, [(label, y), ...])`` of a line plot view, from its field's current values."""
    field: Field = scene.fields[spec.field_id]
    values = np.asarray(field.values, dtype=np.float64)
    dims = tuple(field.dims)
    x_axis = dims.index(spec.x_dim)
    x = field.coords.get(spec.x_dim) if field.coords else None
    x = np.arange(values.shape[x_axis], dtype=np.float64) if x is None else np.asarray(x, dtype=np.float64)
    if spec.series_dim is None or spec.series_dim not in dims:
        return x, [(spec.title, values.reshape(-1))]
    s_axis = dims.index(spec.series_dim)
    values = np.moveaxis(values, (x_axis, s_axis), (0, 1))
    names = field.coords.get(spec.series_dim) if field.coords else None
    names = [str(n) for n in (names if names is not None else range(values.shape[1]))]
    geometry = scene.geometries.get(spec.geometry_id or "")
    out = []
    for i, name in enumerate(names):
        label = geometry.label_of(name) if isinstance(geometry, MorphologyGeometry) and name in geometry._index \
            else name
        out.append((label, values[:, i]))
    return x, out


class TracePlot(widgets.Image):
    """A PNG of one line plot view, redrawn on demand.

    matplotlib takes tens of milliseconds per picture, more on a busy machine.
    `redraw_in_background` draws in the plot's own thread, so the kernel's event
    loop goes on sending 3-D frames meanwhile (a slider's effect is not held up
    behind a trace plot); `redraw` draws at once, for scripts and `Viewer.wait`.

    Args:
        spec: The view.
        width: Pixels.
        height: Pixels.
    """

    def __init__(self, spec: LinePlotViewSpec, *, width: int = 800, height: int = 260) -> None:
        super().__init__(format="png", width=width, height=height)
        self.spec = spec
        self.figure = Figure(figsize=(width / 100, height / 100), dpi=100)
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_subplot(1, 1, 1)
        self.n_series = 0
        self.draws = 0
        #: Seconds the latest picture took to draw and encode.
        self.draw_seconds = 0.0
        self._labels: list[str] | None = None
        self.max_points = 2 * width
        self._figure_lock = threading.Lock()  # one thread draws the figure at a time
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[tuple[bytes, int]] | None = None

    def redraw(self, scene: Scene) -> None:
        """Draw the view's field as it is in ``scene`` now, and show it before returning."""
        self._show(*self._draw(*self._series(scene)))

    def redraw_in_background(self, scene: Scene, loop: AbstractEventLoop) -> bool:
        """Start drawing ``scene``'s field in the plot's thread; the picture is shown from ``loop``.

        The field's data are copied first, so ``scene`` may change meanwhile.
        Returns ``False`` (and starts nothing) while the previous picture is
        still being drawn.
        """
        if self._pending is not None and not self._pending.done():
            return False
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compneurovis-trace")
        future = self._pool.submit(self._draw, *self._series(scene))
        self._pending = future

        def done(finished: Future[tuple[bytes, int]]) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._drawn, finished)

        future.add_done_callback(done)
        return True

    def close(self) -> None:
        """Stop the drawing thread (waiting for a picture being drawn) and close the widget."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        super().close()

    def _drawn(self, future: Future[tuple[bytes, int]]) -> None:
        if future.cancelled() or self.comm is None:  # closed meanwhile
            return
        self._show(*future.result())  # a drawing error surfaces in the kernel's log, as a synchronous one would

    def _series(self, scene: Scene) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
        """The curves to draw, as copies: the rolling window applied, about two points per pixel column."""
        spec = self.spec
        x, lines = series(scene, spec)
        if spec.rolling_window is not None and x.size:
            keep = x >= x[-1] - spec.rolling_window
            x, lines = x[keep], [(label, y[keep]) for label, y in lines]
        stride = -(-x.size // self.max_points) if x.size > 2 * self.max_points else 1
        return np.array(x[::stride]), [(label, np.array(y[::stride])) for label, y in lines]

    def _draw(self, x: np.ndarray, lines: list[tuple[str, np.ndarray]]) -> tuple[bytes, int]:
        """The PNG of ``lines`` over ``x``, and how many curves it shows."""
        start = time.perf_counter()
        with self._figure_lock:
            png = self._draw_figure(x, lines)
        self.draw_seconds = time.perf_counter() - start
        return png, len(lines)

    def _draw_figure(self, x: np.ndarray, lines: list[tuple[str, np.ndarray]]) -> bytes:
        spec, ax = self.spec, self.axes
        labels = [label for label, _ in lines]
        if labels == self._labels and x.size:  # same curves: move their data, skip the layout
            for artist, (_, y) in zip(ax.lines, lines, strict=True):
                artist.set_data(x, y)
            ax.relim()
            ax.autoscale_view()
            return self._png()
        self._labels = labels
        ax.clear()
        for label, y in lines:
            ax.plot(x, y, lw=1.2, label=label)
        ax.set_title(spec.title, fontsize=10)
        ax.set_xlabel(spec.x_label + (f" ({spec.x_unit})" if spec.x_unit else ""), fontsize=9)
        ax.set_ylabel(spec.y_label + (f" ({spec.y_unit})" if spec.y_unit else ""), fontsize=9)
        ax.tick_params(labelsize=8)
        if lines and len(lines) <= 8:
            ax.legend(fontsize=8, loc="upper left")
        if not lines or not x.size:
            ax.text(0.5, 0.5, "click a segment to trace it", transform=ax.transAxes, ha="center", va="center",
                    color="0.5")
        self.figure.tight_layout()
        return self._png()

    def _png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
        return buffer.getvalue()

    def _show(self, png: bytes, n_series: int) -> None:
        self.value = png
        self.n_series = n_series
        self.draws += 1
