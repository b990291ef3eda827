"""Pure-VTK morphology renderer: one static mesh for all pieces, coloured through a texture.

Usable without Qt (offscreen) and inside the Qt window. Every vertex carries
a fixed texture coordinate naming its entity; a colour update maps the
entity values through the colour map in numpy and rewrites one small RGB
texture (one texel per entity). The mesh itself never changes, so the
renderer uploads a few hundred kilobytes per frame instead of rebuilding
vertex and index buffers.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkCellPicker,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkTextActor,
    vtkTexture,
)

from compneurovis.core import CAMERA_PRESETS, Camera, MorphologyGeometry

from ._colormaps import NAN_COLOR, ColorScale, make_lookup_table, map_colors_u8
from ._marks import MarkGlyphs
from ._scene import (
    HIGHLIGHT_COLOR,
    TEXT_COLOR,
    frame_bounds,
    label_ticks,
    lines_polydata,
    make_scalar_bar,
    style_renderer,
    triangles_polydata,
)
from ._tube_mesh import build_lod_mesh, build_tube_mesh

#: Texels per row of the entity colour texture.
TEXTURE_WIDTH = 2048


#: Above this many pieces, pieces thinner than about two pixels at full view are drawn as lines.
#: A reconstructed cell (the CA1 sample: 2,858 pieces from Jaxley, 5,008 from NEURON) is above it.
LINE_LOD_PIECES = 2_000


def _min_radius(geometry: MorphologyGeometry) -> float:
    lo, hi = geometry.bounds()
    return 0.0015 * float(np.linalg.norm(hi - lo))


def _split_lod(geometry: MorphologyGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Piece indices drawn as tubes, and (for huge morphologies) as lines.

    A framed view shows the bounding-box diagonal across roughly 1000 pixels; a
    piece narrower than 2 pixels there looks the same as a line and costs far less
    on a software renderer. Small morphologies are all tubes.
    """
    m = len(geometry.piece_entity)  # type: ignore[arg-type]
    everything = np.arange(m)
    if m <= LINE_LOD_PIECES:
        return everything, everything[:0]
    lo, hi = geometry.bounds()
    pixel = float(np.linalg.norm(hi - lo)) / 1000.0
    r = np.maximum(geometry.piece_start_radius, geometry.piece_end_radius)  # type: ignore[arg-type]
    thin = 2.0 * r < 2.0 * pixel
    return everything[~thin], everything[thin]


