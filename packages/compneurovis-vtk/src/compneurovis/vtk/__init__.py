"""CompNeuroVis's VTK drawing, without Qt: morphology meshes, colour maps, offscreen windows.

The desktop window (``compneurovis.qt``) and the notebook viewer
(``compneurovis.jupyter``) draw a Scene's morphology with the same code, so a
cell looks the same in both, in screenshots and in movies:

    from compneurovis.vtk import MorphologyRenderer, offscreen_render_window

    renderer = MorphologyRenderer(scene.geometries["morphology"], color_map="scalar")
    window = offscreen_render_window((800, 600))
    window.AddRenderer(renderer.renderer)
    renderer.set_values(voltages)
    window.Render()

Nothing here imports Qt or pyqtgraph. Names are imported on first use (PEP
562), so ``import compneurovis.vtk`` does not load VTK until a name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real imports, for type checkers and the API docs
    from ._colormaps import (
        ALIASES,
        NAN_COLOR,
        ColorScale,
        color_table,
        is_color_map,
        make_lookup_table,
        map_colors,
        map_colors_u8,
    )
    from ._marks import GLYPH_TRIANGLES, MARK_COLORS, MarkGlyphs, sphere_resolution
    from ._morphology import MorphologyRenderer
    from ._scene import (
        BACKGROUND,
        TEXT_COLOR,
        label_ticks,
        make_scalar_bar,
        offscreen_render_window,
        style_renderer,
        triangles_polydata,
    )
    from ._software_gl import THREADS_VARIABLE, leave_a_core_for_the_simulation
    from ._tube_mesh import TubeMesh, build_lod_mesh, build_tube_mesh

#: Public name to the private module that defines it.
_EXPORTS = {
    "ALIASES": "._colormaps",
    "BACKGROUND": "._scene",
    "ColorScale": "._colormaps",
    "GLYPH_TRIANGLES": "._marks",
    "MARK_COLORS": "._marks",
    "MarkGlyphs": "._marks",
    "MorphologyRenderer": "._morphology",
    "NAN_COLOR": "._colormaps",
    "TEXT_COLOR": "._scene",
    "THREADS_VARIABLE": "._software_gl",
    "TubeMesh": "._tube_mesh",
    "build_lod_mesh": "._tube_mesh",
    "build_tube_mesh": "._tube_mesh",
    "color_table": "._colormaps",
    "is_color_map": "._colormaps",
    "label_ticks": "._scene",
    "leave_a_core_for_the_simulation": "._software_gl",
    "make_lookup_table": "._colormaps",
    "make_scalar_bar": "._scene",
    "map_colors": "._colormaps",
    "map_colors_u8": "._colormaps",
    "offscreen_render_window": "._scene",
    "sphere_resolution": "._marks",
    "style_renderer": "._scene",
    "triangles_polydata": "._scene",
}

__all__ = [
    "ALIASES",
    "BACKGROUND",
    "ColorScale",
    "GLYPH_TRIANGLES",
    "MARK_COLORS",
    "MarkGlyphs",
    "MorphologyRenderer",
    "NAN_COLOR",
    "TEXT_COLOR",
    "THREADS_VARIABLE",
    "TubeMesh",
    "build_lod_mesh",
    "build_tube_mesh",
    "color_table",
    "is_color_map",
    "label_ticks",
    "leave_a_core_for_the_simulation",
    "make_lookup_table",
    "make_scalar_bar",
    "map_colors",
    "map_colors_u8",
    "offscreen_render_window",
    "sphere_resolution",
    "style_renderer",
    "triangles_polydata",
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
