"""Pure-VTK morphology renderer: one mesh for all pieces, coloured through one scalar array.

Usable without Qt (offscreen) and inside the Qt window. A colour update
rewrites one float32 point array in place; nothing else is rebuilt.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkCellPicker,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkTextActor,
)

from compneurovis.core import MorphologyGeometry

from ._colormaps import ColorScale, make_lookup_table
from ._tube_mesh import build_lod_mesh, build_tube_mesh
from ._vtk_scene import HIGHLIGHT_COLOR, TEXT_COLOR, frame_bounds, style_renderer, triangles_polydata


def _min_radius(geometry: MorphologyGeometry) -> float:
    lo, hi = geometry.bounds()
    return 0.0015 * float(np.linalg.norm(hi - lo))


class MorphologyRenderer:
    """Draws a `MorphologyGeometry` as shaded tubes coloured by one value per entity.

    Args:
        geometry: The morphology.
        color_map: Colour map name (see `compneurovis.qt.color_table`).
        color_limits: Fixed ``(low, high)`` or ``None`` for automatic limits.
        color_norm: ``"auto"``, ``"linear"`` or ``"symmetric"``.
        unit: Unit shown on the colour bar.
        title: Title drawn in the upper-left corner.
        renderer: Renderer to draw into (a new one by default).
    """

    def __init__(self, geometry: MorphologyGeometry, *, color_map: str = "scalar",
                 color_limits: tuple[float, float] | None = None, color_norm: str = "auto",
                 unit: str | None = None, title: str = "", renderer: vtkRenderer | None = None) -> None:
        self.geometry = geometry
        self.renderer = renderer or vtkRenderer()
        style_renderer(self.renderer)
        self.scale = ColorScale(color_limits, color_norm)
        self.limits = (0.0, 1.0)
        self.selected: int | None = None
        mesh = build_lod_mesh(geometry.piece_start, geometry.piece_end, geometry.piece_start_radius,
                              geometry.piece_end_radius, min_radius=_min_radius(geometry))
        piece_entity = np.asarray(geometry.piece_entity, dtype=np.int64)
        self.point_entity = piece_entity[mesh.point_piece]
        self.triangle_entity = piece_entity[mesh.triangle_piece]
        self.polydata, self._keep = triangles_polydata(mesh.points, mesh.triangles, mesh.normals)
        self._scalars = np.full(self.point_entity.shape[0], np.nan, dtype=np.float32)
        self._scalar_array = numpy_to_vtk(self._scalars, deep=0)
        self._scalar_array.SetName("value")
        self.polydata.GetPointData().SetScalars(self._scalar_array)
        self.lut = make_lookup_table(color_map)
        self.color_map = color_map
        self.mapper = vtkPolyDataMapper()
        self.mapper.SetInputData(self.polydata)
        self.mapper.SetLookupTable(self.lut)
        self.mapper.UseLookupTableScalarRangeOn()
        self.mapper.SetScalarModeToUsePointData()
        self.mapper.ScalarVisibilityOn()
        self.mapper.StaticOn()
        self.actor = vtkActor()
        self.actor.SetMapper(self.mapper)
        prop = self.actor.GetProperty()
        prop.SetAmbient(0.25)
        prop.SetDiffuse(0.8)
        prop.SetSpecular(0.12)
        prop.SetSpecularPower(25)
        self.renderer.AddActor(self.actor)
        self.picker = vtkCellPicker()
        self.picker.SetTolerance(0.002)
        self.picker.PickFromListOn()
        self.picker.AddPickList(self.actor)
        self._build_overlays(unit, title)
        self._highlight_actor: vtkActor | None = None

    # ------------------------------------------------------------ overlays

    def _build_overlays(self, unit: str | None, title: str) -> None:
        bar = vtkScalarBarActor()
        bar.SetLookupTable(self.lut)
        bar.SetTitle(unit or "")
        bar.SetNumberOfLabels(5)
        bar.SetLabelFormat("%-#6.3g")
        bar.SetBarRatio(0.3)
        bar.SetMaximumWidthInPixels(90)
        bar.SetPosition(0.90, 0.1)
        bar.SetWidth(0.09)
        bar.SetHeight(0.8)
        bar.UnconstrainedFontSizeOn()
        bar.SetVerticalTitleSeparation(6)
        for text in (bar.GetTitleTextProperty(), bar.GetLabelTextProperty()):
            text.SetColor(*TEXT_COLOR)
            text.SetFontSize(15)
            text.ShadowOff()
            text.ItalicOff()
            text.BoldOff()
        bar.GetTitleTextProperty().BoldOn()
        self.scalar_bar = bar
        self.renderer.AddViewProp(bar)
        self.title_actor = self._text(title, (12, -12), 18, top=True, bold=True)
        self.info_actor = self._text("", (12, 10), 14, top=False)

    def _text(self, text: str, position: tuple[int, int], size: int, *, top: bool,
              bold: bool = False) -> vtkTextActor:
        actor = vtkTextActor()
        actor.SetInput(text)
        prop = actor.GetTextProperty()
        prop.SetFontSize(size)
        prop.SetColor(*TEXT_COLOR)
        prop.SetBold(bold)
        prop.SetVerticalJustificationToTop() if top else prop.SetVerticalJustificationToBottom()
        coord = actor.GetPositionCoordinate()
        coord.SetCoordinateSystemToNormalizedViewport()
        actor.SetPosition(0.012, 0.975 if top else 0.02)
        self.renderer.AddViewProp(actor)
        return actor

    def set_title(self, title: str) -> None:
        """Text in the upper-left corner."""
        self.title_actor.SetInput(title)

    def set_info(self, text: str) -> None:
        """Text in the lower-left corner (selection, time)."""
        self.info_actor.SetInput(text)

    def set_unit(self, unit: str | None) -> None:
        """Colour bar title."""
        self.scalar_bar.SetTitle(unit or "")

    # -------------------------------------------------------------- colour

    def set_color_map(self, name: str) -> None:
        """Switch to colour map ``name``."""
        if name == self.color_map:
            return
        self.color_map = name
        self.lut = make_lookup_table(name, self.limits)
        self.mapper.SetLookupTable(self.lut)
        self.scalar_bar.SetLookupTable(self.lut)

    def set_values(self, values: np.ndarray) -> tuple[float, float]:
        """Colour each entity by ``values[entity]``; returns the limits used."""
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        if values.shape[0] != self.geometry.n_entities:
            raise ValueError(f"expected {self.geometry.n_entities} values, got {values.shape[0]}")
        np.take(values, self.point_entity, out=self._scalars)
        self._scalar_array.Modified()
        limits = self.scale.update(values)
        if limits != self.limits:
            self.limits = limits
            self.lut.SetRange(*limits)
        return limits

    # ------------------------------------------------------ camera, picking

    def reset_camera(self) -> None:
        """Frame the whole morphology."""
        lo, hi = self.geometry.bounds()
        frame_bounds(self.renderer, lo, hi)

    def pick(self, x: float, y: float) -> int | None:
        """Entity index under display position ``(x, y)`` (VTK pixels, origin bottom-left)."""
        if not self.picker.Pick(x, y, 0.0, self.renderer):
            return None
        cell = self.picker.GetCellId()
        if cell < 0 or cell >= self.triangle_entity.shape[0]:
            return None
        return int(self.triangle_entity[cell])

    def world_to_display(self, points: np.ndarray) -> np.ndarray:
        """Project ``(n, 3)`` world points to ``(n, 3)`` display coordinates (x, y, depth)."""
        out = np.empty((len(points), 3))
        for i, p in enumerate(np.asarray(points, dtype=float)):
            self.renderer.SetWorldPoint(p[0], p[1], p[2], 1.0)
            self.renderer.WorldToDisplay()
            out[i] = self.renderer.GetDisplayPoint()
        return out

    def select(self, index: int | None) -> None:
        """Outline entity ``index`` (``None`` clears the selection)."""
        if self._highlight_actor is not None:
            self.renderer.RemoveActor(self._highlight_actor)
            self._highlight_actor = None
        self.selected = index
        if index is None:
            return
        g = self.geometry
        mask = np.asarray(g.piece_entity) == index
        grow = 1.35
        floor = _min_radius(g) * 2.0
        mesh = build_tube_mesh(g.piece_start[mask], g.piece_end[mask],
                               np.maximum(g.piece_start_radius[mask] * grow, floor),
                               np.maximum(g.piece_end_radius[mask] * grow, floor), sides=10, caps=True)
        poly, keep = triangles_polydata(mesh.points, mesh.triangles, mesh.normals)
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(poly)
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.PickableOff()
        prop = actor.GetProperty()
        prop.SetColor(*HIGHLIGHT_COLOR)
        prop.SetRepresentationToWireframe()
        prop.SetLineWidth(1.5)
        prop.LightingOff()
        actor._cnv_keep = keep  # type: ignore[attr-defined]
        self._highlight_actor = actor
        self.renderer.AddActor(actor)
