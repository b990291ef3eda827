"""Drawings of the built-in 3-D views: a morphology and a surface, each in its own `View3DPanel`."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from PyQt6.QtWidgets import QWidget

from compneurovis.core import MorphologyGeometry, MorphologyViewSpec, Scene, SurfaceViewSpec

from ._selection import Selection
from ._view3d_panel import View3DPanel
from ._view_registry import S, ViewContext, ViewDrawing, register_view
from ._vtk_legend import CategoryLegend, hex_rgb
from ._vtk_morphology import MorphologyRenderer
from ._vtk_surface import SurfaceRenderer


class View3DDrawing(ViewDrawing[S]):
    """A pure-VTK renderer (``self.renderer``) hosted by a `View3DPanel` (``self.panel``)."""

    marks_first_frame: ClassVar[bool] = True

    def __init__(self, spec: S, scene: Scene, context: ViewContext, renderer: Any) -> None:
        super().__init__(spec, scene, context)
        #: The renderer: `MorphologyRenderer` or `SurfaceRenderer`.
        self.renderer = renderer
        #: The Qt host of the renderer (interactive VTK widget, or an offscreen image).
        self.panel = View3DPanel(offscreen=context.offscreen)
        self.panel.set_view(renderer)
        self.widget = self.panel

    def draw(self) -> None:
        """Render the 3-D view."""
        self.panel.render()

    def reset_camera(self) -> None:
        """Frame the whole content again."""
        self.panel.reset_camera()

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
                                      color_norm=spec.color_norm, unit=f.unit, title=spec.title)
        super().__init__(spec, scene, context, renderer)
        self.panel.on_pick = self._picked
        #: The category legend (shown while coloured by category).
        self.legend = CategoryLegend(renderer.renderer)
        self._coloured_by: str | None = None  # what the colours on screen show

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
            renderer.set_values(scene.fields[spec.color_field_id].values)
            self.legend.hide()
            renderer.scalar_bar.VisibilityOn()
        self._coloured_by = by
        context = self.context
        if context.sim_time is not None:
            info = f"t = {context.sim_time:.1f} ms"
            selected = context.selection.text if context.selection is not None else ""
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
        return True

    def on_selection(self, selection: Selection) -> bool:
        """Redraw: the corner text names the selection."""
        return True

    def _picked(self, index: int | None) -> None:
        renderer: MorphologyRenderer = self.renderer
        renderer.select(index)
        if index is None:
            renderer.set_info("")
            self.context.picked(self.spec.id, None, "")
            return
        geometry: MorphologyGeometry = renderer.geometry
        label = geometry.labels[index]
        renderer.set_info(f"Selected: {label}")
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
