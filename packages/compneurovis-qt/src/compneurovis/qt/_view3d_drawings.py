"""Drawings of the built-in 3-D views: a morphology and a surface, each in its own `View3DPanel`."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from PyQt6.QtWidgets import QWidget

from compneurovis.core import Camera, MorphologyGeometry, MorphologyViewSpec, Scene, SurfaceViewSpec
from compneurovis.vtk import MorphologyRenderer

from ._morphology_tools import MorphologyTools
from ._selection import Selection
from ._view3d_panel import View3DPanel
from ._view_registry import S, ViewContext, ViewDrawing, register_view
from ._vtk_legend import CategoryLegend, hex_rgb
from ._vtk_surface import SurfaceRenderer


class View3DDrawing(ViewDrawing[S]):
    """A pure-VTK renderer (``self.renderer``) hosted by a `View3DPanel` (``self.panel``)."""

    marks_first_frame: ClassVar[bool] = True

    def __init__(self, spec: S, scene: Scene, context: ViewContext, renderer: Any) -> None:
        super().__init__(spec, scene, context)
        #: The renderer: `MorphologyRenderer` or `SurfaceRenderer`.
        self.renderer = renderer
        #: The Qt host of the renderer (interactive VTK widget, or an offscreen image).
        hz = spec.max_refresh_hz if spec.max_refresh_hz > 0 else 60.0
        # a live draw may take half of its refresh interval (the pacer's share, `FramePacer.max_busy`)
        self.panel = View3DPanel(offscreen=context.offscreen, adaptive_resolution=context.adaptive_resolution,
                                 budget=0.5 / min(hz, 60.0))
        self.panel.set_view(renderer)
        self.widget = self.panel

    def draw(self) -> None:
        """Render the 3-D view."""
        self.panel.render()

    def reset_camera(self) -> None:
        """Frame the whole content again."""
        self.panel.reset_camera()

    def set_adaptive_resolution(self, on: bool) -> None:
        """Allow (or forbid) live frames at a reduced resolution."""
        self.panel.set_adaptive_resolution(on)

    def snapshot(self) -> tuple[QWidget, np.ndarray] | None:
        """The rendered image (OpenGL content a window grab does not see)."""
        return (self.panel, self.panel.image()) if self.panel.isVisible() else None

    def close(self) -> None:
        """Release the OpenGL context; later renders do nothing."""
        self.panel.finalize()


@register_view(MorphologyViewSpec)
class MorphologyDrawing(View3DDrawing[MorphologyViewSpec]):
    """A morphology coloured by its colour field, or by its category field with a legend.

    ``color_by="category"`` shows the category field; a click picks a segment.
    """

    def __init__(self, spec: MorphologyViewSpec, scene: Scene, context: ViewContext) -> None:
        f = scene.fields[spec.color_field_id]
        renderer = MorphologyRenderer(scene.geometries[spec.geometry_id],  # type: ignore[arg-type]
                                      color_map=spec.color_map, color_limits=spec.color_limits,
                                      color_norm=spec.color_norm, unit=f.unit, title=spec.title,
                                      camera=spec.camera)
        super().__init__(spec, scene, context, renderer)
        self.panel.on_pick = self._picked
        #: Colour-scale and camera tools above the view; the view's widget.
        self.tools = MorphologyTools(spec, self.panel, renderer, context)
        self.widget = self.tools
        renderer.mark_glyphs.set_marks(spec.marks)
        #: The category legend (shown while coloured by category).
        self.legend = CategoryLegend(renderer.renderer)
        self._coloured_by: str | None = None  # what the colours on screen show
        self._unit = f.unit  # the colour bar's title
        self.mark_text: str | None = None

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """New colours (when the shown field changed); the time and selection in the corner."""
        renderer: MorphologyRenderer = self.renderer
        spec = self.spec
        by = "category" if spec.color_by == "category" and spec.category_field_id else "field"
        if by == "category":
            if by != self._coloured_by or spec.category_field_id in changed_field_ids:
                f = scene.fields[spec.category_field_id]  # type: ignore[index]
                palette = np.array([hex_rgb(c) for c in f.attrs["colors"]], dtype=np.uint8)
                renderer.set_entity_colors(palette[np.asarray(f.values, dtype=np.intp)])
                self.legend.show(f.attrs["categories"], f.attrs["colors"])
                renderer.scalar_bar.VisibilityOff()
        elif by != self._coloured_by or spec.color_field_id in changed_field_ids:
            shown = scene.fields[spec.color_field_id]
            renderer.set_values(shown.values)
            if shown.unit != self._unit:  # the field now holds another variable
                self._unit = shown.unit
                renderer.set_unit(shown.unit)
            self.tools.color.show_auto_limits(renderer.limits)
            self.legend.hide()
            renderer.scalar_bar.VisibilityOn()
        self._coloured_by = by
        context = self.context
        if context.sim_time is not None:
            info = scene.time_text(context.sim_time, digits=1)
            selected = context.selection.text if context.selection is not None else ""
            selected = self.mark_text or selected
            renderer.set_info(f"{selected}    {info}" if selected else info)

    def configure(self, spec: MorphologyViewSpec, scene: Scene) -> bool:
        """Colour map, scale and title in place; another geometry needs a rebuild."""
        renderer: MorphologyRenderer = self.renderer
        if renderer.geometry is not scene.geometries[spec.geometry_id]:
            return False
        self.spec = spec
        renderer.set_color_map(spec.color_map)
        renderer.scale.configure(spec.color_limits, spec.color_norm)
        renderer.set_title(spec.title)
        renderer.mark_glyphs.set_marks(spec.marks)
        if spec.camera != renderer.camera:
            renderer.camera = spec.camera
            self.panel.reset_camera()
        self._coloured_by = None  # recolour at the next draw: the map or the limits may have changed
        self.tools.sync(spec)
        return True

    def current_camera(self) -> Camera:
        """The view on screen now (after any mouse orbit, zoom or pan) as an exact `Camera`."""
        return self.renderer.current_camera()

    def on_selection(self, selection: Selection) -> bool:
        """Redraw: the corner text names the selection."""
        return True

    def _picked(self, index: int | None) -> None:
        renderer: MorphologyRenderer = self.renderer
        renderer.select(index)
        if index is None:
            self.mark_text = None
            renderer.set_info("")
            self.context.picked(self.spec.id, None, "")
            return
        geometry: MorphologyGeometry = renderer.geometry
        label = geometry.labels[index]
        mark = renderer.picked_mark
        #: What the last click on a mark's glyph hit (shown in the corner until the next click), or ``None``.
        self.mark_text = None if mark is None else f"Mark: {renderer.mark_glyphs.describe(mark)}"
        renderer.set_info(self.mark_text or f"Selected: {label}")
        self.context.picked(self.spec.id, geometry.entity_ids[index], label)


@register_view(SurfaceViewSpec)
class SurfaceDrawing(View3DDrawing[SurfaceViewSpec]):
    """A grid field as a 3-D height surface."""

    def __init__(self, spec: SurfaceViewSpec, scene: Scene, context: ViewContext) -> None:
        f = scene.fields[spec.field_id]
        renderer = SurfaceRenderer(scene.geometries[spec.geometry_id],  # type: ignore[arg-type]
                                   color_map=spec.color_map, color_limits=spec.color_limits,
                                   z_scale=spec.z_scale, unit=f.unit, title=spec.title)
        super().__init__(spec, scene, context, renderer)

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """New heights and colours when the field changed."""
        if self.spec.field_id in changed_field_ids:
            self.renderer.set_values(scene.fields[self.spec.field_id].values)
