"""Qt host of one 3-D renderer: an interactive VTK widget, or an offscreen image.

On Qt's ``offscreen`` platform (no X server) the VTK widget cannot draw, so the
panel always uses the offscreen image there (`ImageView`, with the same mouse
camera and picking); under X11, Wayland or Xvfb it uses the interactive widget
unless asked for offscreen rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import vtkmodules.qt
from PyQt6.QtCore import QPoint, Qt, QTimer
from PyQt6.QtGui import QImage, QKeyEvent, QMouseEvent, QPixmap, QResizeEvent
from PyQt6.QtWidgets import QVBoxLayout, QWidget
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkUnsignedCharArray
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkRenderWindow, vtkWindowToImageFilter

from compneurovis.vtk import offscreen_render_window

from ._offscreen_view import CLICK_SLOP, ImageView, platform_is_offscreen
from ._vtk_reduction import AdaptiveResolution

vtkmodules.qt.PyQtImpl = "PyQt6"
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor  # noqa: E402


class Renders3D(Protocol):
    """What the panel needs from a pure-VTK renderer."""

    renderer: vtkRenderer

    def reset_camera(self) -> None: ...

    def pick(self, x: float, y: float) -> int | None: ...


def read_pixels(window: vtkRenderWindow) -> np.ndarray:
    """Return the ``(height, width, 3)`` uint8 image of ``window``, top row first."""
    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.SetInputBufferTypeToRGB()
    grab.ReadFrontBufferOff()
    grab.ShouldRerenderOff()
    grab.Update()
    image = grab.GetOutput()
    width, height, _ = image.GetDimensions()
    rgb = vtk_to_numpy(image.GetPointData().GetScalars()).reshape(height, width, -1)[:, :, :3]
    return np.ascontiguousarray(rgb[::-1])


def read_region(window: vtkRenderWindow, width: int, height: int) -> np.ndarray:
    """Return the ``(height, width, 3)`` uint8 lower-left part of ``window``, top row first."""
    data = vtkUnsignedCharArray()
    window.GetPixelData(0, 0, width - 1, height - 1, 0, data, 0)
    rgb = vtk_to_numpy(data).reshape(height, width, -1)[:, :, :3]
    return np.ascontiguousarray(rgb[::-1])


def to_qimage(rgb: np.ndarray) -> QImage:
    """Wrap an ``(h, w, 3)`` uint8 array as a (copied) QImage."""
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _Interactive(QVTKRenderWindowInteractor):
    """The VTK widget; keys go to the window (R resets the camera), never to VTK's defaults."""

    def __init__(self, parent: View3DPanel, on_reset: Callable[[], None]) -> None:
        super().__init__(parent)
        self._on_reset = on_reset
        self._panel = parent
        self._press_at: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self._press_at = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        super().mouseReleaseEvent(event)
        if event is None or event.button() != Qt.MouseButton.LeftButton or self._press_at is None:
            return
        pos = event.position().toPoint()
        if (pos - self._press_at).manhattanLength() <= CLICK_SLOP:
            ratio = self.devicePixelRatioF()
            self._panel.click_at(pos.x() * ratio, (self.height() - pos.y() - 1) * ratio)
        else:
            self._panel.user_camera = True
        self._press_at = None

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is not None and event.key() == Qt.Key.Key_R and not event.modifiers():
            self._on_reset()
            return
        if event is not None:
            event.ignore()

    def keyReleaseEvent(self, event: QKeyEvent | None) -> None:
        if event is not None:
            event.ignore()


