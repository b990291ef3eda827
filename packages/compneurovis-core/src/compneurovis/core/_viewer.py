"""`Viewer`: the handle ``show()`` returns, the same for every backend."""

from __future__ import annotations

import atexit
import contextlib
import os
import weakref
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ._attach import ViewerClosed, ViewerLink
from ._camera import Camera

#: Keys of a camera: position, focal point and view-up vector, each three floats.
CAMERA_KEYS = ("position", "focal_point", "view_up")


class ViewerDriver(Protocol):
    """What a backend's ``show()`` gives the `Viewer` to work on."""

    def variable_name(self) -> str:
        """The variable shown now."""

    def set_variable(self, name: str) -> None:
        """Show another variable (raises ``ValueError`` listing the available ones)."""

    def set_control(self, control_id: str, value: Any) -> None:
        """Apply a control value now (raises ``ValueError`` for an unknown id or a bad value)."""

    def detach(self) -> None:
        """Stop sampling the model (the window has closed)."""

    def flush(self) -> None:
        """Hand the window every sample taken so far (a driver may hold some back between sends)."""


def check_camera(camera: Any) -> dict[str, tuple[float, float, float]]:
    """Validate a camera given as a dict with `CAMERA_KEYS` or a 3-tuple of points.

    Raises:
        ValueError: Naming the missing key or the value that is not three finite numbers.
    """
    if isinstance(camera, dict):
        missing = [k for k in CAMERA_KEYS if k not in camera]
        if missing:
            raise ValueError(f"camera: missing {missing}; give {list(CAMERA_KEYS)}")
        items = [camera[k] for k in CAMERA_KEYS]
    elif isinstance(camera, tuple | list) and len(camera) == 3:
        items = list(camera)
    else:
        raise ValueError(f"camera must be a dict with {list(CAMERA_KEYS)} or a (position, focal_point, view_up) "
                         f"tuple, got {camera!r}")
    out = {}
    for key, value in zip(CAMERA_KEYS, items, strict=True):
        point = np.asarray(value, dtype=float)
        if point.shape != (3,) or not np.all(np.isfinite(point)):
            raise ValueError(f"camera {key}: expected three finite numbers, got {value!r}")
        out[key] = (float(point[0]), float(point[1]), float(point[2]))
    if np.allclose(out["position"], out["focal_point"]):
        raise ValueError("camera: position and focal_point are the same point")
    return out


class Viewer:
    """A window showing a model that runs in this process; returned by ``show()``.

    The window runs in its own process: the run never waits for drawing. With
    ``screenshot=`` given to ``show()`` the window is drawn offscreen and the
    picture is written there when the viewer closes (`close`, or the end of the
    Python process).

    Args:
        link: The window process and its links.
        driver: The backend side that samples the model.
        screenshot: Where to write a PNG when the viewer closes, or ``None``.
    """

    def __init__(self, link: ViewerLink, driver: ViewerDriver, *, screenshot: str | os.PathLike[str] | None = None
                 ) -> None:
        self._link = link
        self._driver = driver
        self._screenshot_path = None if screenshot is None else Path(screenshot)
        self._closed = False
        ref = weakref.ref(self)
        self._atexit = lambda: (v := ref()) is not None and v._at_exit()
        atexit.register(self._atexit)

    @property
    def is_open(self) -> bool:
        """Whether the window is still open."""
        return not self._closed and self._link.alive

    @property
    def variable(self) -> str:
        """The range variable the morphology is coloured by; set it to switch (applies now)."""
        return self._driver.variable_name()

    @variable.setter
    def variable(self, name: str) -> None:
        self._driver.set_variable(name)

    def set_control(self, control_id: str, value: Any) -> None:
        """Set a control of the window (e.g. ``"variable"``) as a user would; applies now.

        Raises:
            ValueError: For an unknown control or a value it does not take.
        """
        self._driver.set_control(control_id, value)

    def screenshot(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """The window as it is now, as an ``(height, width, 3)`` uint8 array.

        Args:
            size: ``(width, height)`` of the picture; ``None``: the window's size (offscreen,
                with ``screenshot=``: the ``size`` given to ``show()``).

        Raises:
            ViewerClosed: If the window has closed.
        """
        payload = {} if size is None else {"size": [int(size[0]), int(size[1])]}
        self._driver.flush()
        answer, raw = self._link.request("screenshot", **payload)
        assert raw is not None
        return np.frombuffer(raw, dtype=np.uint8).reshape(answer["height"], answer["width"], 3).copy()

    @property
    def camera(self) -> Camera:
        """The 3-D view's camera now (after any mouse orbit), as an exact `Camera`.

        Set it with a `Camera`, a preset name (``"front"``, ``"side"``, ``"top"``,
        ``"isometric"``), or ``{"position", "focal_point", "view_up"}`` as a dict or
        a 3-tuple. It becomes the view spec's ``camera`` in the window, so a
        recording made there keeps it.
        """
        answer, _ = self._link.request("camera")
        return Camera(**{k: tuple(answer[k]) for k in CAMERA_KEYS})

    @camera.setter
    def camera(self, camera: Camera | str | dict[str, Any] | tuple[Any, Any, Any]) -> None:
        if isinstance(camera, str):
            camera = Camera(preset=camera)
        elif not isinstance(camera, Camera):
            camera = Camera(**check_camera(camera))
        if camera.preset is not None:
            payload: dict[str, Any] = {"preset": camera.preset}
        else:
            payload = {k: list(getattr(camera, k)) for k in CAMERA_KEYS}
        self._link.request("set_camera", camera=payload)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the user closes the window; return whether it closed (``False`` on timeout).

        With ``screenshot=`` there is no window to close: the picture is written and it returns at once.
        """
        if self._screenshot_path is not None:
            self.close()
            return True
        closed = self._link.wait(timeout)
        if closed:
            self.close()
        return closed

    def save_screenshot(self, path: str | os.PathLike[str]) -> Path:
        """Write the window as a PNG file (needs the frontend's image writer)."""
        self._driver.flush()
        answer, _ = self._link.request("save_screenshot", path=os.fspath(path))
        return Path(answer["path"])

    def close(self) -> None:
        """Stop sampling, write the ``screenshot=`` file if asked, close the window; idempotent."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._atexit)
        self._driver.detach()
        try:
            if self._screenshot_path is not None and self._link.alive:
                self._link.request("save_screenshot", path=os.fspath(self._screenshot_path))
        finally:
            self._link.close()

    def _at_exit(self) -> None:
        """At the end of the process: a ``screenshot=`` viewer writes and closes; a window stays open."""
        if self._screenshot_path is not None:
            with contextlib.suppress(ViewerClosed, RuntimeError, TimeoutError):
                self.close()
        else:
            self._driver.detach()
            self._link.release()

    def __enter__(self) -> Viewer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
