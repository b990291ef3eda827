"""CompNeuroVis desktop frontend: PyQt6 window, VTK 3-D views, pyqtgraph traces.

``run_app(target)`` opens a window for a static `Scene`, a `Session` (run in a
worker process) or a `ReplaySession`; ``run_app(target, screenshot="out.png")``
renders offscreen and writes a PNG instead. From a shell:

    python -m compneurovis.qt compneurovis.core.examples.fitzhugh_nagumo:FitzHughNagumoCable
    python -m compneurovis.qt module:SessionClass --screenshot out.png --after 2

A view kind is drawn by the `ViewDrawing` subclass registered for its spec
type with ``@register_view(SpecType)``; the built-in views (morphology, line
plot, surface, space plot, kymograph, spike raster) are registered when this
package is imported.

Names are imported on first use (PEP 562), so ``from compneurovis.qt import
run_app`` does not load VTK, pyqtgraph or superqt: `run_app` starts the
session's worker first and loads them while the worker builds its model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real imports, for type checkers and the API docs
    from ._app import ScreenshotError, ensure_application, run_app
    from ._frame_loop import FrameLoop
    from ._kymograph import KymographDrawing
    from ._offscreen import render_scene
    from ._render_scheduler import RenderScheduler
    from ._selection import Selection
    from ._space_plot import SpacePlotDrawing
    from ._spike_raster import SpikeRasterDrawing
    from ._trace_plot import LinePlotDrawing
    from ._view3d_drawings import MorphologyDrawing, SurfaceDrawing, View3DDrawing
    from ._view_menu import color_by_patch
    from ._view_registry import ViewContext, ViewDrawing, drawing_class, register_view, registered_views
    from ._vtk_surface import SurfaceRenderer
    from ._window import CompNeuroVisWindow

#: Public name to the private module that defines it.
_EXPORTS = {
    "CompNeuroVisWindow": "._window",
    "FrameLoop": "._frame_loop",
    "KymographDrawing": "._kymograph",
    "LinePlotDrawing": "._trace_plot",
    "MorphologyDrawing": "._view3d_drawings",
    "RenderScheduler": "._render_scheduler",
    "ScreenshotError": "._app",
    "Selection": "._selection",
    "SpacePlotDrawing": "._space_plot",
    "SpikeRasterDrawing": "._spike_raster",
    "SurfaceDrawing": "._view3d_drawings",
    "SurfaceRenderer": "._vtk_surface",
    "View3DDrawing": "._view3d_drawings",
    "ViewContext": "._view_registry",
    "ViewDrawing": "._view_registry",
    "color_by_patch": "._view_menu",
    "drawing_class": "._view_registry",
    "ensure_application": "._app",
    "register_view": "._view_registry",
    "registered_views": "._view_registry",
    "render_scene": "._offscreen",
    "run_app": "._app",
}

__all__ = [
    "CompNeuroVisWindow",
    "FrameLoop",
    "KymographDrawing",
    "LinePlotDrawing",
    "MorphologyDrawing",
    "RenderScheduler",
    "ScreenshotError",
    "Selection",
    "SpacePlotDrawing",
    "SpikeRasterDrawing",
    "SurfaceDrawing",
    "SurfaceRenderer",
    "View3DDrawing",
    "ViewContext",
    "ViewDrawing",
    "color_by_patch",
    "drawing_class",
    "ensure_application",
    "register_view",
    "registered_views",
    "render_scene",
    "run_app",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
