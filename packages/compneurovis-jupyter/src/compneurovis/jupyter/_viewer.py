"""`Viewer`: a live CompNeuroVis Scene as a notebook widget; `show` makes one."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
import weakref
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from compneurovis.core import (
    DisplayFrame,
    EntityClicked,
    Error,
    FieldAppend,
    FieldReplace,
    InvokeAction,
    LinePlotViewSpec,
    MorphologyViewSpec,
    Reset,
    Scene,
    SceneError,
    SceneReady,
    SessionUpdate,
    SetControl,
    Status,
    UpdateCoalescer,
)

from ._canvas import MorphologyCanvas
from ._controls import ControlsBox
from ._render import OffscreenMorphology
from ._source import make_source
from ._traces import TracePlot

#: Seconds between two polls of the session on the kernel's event loop.
TICK_S = 1 / 30
#: Most update batches read per poll.
MAX_BATCHES = 16
#: Seconds between two trace plot redraws, at least.
TRACE_PERIOD_S = 1.0
#: The trace plot waits this many times as long as its latest picture took before drawing the next, so that
#: matplotlib takes at most about a tenth of the kernel's time however slow the machine.
TRACE_SPACING = 10.0

_live: weakref.WeakSet[Viewer] = weakref.WeakSet()
_by_cell: dict[str, weakref.ref[Viewer]] = {}


def _cell_id() -> str | None:
    """The id of the notebook cell being run (JupyterLab and Notebook 7 send it), or ``None``."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        parent = kernel.get_parent() if kernel is not None else None
        return (parent or {}).get("metadata", {}).get("cellId")
    except Exception:  # noqa: BLE001 - outside a kernel
        return None


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