class MorphologyRenderer:
    """Draws a `MorphologyGeometry` as shaded tubes coloured by one value per entity.

    Args:
        geometry: The morphology.
        color_map: Colour map name (see `color_table`).
        color_limits: Fixed ``(low, high)`` or ``None`` for automatic limits.
        color_norm: ``"auto"``, ``"linear"`` or ``"symmetric"``.
        unit: Unit shown on the colour bar.
        title: Title drawn in the upper-left corner.
        renderer: Renderer to draw into (a new one by default).
        camera: Where to look from (`Camera`), or ``None`` to frame it from the front.
    """

    def __init__(self, geometry: MorphologyGeometry, *, color_map: str = "scalar",
                 color_limits: tuple[float, float] | None = None, color_norm: str = "auto",
                 unit: str | None = None, title: str = "", renderer: vtkRenderer | None = None,
                 camera: Camera | None = None) -> None:
        self.geometry = geometry
        self.camera = camera
        self.renderer = renderer or vtkRenderer()
        style_renderer(self.renderer)
        self.scale = ColorScale(color_limits, color_norm)
        self.limits = (0.0, 1.0)
        self.selected: int | None = None
        self.values: np.ndarray | None = None
        self._build_texture()
        piece_entity = np.asarray(geometry.piece_entity, dtype=np.int64)
        tube_pieces, line_pieces = _split_lod(geometry)
        mesh = build_lod_mesh(geometry.piece_start[tube_pieces], geometry.piece_end[tube_pieces],
                              geometry.piece_start_radius[tube_pieces], geometry.piece_end_radius[tube_pieces],
                              min_radius=_min_radius(geometry))
        self.point_entity = piece_entity[tube_pieces][mesh.point_piece]
        self.triangle_entity = piece_entity[tube_pieces][mesh.triangle_piece]
        self.polydata, self._keep = triangles_polydata(mesh.points, mesh.triangles, mesh.normals)
        self._set_uv(self.polydata, self.point_entity)
        self.lut = make_lookup_table(color_map)
        self.color_map = color_map
        self.actor = self._actor(self.polydata)
        prop = self.actor.GetProperty()
        prop.SetAmbient(0.25)
        prop.SetDiffuse(0.8)
        prop.SetSpecular(0.12)
        prop.SetSpecularPower(25)
        self.mapper = self.actor.GetMapper()
        self.picker = vtkCellPicker()
        self.picker.SetTolerance(0.002)
        self.picker.PickFromListOn()
        self.picker.AddPickList(self.actor)
        self._cell_entity = {id(self.actor): self.triangle_entity}
        self.line_actor: vtkActor | None = None
        if len(line_pieces):
            self._build_lines(line_pieces, piece_entity[line_pieces])
        self._build_overlays(unit, title)
        self._highlight_actor: vtkActor | None = None
        #: Labelled glyphs of the view's `SegmentMark`s.
        self.mark_glyphs = MarkGlyphs(self.renderer, geometry)
        #: Index into ``mark_glyphs.marks`` of the mark the last `pick` hit, or ``None``.
        self.picked_mark: int | None = None

    def _actor(self, polydata: vtkPolyData) -> vtkActor:
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(polydata)
        mapper.ScalarVisibilityOff()
        mapper.StaticOn()
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.SetTexture(self.texture)
        self.renderer.AddActor(actor)
        return actor

    def _build_lines(self, pieces: np.ndarray, entity: np.ndarray) -> None:
        """Pieces too thin to see as tubes at full view: 2-pixel lines (one cell each)."""
        g = self.geometry
        m = len(pieces)
        points = np.empty((2 * m, 3), dtype=np.float32)
        points[0::2], points[1::2] = g.piece_start[pieces], g.piece_end[pieces]
        poly, keep = lines_polydata(points)
        self._keep += keep
        self._set_uv(poly, np.repeat(entity, 2))
        self.line_polydata = poly
        self.line_actor = self._actor(poly)
        self.line_actor.GetProperty().SetLineWidth(2.0)
        self.line_actor.GetProperty().LightingOff()
        self._cell_entity[id(self.line_actor)] = entity
        self._line_start = g.piece_start[pieces]
        self._line_end = g.piece_end[pieces]
        self._line_entity = entity

    def _set_uv(self, polydata: vtkPolyData, point_entity: np.ndarray) -> None:
        row, col = np.divmod(point_entity, self._tex_width)
        tcoords = np.empty((point_entity.shape[0], 2), dtype=np.float32)
        tcoords[:, 0] = (col + 0.5) / self._tex_width
        tcoords[:, 1] = (row + 0.5) / self._tex_height
        self._uv_keep.append(tcoords)
        array = numpy_to_vtk(tcoords, deep=0)
        array.SetName("entity_uv")
        polydata.GetPointData().SetTCoords(array)

    def _build_texture(self) -> None:
        n = max(self.geometry.n_entities, 1)
        width = min(n, TEXTURE_WIDTH)
        height = -(-n // width)
        self._tex_width, self._tex_height = width, height
        self._uv_keep: list[np.ndarray] = []
        self._texels = np.zeros((width * height, 3), dtype=np.uint8)
        self._texels[:] = (np.asarray(NAN_COLOR) * 255).astype(np.uint8)
        self._texel_array = numpy_to_vtk(self._texels, deep=0)
        image = vtkImageData()
        image.SetDimensions(width, height, 1)
        image.GetPointData().SetScalars(self._texel_array)
        self._image = image
        self.texture = vtkTexture()
        self.texture.SetInputData(image)
        self.texture.InterpolateOff()
        self.texture.RepeatOff()
        self.texture.EdgeClampOn()
        self.texture.MipmapOff()
        self.texture.SetColorModeToDirectScalars()

    # ------------------------------------------------------------ overlays

    def _build_overlays(self, unit: str | None, title: str) -> None:
        bar = make_scalar_bar(self.lut, unit)
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
        self.scalar_bar.SetLookupTable(self.lut)
        label_ticks(self.lut)
        if self.values is not None:
            map_colors_u8(name, self.values, self.limits, out=self._texels[:self.values.shape[0]])
            self._texel_array.Modified()
            self._image.Modified()

    def set_values(self, values: np.ndarray) -> tuple[float, float]:
        """Colour each entity by ``values[entity]``; returns the limits used."""
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        if values.shape[0] != self.geometry.n_entities:
            raise ValueError(f"expected {self.geometry.n_entities} values, got {values.shape[0]}")
        self.values = values
        limits = self.scale.update(values)
        if limits != self.limits:
            self.limits = limits
            self.lut.SetRange(*limits)
            label_ticks(self.lut)
        map_colors_u8(self.color_map, values, limits, out=self._texels[:values.shape[0]])
        self._texel_array.Modified()
        self._image.Modified()
        return limits

    def set_entity_colors(self, colors: np.ndarray) -> None:
        """Colour each entity directly with ``(n_entities, 3)`` uint8 RGB (categories), bypassing the map."""
        colors = np.asarray(colors, dtype=np.uint8).reshape(-1, 3)
        if colors.shape[0] != self.geometry.n_entities:
            raise ValueError(f"expected {self.geometry.n_entities} colours, got {colors.shape[0]}")
        self._texels[:colors.shape[0]] = colors
        self._texel_array.Modified()
        self._image.Modified()

    # ------------------------------------------------------ camera, picking

    def set_camera(self, camera: Camera | None) -> None:
        """Use ``camera`` (a preset, an exact view, or ``None``: the front) from now on, and apply it."""
        self.camera = camera
        self.reset_camera()

    def reset_camera(self) -> None:
        """Apply the camera: frame the whole morphology from its preset, or set its exact view."""
        camera = self.camera
        if camera is None or camera.preset is not None:
            direction, up = (CAMERA_PRESETS["front"] if camera is None else camera.direction())
            lo, hi = self.geometry.bounds()
            frame_bounds(self.renderer, lo, hi, direction=direction, view_up=up)
            return
        vtk_camera = self.renderer.GetActiveCamera()
        vtk_camera.SetPosition(*camera.position)  # type: ignore[misc]
        vtk_camera.SetFocalPoint(*camera.focal_point)  # type: ignore[misc]
        vtk_camera.SetViewUp(*camera.view_up)  # type: ignore[misc]
        vtk_camera.OrthogonalizeViewUp()
        self.renderer.ResetCameraClippingRange()

    def current_camera(self) -> Camera:
        """The view on screen now (after any mouse orbit, zoom or pan) as an exact `Camera`."""
        vtk_camera = self.renderer.GetActiveCamera()
        return Camera(position=vtk_camera.GetPosition(), focal_point=vtk_camera.GetFocalPoint(),
                      view_up=vtk_camera.GetViewUp())

    def pick(self, x: float, y: float) -> int | None:
        """Entity index under display position ``(x, y)`` (VTK pixels, origin bottom-left).

        A mark's glyph (see `picked_mark`) wins and gives its segment.
        Tubes are picked exactly by `vtkCellPicker`; thin pieces drawn as lines
        by the nearest one on screen (within 3 pixels); the nearer of the two wins.
        """
        self.picked_mark = self.mark_glyphs.pick(x, y, self.world_to_display)
        if self.picked_mark is not None:  # a mark's glyph is on top of its segment
            return int(self.mark_glyphs.entity[self.picked_mark])
        hits: list[tuple[float, int]] = []
        if self.picker.Pick(x, y, 0.0, self.renderer) and self.picker.GetActor() is self.actor:
            cell = self.picker.GetCellId()
            if 0 <= cell < self.triangle_entity.shape[0]:
                depth = self.world_to_display(np.array([self.picker.GetPickPosition()]))[0, 2]
                hits.append((depth, int(self.triangle_entity[cell])))
        if self.line_actor is not None:
            line = self._nearest_line(x, y)
            if line is not None:
                hits.append(line)
        return min(hits)[1] if hits else None

    def _nearest_line(self, x: float, y: float, radius: float = 3.0) -> tuple[float, int] | None:
        a = self.world_to_display(self._line_start)
        b = self.world_to_display(self._line_end)
        ab = b[:, :2] - a[:, :2]
        ap = np.array([x, y]) - a[:, :2]
        t = np.clip((ap * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-12), 0.0, 1.0)
        dist = np.linalg.norm(ap - t[:, None] * ab, axis=1)
        near = np.flatnonzero(dist <= radius)
        if near.size == 0:
            return None
        best = near[dist[near] <= dist[near].min() + 0.75]  # about equally close: the front one
        depth = a[best, 2] + t[best] * (b[best, 2] - a[best, 2])
        k = best[int(np.argmin(depth))]
        return float(a[k, 2] + t[k] * (b[k, 2] - a[k, 2])), int(self._line_entity[k])

    def world_to_display(self, points: np.ndarray) -> np.ndarray:
        """Project ``(n, 3)`` world points to ``(n, 3)`` display coordinates (x, y, depth in [-1, 1])."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        camera = self.renderer.GetActiveCamera()
        width, height = self.renderer.GetSize()
        matrix = camera.GetCompositeProjectionTransformMatrix(self.renderer.GetTiledAspectRatio(), -1.0, 1.0)
        m = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
        hom = points @ m[:3, :3].T + m[:3, 3]
        w = points @ m[3, :3] + m[3, 3]
        ndc = hom / w[:, None]
        x0, y0 = self.renderer.GetOrigin()
        out = np.empty_like(ndc)
        out[:, 0] = (ndc[:, 0] + 1.0) * 0.5 * width + x0
        out[:, 1] = (ndc[:, 1] + 1.0) * 0.5 * height + y0
        out[:, 2] = ndc[:, 2]
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
