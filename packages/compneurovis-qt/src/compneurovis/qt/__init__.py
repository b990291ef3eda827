"""CompNeuroVis desktop frontend: PyQt6 window, VTK 3-D views, pyqtgraph traces.

``run_app(target)`` opens a window for a static `Scene`, a `Session` (run in a
worker process) or a `ReplaySession`; ``run_app(target, screenshot="out.png")``
renders offscreen and writes a PNG instead. From a shell:

    python -m compneurovis.qt compneurovis.core.examples.fitzhugh_nagumo:FitzHughNagumoCable
    python -m compneurovis.qt module:SessionClass --screenshot out.png --after 2
"""

from ._app import ScreenshotError, ensure_application, run_app
from ._colormaps import ColorScale, color_table, make_lookup_table
from ._frame_loop import FrameLoop
from ._offscreen import render_scene
from ._vtk_morphology import MorphologyRenderer
from ._vtk_surface import SurfaceRenderer
from ._window import CompNeuroVisWindow

__all__ = [
    "ColorScale",
    "CompNeuroVisWindow",
    "FrameLoop",
    "MorphologyRenderer",
    "ScreenshotError",
    "SurfaceRenderer",
    "color_table",
    "ensure_application",
    "make_lookup_table",
    "render_scene",
    "run_app",
]