class Viewer(widgets.VBox):
    """The live view of a Scene or a running session in a notebook cell.

    Use `show` to make one. The 3-D morphology (orbit, pan, zoom, click a
    segment to trace it), the trace plot and the controls update while the
    kernel is idle; another cell can read `scene`, call `set_control`,
    `pause`, `reset` or `close`.

    Args:
        target: See `show`.
        width: Width of the 3-D view in pixels.
        height: Height of the 3-D view in pixels.
        process: See `show`.
    """

    def __init__(self, target: Any, *, width: int = 800, height: int = 600, process: bool | None = None) -> None:
        static, self.source = make_source(target, process=process)
        self.scene: Scene | None = None
        self.errors: list[Error] = []
        self.status = ""
        self.sim_time: float | None = None
        self.traced: list[str] = []
        self.closed = False
        self.frame_produced_at: float | None = None
        self.control_sent: list[tuple[float, str, Any]] = []
        self.snapshot_values: np.ndarray | None = None
        self.snapshot_limits: tuple[float, float] | None = None
        self._size = (width, height)
        self.drawing: OffscreenMorphology | None = None
        self.trace: TracePlot | None = None
        self.controls: ControlsBox | None = None
        self._trace_due = False
        self._colors_due = False
        self._coalescer = UpdateCoalescer()
        self._trace_next = 0.0  # time.monotonic() before which the trace plot is not redrawn
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.title_html = widgets.HTML()
        self.status_html = widgets.HTML()
        self.canvas = MorphologyCanvas(self._picked, width=width, height=height)
        super().__init__([self.title_html, self.canvas, self.status_html])
        cell = _cell_id()
        if cell is not None:
            old = _by_cell.get(cell)
            if old is not None and old() is not None:
                old().close()  # type: ignore[union-attr]
            _by_cell[cell] = weakref.ref(self)
        _live.add(self)
        if static is not None:
            self._set_scene(static)
        if self.source is not None:
            self.source.start()
            with contextlib.suppress(RuntimeError):  # no running loop: call pump() or wait() yourself
                self._loop = asyncio.get_running_loop()
                self._handle = self._loop.call_later(TICK_S, self._tick)

    # ------------------------------------------------------------- updates

    def _tick(self) -> None:
        self._handle = None
        if self.closed:
            return
        try:
            self._pump(0.0, background=True)
        finally:
            if not self.closed and self._loop is not None and not self._loop.is_closed():
                self._handle = self._loop.call_later(TICK_S, self._tick)

    def pump(self, timeout: float = 0.0) -> int:
        """Apply the updates that have arrived (waiting up to ``timeout`` for the first); returns how many."""
        return self._pump(timeout, background=False)

    def _pump(self, timeout: float, *, background: bool) -> int:
        if self.source is None or self.closed:
            return 0
        # bounded: a session faster than the kernel must not keep one poll reading for ever
        updates = self._coalescer.coalesce(self.source.poll(timeout, max_messages=MAX_BATCHES))
        for update in updates:
            self._apply(update)
        self._refresh(background=background)
        return len(updates)

    def _apply(self, update: SessionUpdate) -> None:
        if isinstance(update, SceneReady):
            self._set_scene(update.scene)
            return
        if isinstance(update, Error):
            self.errors.append(update)
            self._show_status(f"<b style='color:#c33'>Error:</b> {update.message}")
            return
        if self.scene is None:
            return
        try:
            self.scene.apply(update)
        except SceneError as exc:
            self.errors.append(Error(message=str(exc)))
            self._show_status(f"<b style='color:#c33'>Update refused:</b> {exc}")
            return
        if isinstance(update, Status):
            self._show_status(update.message)
        if isinstance(update, DisplayFrame | FieldReplace | FieldAppend):
            if update.sim_time is not None:
                self.sim_time = update.sim_time
            if self.drawing is not None and update.field_id == self.drawing.spec.color_field_id:
                self._colors_due = True  # coloured once per pump, however many frames arrived
                self.frame_produced_at = getattr(update, "produced_at", None)
            if self.trace is not None and update.field_id == self.trace.spec.field_id:
                self._trace_due = True

    def _refresh(self, *, background: bool = False) -> None:
        """Recolour the 3-D view and, when due, redraw the trace plot (in its own thread on the event loop)."""
        now = time.monotonic()
        if self._colors_due and self.drawing is not None and self.scene is not None:
            self._colors_due = False
            self.drawing.set_values(self.scene.fields[self.drawing.spec.color_field_id].values)
            self.canvas.produced_at = self.frame_produced_at
            self.canvas.request_draw()
        if self.trace is not None and self.scene is not None and self._trace_due and now >= self._trace_next:
            if background and self._loop is not None:
                if not self.trace.redraw_in_background(self.scene, self._loop):
                    return  # the previous picture is still being drawn
            else:
                self.trace.redraw(self.scene)
            self._trace_due = False
            self._trace_next = now + max(TRACE_PERIOD_S, TRACE_SPACING * self.trace.draw_seconds)

    def _show_status(self, text: str) -> None:
        self.status = text
        self.status_html.value = f"<span style='font-size:12px'>{text}</span>"

    def _set_scene(self, scene: Scene) -> None:
        self.scene = scene
        if self.drawing is not None:
            self.drawing.close()
        morph = next((v for v in scene.views.values() if isinstance(v, MorphologyViewSpec)), None)
        lines = next((v for v in scene.views.values() if isinstance(v, LinePlotViewSpec)), None)
        self.drawing = OffscreenMorphology(scene, morph.id, self._size) if morph is not None else None
        self.canvas.attach(self.drawing)
        self.trace = TracePlot(lines, width=self._size[0]) if lines is not None else None
        if self.trace is not None:
            self.trace.redraw(scene)
        self.controls = ControlsBox(list(scene.controls.values()), list(scene.actions.values()), scene.state,
                                    self._user_changed, self.invoke)
        self.title_html.value = f"<b>{scene.title}</b>"
        self._show_status(scene.status or "")  # a preview says so; the session's own Scene clears it
        parts: list[Any] = [self.title_html, widgets.HBox([self.canvas, self.controls])]
        if self.trace is not None:
            parts.append(self.trace)
        self.children = (*parts, self.status_html)

    # ------------------------------------------------------------- user actions

    def _user_changed(self, control_id: str, value: Any) -> None:
        self.set_control(control_id, value)

    def _picked(self, index: int | None) -> None:
        if self.drawing is None:
            return
        self.drawing.view.select(index)
        self.canvas.request_draw()
        if index is None:
            return
        entity_id = self.drawing.geometry.entity_ids[index]
        if entity_id not in self.traced:
            self.traced.append(entity_id)
        self._show_status(f"traced {self.drawing.geometry.labels[index]}")
        if self.source is not None:
            self.source.send(EntityClicked(entity_id=entity_id, view_id=self.drawing.spec.id))

    def click(self, entity_id: str) -> None:
        """Do what a click on segment ``entity_id`` does: highlight it and ask the session to trace it."""
        if self.drawing is None:
            raise RuntimeError("this viewer has no morphology view")
        self._picked(self.drawing.geometry.index_of(entity_id))

    def set_control(self, control_id: str, value: Any) -> None:
        """Set control ``control_id`` to ``value`` (checked against its spec) and tell the session.

        Raises:
            KeyError: For an unknown control id (the message lists the known ones).
            SceneError: For a value outside the control's spec.
        """
        if self.scene is None:
            raise RuntimeError("no Scene yet: wait for the session (viewer.wait_for_scene())")
        control = self.scene.controls.get(control_id)
        if control is None:
            raise KeyError(f"no control {control_id!r}; this Scene has {sorted(self.scene.controls)}")
        value = control.validate(value)
        self.scene.state[control_id] = value
        if self.controls is not None:
            self.controls.set_value(control_id, value)
        self.control_sent.append((time.monotonic(), control_id, value))
        if self.source is not None:
            self.source.send(SetControl(control_id=control_id, value=value))

    def invoke(self, action_id: str) -> None:
        """Trigger action ``action_id`` (as its button does)."""
        if self.scene is not None and action_id not in self.scene.actions:
            raise KeyError(f"no action {action_id!r}; this Scene has {sorted(self.scene.actions)}")
        if self.source is not None:
            self.source.send(InvokeAction(action_id=action_id))

    def pause(self) -> None:
        """Pause or resume the session (its ``pause`` action)."""
        self.invoke("pause")

    def reset(self) -> None:
        """Restart the simulation from its initial state."""
        if self.source is not None:
            self.source.send(Reset())

    # ------------------------------------------------------------- waiting, images

    def wait(self, seconds: float) -> None:
        """Block for ``seconds`` while applying updates (in a script, or to let a notebook run on)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.source is None or self.source.finished:
                time.sleep(min(left, 0.05))
            else:
                self.pump(min(left, 0.05))
        self._trace_next = 0.0
        self._refresh()

    def wait_for_scene(self, timeout: float = 60.0) -> Scene:
        """Block until the session's first Scene arrives and return it.

        Raises:
            RuntimeError: If the session failed or ended first (with its error), or on timeout.
        """
        self._wait_until(lambda: self.scene is not None, timeout, "Scene")
        assert self.scene is not None
        return self.scene

    def wait_for_frame(self, timeout: float = 60.0) -> float:
        """Block until the session's first display frame has arrived; return its simulated time (ms).

        A session that compiles its model first (Jaxley) reaches its first frame
        some seconds after its Scene.

        Raises:
            RuntimeError: If the session failed or ended first (with its error), or on timeout.
        """
        self._wait_until(lambda: self.sim_time is not None, timeout, "frame")
        assert self.sim_time is not None
        return self.sim_time

    def _wait_until(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        """Pump until ``done()``; raise if the session fails or ends first (without a ``what``), or on timeout."""
        end = time.monotonic() + timeout
        while not done():
            if self.errors and self.errors[-1].fatal:
                raise RuntimeError(f"the session failed: {self.errors[-1].message}")
            if self.source is None or self.source.finished:
                raise RuntimeError(f"the session ended without a {what}")
            if time.monotonic() > end:
                raise RuntimeError(f"no {what} within {timeout:g} s")
            self.pump(0.05)

    def screenshot(self) -> np.ndarray:
        """The 3-D view as it is now: ``(height, width, 3)`` uint8 RGB."""
        if self.drawing is None:
            raise RuntimeError("nothing to draw yet (no Scene with a morphology view)")
        image = self.canvas.render_array()
        assert image is not None
        self.canvas.last_frame = image
        return image

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict) and self.drawing is not None and not self.closed:
            data["image/png"] = _png(self.screenshot())
            # what that picture shows, for checking it against the model
            self.snapshot_values = None if self.drawing.values is None else self.drawing.values.copy()
            self.snapshot_limits = self.drawing.view.limits
        return bundle

    # ------------------------------------------------------------- teardown

    def close(self) -> None:
        """Stop the session (its worker process or thread) and close the widgets."""
        if self.closed:
            return
        self.closed = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        try:
            if self.source is not None:
                self.source.close()
        finally:
            if self.drawing is not None:
                self.drawing.close()
                self.drawing = None
            for child in (self.canvas, self.trace, self.controls, self.title_html, self.status_html):
                if child is not None:
                    child.close()
            super().close()
            _live.discard(self)


def show(target: Any, *, width: int = 800, height: int = 600, process: bool | None = None) -> Viewer:
    """Show ``target`` live in the notebook; returns the `Viewer` (display it as the cell's value).

    Args:
        target: A `Scene`; a `Session` class or factory (in a worker process when a spawned
            process can import it, else, e.g. when defined in a notebook cell, in a kernel
            thread); a `Session` instance such as a `ReplaySession` (a kernel thread); the
            path of a recording (replayed); or a ``tcp://`` URL (needs ``compneurovis.core.connect``).
        width: Width of the 3-D view in pixels.
        height: Height of the 3-D view in pixels.
        process: ``True``/``False`` forces a worker process/a kernel thread for a class or factory.

    Re-running the cell that made a viewer closes the old one first.
    """
    return Viewer(target, width=width, height=height, process=process)


def close_all() -> None:
    """Close every open viewer (their sessions, threads and worker processes)."""
    for viewer in list(_live):
        viewer.close()