class View3DPanel(QWidget):
    """Hosts one 3-D renderer; ``offscreen=True`` renders without a display.

    While it is redrawn quickly (live data, a camera drag) it may draw at a
    reduced resolution that fits ``budget`` and stretch the image
    (`AdaptiveResolution`, ``self.resolution``); once the picture is still it
    draws once more at full resolution. `image` is always full resolution.

    Args:
        offscreen: Render into an offscreen VTK window and show the image
            (always so on Qt's ``offscreen`` platform).
        on_pick: Called with the entity index of a click (or ``None`` for a miss).
        adaptive_resolution: Reduce the resolution of live renders when they are slow.
        budget: Seconds a live render may take.
        parent: Parent widget.
    """

    def __init__(self, *, offscreen: bool = False, on_pick: Callable[[int | None], None] | None = None,
                 adaptive_resolution: bool = True, budget: float = 1 / 60,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.offscreen = offscreen or platform_is_offscreen()
        self.on_pick = on_pick
        self.view: Renders3D | None = None
        self._framed = False
        self.user_camera = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if self.offscreen:
            self.render_window = offscreen_render_window((640, 480))
            self._image = ImageView(self.render_window, on_click=self.click_at, on_camera_moved=self._camera_moved,
                                    on_resized=self.resized, parent=self)
            layout.addWidget(self._image)
            self._widget: Any = self._image
        else:
            self._vtk = _Interactive(self, self.reset_camera)
            layout.addWidget(self._vtk)
            self.render_window = self._vtk.GetRenderWindow()
            # VTK asks for 4x multisampling on screen (offscreen windows already get none).
            # On a software OpenGL (Mesa llvmpipe) that quadruples the fragment work and the
            # resolve: 37-67 ms a frame for the CA1 cell at 833x812, against 8-16 ms without.
            self.render_window.SetMultiSamples(0)
            interactor = self._vtk.GetRenderWindow().GetInteractor()
            interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
            self._interactor = interactor
            self._vtk.Initialize()
            self._widget = self._vtk
        self._refine = QTimer(self)
        self._refine.setSingleShot(True)
        self._refine.timeout.connect(self.refine)
        #: Reduced-resolution live renders (see `AdaptiveResolution`).
        self.resolution = AdaptiveResolution(self.render_window, budget=budget,
                                             on_reduced=lambda delay: self._refine.start(round(delay * 1000)))
        self.resolution.enabled = adaptive_resolution

    # ------------------------------------------------------------- content

    def set_view(self, view: Renders3D) -> None:
        """Show ``view`` (replacing the previous renderer) and frame it."""
        if self.view is not None:
            self.render_window.RemoveRenderer(self.view.renderer)
        self.view = view
        self.render_window.AddRenderer(view.renderer)
        self._framed = False

    def reset_camera(self) -> None:
        """Frame the whole scene again (the R key)."""
        if self.view is not None:
            self.user_camera = False
            self.view.reset_camera()
            self.render()

    def render(self) -> None:
        """Redraw now."""
        if self.view is None:
            return
        if not self._framed and self.width() > 1:
            self._sync_size()
            self.view.reset_camera()
            self._framed = True
        if self.offscreen:
            self._sync_size()
            self.render_window.Render()
            if self.resolution.scale < 1.0:
                width, height = self.render_window.GetSize()
                small = to_qimage(read_region(self.render_window, *self.resolution.region()))
                image = small.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
            else:
                image = to_qimage(read_pixels(self.render_window))
            self._image.show_image(QPixmap.fromImage(image))
        else:
            self._vtk.GetRenderWindow().Render()

    def refine(self) -> None:
        """Draw once at full resolution if the latest render was reduced (the picture is still now)."""
        self._refine.stop()
        if self.view is not None and self.resolution.scale < 1.0:
            with self.resolution.full_resolution():
                self.render()

    def set_adaptive_resolution(self, on: bool) -> None:
        """Allow (or forbid) reduced-resolution live renders; turning it off redraws at full resolution."""
        self.resolution.enabled = on
        if not on:
            self.refine()

    def _camera_moved(self) -> None:
        self.user_camera = True
        self.render()

    def resized(self) -> None:
        """Redraw after the image area changed size."""
        if self.view is not None and self.isVisible():
            self.render()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        if not self.user_camera:
            self._framed = False  # keep the whole morphology in view until the user moves the camera
            if self.view is not None and self.isVisible():
                QTimer.singleShot(0, self.render)

    def _sync_size(self) -> None:
        if self.offscreen:
            ratio = self.devicePixelRatioF()
            w, h = max(1, round(self._image.width() * ratio)), max(1, round(self._image.height() * ratio))
            if tuple(self.render_window.GetSize()) != (w, h):
                self.render_window.SetSize(w, h)

    def image(self) -> np.ndarray:
        """The current 3-D image as ``(h, w, 3)`` uint8, rendered now at full resolution."""
        with self.resolution.full_resolution():
            self.render_window.Render()
        return read_pixels(self.render_window)

    # ------------------------------------------------------------- picking

    def click_at(self, x: float, y: float) -> int | None:
        """Pick at VTK display position ``(x, y)`` and report it to ``on_pick``."""
        if self.view is None:
            return None
        index = self.view.pick(x, y)
        if self.on_pick is not None:
            self.on_pick(index)
        return index

    def finalize(self) -> None:
        """Release the OpenGL context (before the widget is destroyed); later renders do nothing."""
        # a render queued by a resize (QTimer.singleShot) may still arrive: drawing into
        # a finalized window crashes the process
        self.view = None
        self._refine.stop()
        self.resolution.detach()
        if not self.offscreen:
            self._vtk.Finalize()
        else:
            self._image.release()
            self.render_window.Finalize()
