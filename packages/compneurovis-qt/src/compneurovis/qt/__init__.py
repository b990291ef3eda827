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
"""

from ._app import ScreenshotError, ensure_application, run_app
from ._colormaps import ColorScale, color_table, make_lookup_table
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
from ._vtk_morphology import MorphologyRenderer
from ._vtk_surface import SurfaceRenderer
from ._window import CompNeuroVisWindow

__all__ = [
    "ColorScale",
    "CompNeuroVisWindow",
    "FrameLoop",
    "KymographDrawing",
    "LinePlotDrawing",
    "MorphologyDrawing",
    "MorphologyRenderer",
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
    "color_table",
    "drawing_class",
    "ensure_application",
    "make_lookup_table",
    "register_view",
    "registered_views",
    "render_scene",
    "run_app",
]
