"""Offscreen VTK drawing of one morphology view into numpy images, with camera moves and picking.

The mesh, colour scale, highlight and picking are the desktop window's own
(`compneurovis.vtk.MorphologyRenderer`, which is Qt-free); only the window is
an offscreen VTK one whose pixels are read back as an ``(h, w, 3)`` array.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkRenderingCore import vtkWindowToImageFilter

from compneurovis.core import Camera, MorphologyGeometry, MorphologyViewSpec, Scene
from compneurovis.vtk import MorphologyRenderer, leave_a_core_for_the_simulation, offscreen_render_window

_T = TypeVar("_T")


def _on_gl_thread(method: Callable[..., _T]) -> Callable[..., _T]:
    """Run ``method`` on the drawing's own GL thread and wait for its result.

    ipykernel handles cell code and widget messages on different threads, and a
    GL context belongs to one thread: every VTK call of a drawing is made on the
    one thread that created its window.
    """

    @functools.wraps(method)
    def call(self: OffscreenMorphology, *args: Any, **kwargs: Any) -> _T:
        if threading.current_thread() is self._gl_thread:
            return method(self, *args, **kwargs)
        return self._gl.submit(method, self, *args, **kwargs).result()

    return call


class OffscreenMorphology:
    """A morphology view drawn offscreen at a given pixel size.

    Args:
        scene: The Scene holding the view.
        view_id: Id of its `MorphologyViewSpec`.
        size: ``(width, height)`` in pixels.
    """

    def __init__(self, scene: Scene, view_id: str, size: tuple[int, int] = (800, 600)) -> None:
        self._gl = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compneurovis-gl")
        self._gl_thread = self._gl.submit(threading.current_thread).result()
        self._lock = threading.RLock()
        self._build(scene, view_id, size)

    @_on_gl_thread
    def _build(self, scene: Scene, view_id: str, size: tuple[int, int]) -> None:
        spec = scene.views[view_id]
        if not isinstance(spec, MorphologyViewSpec):
            raise TypeError(f"view {view_id!r} is a {type(spec).__name__}, not a MorphologyViewSpec")
        geometry = scene.geometries[spec.geometry_id]
        assert isinstance(geometry, MorphologyGeometry)
        self.spec = spec
        self.geometry = geometry
        field = scene.fields[spec.color_field_id]
        self.view = MorphologyRenderer(geometry, color_map=spec.color_map, color_limits=spec.color_limits,
                                       color_norm=spec.color_norm, unit=field.unit, title=spec.title)
        self.size = (max(int(size[0]), 16), max(int(size[1]), 16))
        leave_a_core_for_the_simulation()  # the kernel draws beside a running session
        self.window = offscreen_render_window(self.size)
        self.window.AddRenderer(self.view.renderer)
        self._grab = vtkWindowToImageFilter()
        self._grab.SetInput(self.window)
        self._grab.ReadFrontBufferOff()
        self._grab.SetInputBufferTypeToRGB()
        self.values: np.ndarray | None = None
        self.set_values(field.values)
        self.view.reset_camera()

    @_on_gl_thread
    def set_values(self, values: np.ndarray) -> None:
        """Colour the entities by ``values`` (one per entity)."""
        self.values = np.asarray(values, dtype=np.float32).reshape(-1).copy()
        self.view.set_values(self.values)

    @_on_gl_thread
    def resize(self, width: int, height: int) -> None:
        """Change the image size (the camera keeps its view)."""
        size = (max(int(width), 16), max(int(height), 16))
        if size != self.size:
            self.size = size
            self.window.SetSize(*size)

    @_on_gl_thread
    def render(self) -> np.ndarray:
        """Draw and return the image, ``(height, width, 3)`` uint8, top row first.

        Safe from any thread: the drawing runs on its own GL thread.
        """
        self.window.Render()
        self._grab.Modified()
        self._grab.Update()
        image = self._grab.GetOutput()
        w, h, _ = image.GetDimensions()
        pixels = vtk_to_numpy(image.GetPointData().GetScalars()).reshape(h, w, -1)
        return np.ascontiguousarray(pixels[::-1, :, :3])

    # ------------------------------------------------------------- camera

    @_on_gl_thread
    def orbit(self, dx: float, dy: float) -> None:
        """Rotate about the focal point by a drag of ``(dx, dy)`` pixels (right, down)."""
        camera = self.view.renderer.GetActiveCamera()
        camera.Azimuth(-dx * 0.4)
        camera.Elevation(dy * 0.4)
        camera.OrthogonalizeViewUp()
        self.view.renderer.ResetCameraClippingRange()

    @_on_gl_thread
    def zoom(self, factor: float) -> None:
        """Move towards the focal point (``factor > 1``) or away."""
        camera = self.view.renderer.GetActiveCamera()
        camera.Dolly(max(factor, 1e-3))
        self.view.renderer.ResetCameraClippingRange()

    @_on_gl_thread
    def pan(self, dx: float, dy: float) -> None:
        """Shift the view by a drag of ``(dx, dy)`` pixels (right, down)."""
        camera = self.view.renderer.GetActiveCamera()
        focal = np.array(camera.GetFocalPoint())
        position = np.array(camera.GetPosition())
        up = np.array(camera.GetViewUp())
        forward = focal - position
        distance = float(np.linalg.norm(forward))
        right = np.cross(forward / max(distance, 1e-12), up)
        height_world = 2.0 * distance * np.tan(np.radians(camera.GetViewAngle()) / 2.0)
        per_pixel = height_world / self.size[1]
        shift = (-dx * right + dy * up) * per_pixel
        camera.SetFocalPoint(*(focal + shift))
        camera.SetPosition(*(position + shift))
        self.view.renderer.ResetCameraClippingRange()

    @_on_gl_thread
    def reset_camera(self) -> None:
        """Frame the whole morphology."""
        self.view.reset_camera()

    @_on_gl_thread
    def camera(self) -> Camera:
        """The view now (after any orbit, zoom or pan) as an exact `Camera`."""
        return self.view.current_camera()

    @_on_gl_thread
    def set_camera(self, camera: Camera) -> None:
        """Look through ``camera`` (a preset frames the whole morphology)."""
        self.view.set_camera(camera)

    @_on_gl_thread
    def pick(self, x: float, y: float) -> int | None:
        """Entity index under image position ``(x, y)`` (pixels, origin top-left), or ``None``."""
        return self.view.pick(float(x), float(self.size[1] - 1 - y))

    @_on_gl_thread
    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Image positions ``(n, 2)`` (origin top-left) of world points ``(n, 3)``."""
        display = self.view.world_to_display(points)
        return np.stack([display[:, 0], self.size[1] - 1 - display[:, 1]], axis=1)

    @_on_gl_thread
    def close(self) -> None:
        """Release the render window."""
        self.window.RemoveRenderer(self.view.renderer)
        self.window.Finalize()
        self._gl.shutdown(wait=False)
