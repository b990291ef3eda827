"""The tool row above a morphology view: colour scale and camera, each change a `ScenePatch`."""

from __future__ import annotations

from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from compneurovis.core import MorphologyViewSpec, ScenePatch
from compneurovis.vtk import MorphologyRenderer

from ._camera_tools import CameraTools
from ._color_tools import ColorTools
from ._view3d_panel import View3DPanel
from ._view_registry import ViewContext


class MorphologyTools(QWidget):
    """The morphology's panel with a row of tools above it (hidden when rendering offscreen).

    Args:
        spec: The morphology view.
        panel: The widget showing the 3-D view.
        renderer: Its renderer (for the limits on screen).
        context: The window's context (its ``apply`` takes the patches).
    """

    def __init__(self, spec: MorphologyViewSpec, panel: View3DPanel, renderer: MorphologyRenderer,
                 context: ViewContext) -> None:
        super().__init__()
        self.view_id = spec.id
        self._context = context
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        #: The tool row (not shown in offscreen renders: screenshots and movies show the view alone).
        self.row = QWidget(self)
        row = QHBoxLayout(self.row)
        row.setContentsMargins(4, 2, 4, 0)
        #: Colour map, "auto" and limits.
        self.color = ColorTools(spec.id, self.apply, lambda: renderer.limits, self.row)
        row.addWidget(self.color, 1)
        #: Camera presets, reset, save and restore.
        self.camera = CameraTools(spec.id, self.apply, lambda: renderer.camera, renderer.current_camera,
                                  panel.reset_camera, self.row)
        row.addWidget(self.camera)
        column.addWidget(self.row)
        column.addWidget(panel, 1)
        self.row.setVisible(not context.offscreen)
        self.sync(spec)

    def apply(self, patch: ScenePatch) -> None:
        """Apply ``patch`` through the window (recorded like a session's own)."""
        self._context.apply([patch])

    def sync(self, spec: MorphologyViewSpec) -> None:
        """Show ``spec`` in the tools (after a patch from anywhere)."""
        self.color.sync(spec)
        self.camera.sync(spec)
