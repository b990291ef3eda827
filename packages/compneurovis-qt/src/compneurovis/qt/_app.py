"""`run_app`: open a window for a Scene, a Session (in a worker process) or a ReplaySession."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QEventLoop, Qt, QTimer
from PyQt6.QtWidgets import QApplication

from compneurovis.core import (
    Error,
    RecordingSession,
    RemoteTransport,
    Scene,
    Session,
    SessionUpdate,
    WorkerTransport,
    connect,
    is_remote_url,
)
from compneurovis.vtk import leave_a_core_for_the_simulation

from ._theme import apply_app_palette

if TYPE_CHECKING:  # imported in run_app, once the worker is starting (they load VTK, pyqtgraph, superqt)
    from ._frame_loop import FrameLoop
    from ._window import CompNeuroVisWindow

log = logging.getLogger("compneurovis.qt")


def _same(session: Session) -> Session:
    """Worker-side factory for a Session instance (pickled across)."""
    return session


def _transport_for(target: Any, record: str | os.PathLike[str] | None = None,
                   ) -> WorkerTransport | RemoteTransport | None:
    if is_remote_url(target):
        if record is not None:
            raise ValueError("run_app(record=...) records a local session; record a remote one where it runs "
                             "(compneurovis serve --record)")
        return connect(target)
    if isinstance(target, Scene):
        if record is not None:
            raise ValueError("run_app(record=...) records a session; a static Scene has nothing to record")
        return None
    if isinstance(target, WorkerTransport):  # already made, e.g. the link of an attached show() window
        return target
    if isinstance(target, Session):
        factory: Callable[[], Session] = functools.partial(_same, target)
    elif callable(target):
        factory = target
    else:
        raise TypeError(f"run_app needs a Scene, a Session, a Session class or a factory; got {target!r}")
    if record is not None:  # recorded inside the worker, before any coalescing
        factory = functools.partial(RecordingSession, factory, os.fspath(record))
    return WorkerTransport(factory)


def ensure_application(*, offscreen: bool = False, theme: str = "dark") -> QApplication:
    """Return the running QApplication, creating one if needed.

    Args:
        offscreen: When creating it, use Qt's ``offscreen`` platform (no display)
            unless ``QT_QPA_PLATFORM`` is already set. Without a display
            (no ``DISPLAY`` or ``WAYLAND_DISPLAY`` on Linux) it is used anyway.
        theme: Palette for a new application (``"dark"`` or ``"light"``).
    """
    return _application(offscreen, theme)


def has_display() -> bool:
    """Whether Qt can open windows here: always on macOS and Windows, else with ``DISPLAY`` or ``WAYLAND_DISPLAY``."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _application(offscreen: bool, theme: str) -> QApplication:
    app = QApplication.instance()
    if app is None:
        # With no display Qt's default (xcb) platform aborts the process: use the offscreen one, where
        # the 3-D panels draw through an offscreen VTK window (see `View3DPanel`).
        if (offscreen or not has_display()) and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
            if not offscreen:
                log.warning("no display (DISPLAY/WAYLAND_DISPLAY unset): windows are drawn offscreen and "
                            "not shown; take a screenshot, or run under xvfb-run -a to see them")
        app = QApplication(["compneurovis"])
        apply_app_palette(app, theme)
    assert isinstance(app, QApplication)
    return app


class ScreenshotError(RuntimeError):
    """``run_app(screenshot=...)`` could not write a true picture of the session.

    Raised when the file's folder is not writable (before the session starts),
    when the session fails or ends before its first Scene, when no Scene arrives
    in time, when the session fails before the picture is taken (the picture,
    showing the error, is still written and the message says so), or when the
    file cannot be written.
    """


class _NoUpdates:
    finished = False

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        return []


