"""The 3-D view without an OpenGL widget: an offscreen VTK window drawn into a plain Qt label.

Qt's ``offscreen`` platform (no X server, no Wayland) has no native windows, so
``QVTKRenderWindowInteractor`` cannot draw there. `ImageView` shows the image
of an offscreen (EGL/OSMesa) render window instead, and forwards the mouse to
a `vtkGenericRenderWindowInteractor` with the same trackball-camera style the
interactive widget uses: left drag orbits, right drag and the wheel zoom,
middle drag pans, a click picks.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QGuiApplication, QMouseEvent, QPixmap, QResizeEvent, QWheelEvent
from PyQt6.QtWidgets import QLabel, QSizePolicy, QWidget
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingCore import vtkRenderWindow
from vtkmodules.vtkRenderingUI import vtkGenericRenderWindowInteractor

#: A press and release closer than this (pixels) is a click, not a drag.
CLICK_SLOP = 4

_PRESS = {Qt.MouseButton.LeftButton: "LeftButtonPressEvent",
          Qt.MouseButton.RightButton: "RightButtonPressEvent",
          Qt.MouseButton.MiddleButton: "MiddleButtonPressEvent"}
_RELEASE = {Qt.MouseButton.LeftButton: "LeftButtonReleaseEvent",
            Qt.MouseButton.RightButton: "RightButtonReleaseEvent",
            Qt.MouseButton.MiddleButton: "MiddleButtonReleaseEvent"}


def platform_is_offscreen() -> bool:
    """Whether the running Qt application draws on Qt's ``offscreen`` platform (no display)."""
    return QGuiApplication.platformName() == "offscreen"


class ImageView(QLabel):
    """Shows an offscreen render window's image and drives its camera with the mouse.

    Args:
        render_window: The offscreen VTK window whose image is shown.
        on_click: Called with VTK display coordinates (origin bottom-left) of a click.
        on_camera_moved: Called when a drag or the wheel moved the camera.
        on_resized: Called after the label changed size.
        parent: Parent widget.
    """

    def __init__(self, render_window: vtkRenderWindow, *, on_click: Callable[[float, float], None],
                 on_camera_moved: Callable[[], None], on_resized: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_click = on_click
        self._on_camera_moved = on_camera_moved
        self._on_resized = on_resized
        self._press: QPoint | None = None
        self._dragged = False
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(50, 50)
        self.interactor = vtkGenericRenderWindowInteractor()
        self.interactor.SetRenderWindow(render_window)
        self.interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
        # The style asks the interactor to render after each step; the panel redraws the label instead.
        self.interactor.EnableRenderOff()
        self.interactor.Initialize()

    def show_image(self, pixmap: QPixmap) -> None:
        """Replace the shown image."""
        self.setPixmap(pixmap)

    def release(self) -> None:
        """Detach the interactor from the render window (before the window is finalized)."""
        self.interactor.SetInteractorStyle(None)
        self.interactor.SetRenderWindow(None)

    # ------------------------------------------------------------- mouse

    def _vtk_position(self, event: QMouseEvent | QWheelEvent) -> tuple[float, float]:
        ratio = self.devicePixelRatioF()
        pos = event.position()
        return pos.x() * ratio, (self.height() - pos.y() - 1) * ratio

    def _forward(self, event: QMouseEvent | QWheelEvent, name: str) -> None:
        x, y = self._vtk_position(event)
        modifiers = event.modifiers()
        self.interactor.SetEventInformation(
            round(x), round(y),
            int(bool(modifiers & Qt.KeyboardModifier.ControlModifier)),
            int(bool(modifiers & Qt.KeyboardModifier.ShiftModifier)))
        self.interactor.InvokeEvent(name)

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is None or event.button() not in _PRESS:
            return
        self._press = event.position().toPoint()
        self._dragged = False
        self._forward(event, _PRESS[event.button()])

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is None:
            return
        if self._press is not None and (event.position().toPoint() - self._press).manhattanLength() > CLICK_SLOP:
            self._dragged = True
        self._forward(event, "MouseMoveEvent")
        if self._dragged:
            self._on_camera_moved()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        if event is None or event.button() not in _RELEASE:
            return
        self._forward(event, _RELEASE[event.button()])
        press, self._press = self._press, None
        if press is None:
            return
        if event.button() == Qt.MouseButton.LeftButton and not self._dragged:
            self._on_click(*self._vtk_position(event))
        elif self._dragged:
            self._on_camera_moved()

    def wheelEvent(self, event: QWheelEvent | None) -> None:
        if event is None or event.angleDelta().y() == 0:
            return
        self._forward(event, "MouseWheelForwardEvent" if event.angleDelta().y() > 0 else "MouseWheelBackwardEvent")
        self._on_camera_moved()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        self._on_resized()