class _Watched:
    """An update source that remembers the session's first fatal error."""

    def __init__(self, source: WorkerTransport | RemoteTransport | _NoUpdates) -> None:
        self.source = source
        self.fatal: Error | None = None

    @property
    def finished(self) -> bool:
        return self.source.finished

    def poll(self, timeout: float = 0.0, *, max_messages: int | None = None) -> list[SessionUpdate]:
        updates = self.source.poll(timeout, max_messages=max_messages)
        if self.fatal is None:
            self.fatal = next((u for u in updates if isinstance(u, Error) and u.fatal), None)
        return updates


def _check_writable(path: Path) -> None:
    """Fail before the session starts if ``path`` cannot be written (its folder is made if missing)."""
    try:
        if path.is_dir():
            raise ScreenshotError(f"cannot write the screenshot {path}: it is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".cnv-probe-"):
            pass
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScreenshotError(f"cannot write the screenshot {path}: {reason}") from None


def run_app(
    target: Scene | Session | type[Session] | Callable[[], Session] | str,
    *,
    screenshot: str | os.PathLike[str] | None = None,
    after: float = 2.0,
    size: tuple[int, int] = (1400, 860),
    theme: str = "dark",
    timeout: float = 120.0,
    on_first_frame: Callable[[float], None] | None = None,
    on_window: Callable[[CompNeuroVisWindow], None] | None = None,
    show_timings: bool = False,
    record: str | os.PathLike[str] | None = None,
    adaptive_resolution: bool = True,
) -> int:
    """Open a window for ``target`` and return when it closes (or after a screenshot).

    Sessions run in a worker process (`WorkerTransport`), never in the GUI
    process; closing the window stops the session and the worker.

    Args:
        target: A static `Scene`; a `Session` class or top-level factory; a
            picklable `Session` instance such as a `ReplaySession`; or the URL of a
            session served elsewhere (``tcp://HOST:PORT#TOKEN``, see `compneurovis.core.serve`).
        screenshot: Write a PNG of the whole window here (rendered offscreen,
            no display needed) and return instead of waiting for the user.
        after: With ``screenshot``: seconds of the running session (from its
            first Scene) to wait before taking it.
        size: Window size in pixels; the screenshot has exactly this size (below the
            window's minimum it is drawn larger and scaled down).
        theme: ``"dark"`` or ``"light"``.
        timeout: With ``screenshot``: give up (return 1) if no Scene arrives in
            this many seconds.
        on_first_frame: Called with the seconds from `run_app` to the first 3-D frame.
        on_window: Called with the window once it exists (for tests and tools).
        show_timings: Show sim ms per wall second and display latency in the
            status bar from the start (F2 toggles it).
        record: Record the session to this HDF5 file as it runs (a
            `RecordingSession` in the worker; Ctrl+R pauses and resumes it).
        adaptive_resolution: Let 3-D views draw live frames at a reduced
            resolution when their draws are slow (the View menu switches it;
            screenshots are always at full resolution).

    Returns:
        ``0`` when the window was closed or the screenshot written.

    Raises:
        ScreenshotError: With ``screenshot``, if no true picture could be written
            (the reason, e.g. the session's own error message, is in the message).
        KeyboardInterrupt: Ctrl+C while waiting for a screenshot (the worker is stopped first).
    """
    started = time.monotonic()
    offscreen = screenshot is not None
    if screenshot is not None:
        _check_writable(Path(screenshot))
    leave_a_core_for_the_simulation()  # before the first GL context: software GL beside the worker
    app = _application(offscreen, theme)
    transport = _transport_for(target, record)
    if transport is not None and transport.pid is None:  # the worker builds its model while the window's modules load
        transport.start()
    try:
        from ._frame_loop import FrameLoop
        from ._window import CompNeuroVisWindow

        window = CompNeuroVisWindow(target if isinstance(target, Scene) else None,
                                    send=transport.send if transport is not None else None,
                                    offscreen=offscreen, theme=theme, show_timings=show_timings,
                                    adaptive_resolution=adaptive_resolution)
    except BaseException:
        if transport is not None:
            transport.close()
        raise
    loop: FrameLoop | None = None
    try:
        window.resize(*size)

        def first_frame(_seconds: float) -> None:
            elapsed = time.monotonic() - started
            # Everything built so far (Qt, VTK and pyqtgraph wrappers, the Scene) lives as long as
            # the window: out of the collector's sight, a full collection no longer walks it and
            # stalls the event loop for ~30 ms.
            gc.freeze()
            log.info("run_app: first frame %.3f s after start", elapsed)
            if on_first_frame is not None:
                on_first_frame(elapsed)

        window.firstFrame.connect(first_frame)
        source = _Watched(transport if transport is not None else _NoUpdates())
        loop = FrameLoop(window, source)
        if on_window is not None:
            on_window(window)
        loop.start()
        if screenshot is None:
            window.show()
            window.raise_()
            with _quit_on_interrupt(app):
                app.exec()
            return 0
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.show()
        return _screenshot(app, window, loop, source, Path(screenshot), after, timeout, size)
    finally:
        if loop is not None:
            loop.stop()
        # close() fails on a never-started worker; a remote transport is connected from the start
        if transport is not None and (transport.pid is not None or isinstance(transport, RemoteTransport)):
            transport.close()
        window.close()
        window.deleteLater()
        # give the window back to the collector: a frozen one outlives the display connection
        # and its VTK/Qt teardown at interpreter exit then fails on the closed X server
        gc.unfreeze()


@contextlib.contextmanager
def _quit_on_interrupt(app: QApplication) -> Iterator[None]:
    """Ctrl+C in the terminal closes the window (Qt's loop otherwise hides the signal from Python)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: app.closeAllWindows())
    wake = QTimer()
    wake.timeout.connect(lambda: None)  # lets the interpreter run signal handlers
    wake.start(200)
    try:
        yield
    finally:
        wake.stop()
        signal.signal(signal.SIGINT, previous)


def _screenshot(app: QApplication, window: CompNeuroVisWindow, loop: FrameLoop, source: _Watched, path: Path,
                after: float, timeout: float, size: tuple[int, int]) -> int:
    start = time.monotonic()
    waiter = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    interrupted = []

    def own_scene() -> bool:  # a preview shown while the session starts is not what a screenshot is of
        return window.scene is not None and not window.showing_preview

    def ready() -> None:
        now = time.monotonic()
        if loop.scene_ready_at is None and own_scene():
            loop.scene_ready_at = now
        if (source.fatal is not None or interrupted or (not own_scene() and source.finished)
                or (loop.scene_ready_at is not None and now - loop.scene_ready_at >= after)
                or now - start > timeout):
            waiter.quit()

    check.timeout.connect(ready)
    check.start()
    with _interrupt_flag(interrupted, waiter):
        waiter.exec()
    check.stop()
    if interrupted:
        raise KeyboardInterrupt
    if not own_scene():
        if source.fatal is not None:
            raise ScreenshotError(f"the session failed before its first Scene: {source.fatal.message}; "
                                  "no screenshot written")
        if source.finished:
            raise ScreenshotError("the session ended without sending a Scene; no screenshot written")
        raise ScreenshotError(f"no Scene arrived within {timeout:g} s; no screenshot written")
    loop.tick()
    window.fit_to_image_size(size)
    app.processEvents()
    image = window.grab_image(size)
    if not image.save(str(path), "PNG"):
        raise ScreenshotError(f"could not write the screenshot {path}")
    log.info("screenshot written to %s", path)
    if source.fatal is not None:
        raise ScreenshotError(f"the session failed: {source.fatal.message}; {path} shows the window with the error")
    return 0



@contextlib.contextmanager
def _interrupt_flag(flag: list[bool], waiter: QEventLoop) -> Iterator[None]:
    """Ctrl+C ends the wait (Python exceptions may not cross Qt's event loop)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(*_: object) -> None:
        flag.append(True)
        waiter.quit()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
