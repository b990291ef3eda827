"""`SegmentMark`s as coloured spheres with labels on a morphology, picked on screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkPolyData
from vtkmodules.vtkFiltersCore import vtkGlyph3D
from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkRenderingCore import vtkActor, vtkCoordinate, vtkPolyDataMapper, vtkRenderer, vtkTextActor

from compneurovis.core import MorphologyGeometry, SegmentMark

#: Glyph colour (RGB 0-255) by mark kind; other kinds are drawn as ``"user"``.
MARK_COLORS = {
    "stimulus": (255, 214, 10),
    "synapse": (0, 220, 255),
    "point_process": (235, 235, 235),
    "user": (255, 120, 40),
}
#: Marks beyond this many get a glyph but no label (a click still names them).
MAX_LABELS = 40
#: A click this close (pixels) to a glyph's centre, or inside it, picks the mark.
PICK_RADIUS_PX = 8.0
#: Triangles all glyphs together may take: many marks get coarser spheres (see `sphere_resolution`).
GLYPH_TRIANGLES = 30_000
#: Sphere (theta, phi) resolutions, finest first, with their triangle counts.
_SPHERES = ((14, 10, 224), (10, 7, 100), (8, 5, 48), (6, 4, 24), (4, 3, 8))


def sphere_resolution(n_marks: int, budget: int = GLYPH_TRIANGLES) -> tuple[int, int]:
    """The finest sphere ``(theta, phi)`` resolution whose ``n_marks`` glyphs fit in ``budget`` triangles.

    A network's thousands of synapses at full detail (224 triangles each) cost
    a software OpenGL more than the morphology itself; the coarsest level (an
    octahedron, 8 triangles) is used however many marks there are.
    """
    for theta, phi, triangles in _SPHERES:
        if n_marks * triangles <= budget:
            return theta, phi
    return _SPHERES[-1][0], _SPHERES[-1][1]


class MarkGlyphs:
    """The marks of one morphology view: one glyph actor, a label actor per mark (up to `MAX_LABELS`).

    Args:
        renderer: The morphology's renderer.
        geometry: The morphology (marks sit at their segment's centre).
    """

    def __init__(self, renderer: vtkRenderer, geometry: MorphologyGeometry) -> None:
        self.renderer = renderer
        self.geometry = geometry
        self.marks: tuple[SegmentMark, ...] = ()
        self.entity: np.ndarray = np.zeros(0, dtype=np.intp)
        self.positions = np.zeros((0, 3))
        self.radius = 0.0
        self._actors: list[object] = []

    def set_marks(self, marks: Sequence[SegmentMark]) -> None:
        """Draw ``marks`` (replacing the previous ones); marks on unknown segments are skipped."""
        marks = tuple(m for m in marks if self.geometry.has_entity(m.entity_id))
        if marks == self.marks:
            return
        for actor in self._actors:
            self.renderer.RemoveViewProp(actor)
        self._actors = []
        self.marks = marks
        self.entity = np.array([self.geometry.index_of(m.entity_id) for m in marks], dtype=np.intp)
        if not marks:
            self.positions = np.zeros((0, 3))
            return
        g = self.geometry
        self.positions = np.asarray(g.centers, dtype=np.float64)[self.entity]
        lo, hi = g.bounds()
        self.radius = 0.012 * float(np.linalg.norm(np.asarray(hi) - np.asarray(lo)))
        radii = np.maximum(1.3 * np.asarray(g.radius, dtype=np.float64)[self.entity], self.radius)
        self._actors.append(self._glyphs(radii))
        for k, mark in enumerate(marks[:MAX_LABELS]):
            self._actors.append(self._label(mark.label or mark.kind, self.positions[k]))
        for actor in self._actors:
            self.renderer.AddViewProp(actor)

    def _glyphs(self, radii: np.ndarray) -> vtkActor:
        points = vtkPoints()
        points.SetData(numpy_to_vtk(self.positions, deep=1))
        poly = vtkPolyData()
        poly.SetPoints(points)
        colors = np.array([MARK_COLORS.get(m.kind, MARK_COLORS["user"]) for m in self.marks], dtype=np.uint8)
        rgb = numpy_to_vtk(colors, deep=1)
        rgb.SetName("mark_color")
        scale = numpy_to_vtk(radii, deep=1)
        scale.SetName("mark_radius")
        poly.GetPointData().AddArray(rgb)
        poly.GetPointData().SetScalars(scale)
        sphere = vtkSphereSource()
        sphere.SetRadius(1.0)
        theta, phi = sphere_resolution(len(self.marks))
        sphere.SetThetaResolution(theta)
        sphere.SetPhiResolution(phi)
        glyph = vtkGlyph3D()
        glyph.SetInputData(poly)
        glyph.SetSourceConnection(sphere.GetOutputPort())
        glyph.SetScaleModeToScaleByScalar()
        glyph.SetScaleFactor(1.0)
        glyph.SetColorModeToColorByScalar()
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(glyph.GetOutputPort())
        mapper.SetScalarModeToUsePointFieldData()
        mapper.SelectColorArray("mark_color")
        mapper.SetColorModeToDirectScalars()
        mapper.ScalarVisibilityOn()
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.PickableOff()
        actor.GetProperty().SetAmbient(0.35)
        return actor

    def _label(self, text: str, position: np.ndarray) -> vtkTextActor:
        # a 2-D text actor placed at a world point (plus a few pixels): drawn over the cell, never hidden by it
        anchor = vtkCoordinate()
        anchor.SetCoordinateSystemToWorld()
        anchor.SetValue(*position)
        label = vtkTextActor()
        label.SetInput(text)
        coordinate = label.GetPositionCoordinate()
        coordinate.SetCoordinateSystemToDisplay()
        coordinate.SetReferenceCoordinate(anchor)
        coordinate.SetValue(10.0, 8.0)
        label._cnv_anchor = anchor  # type: ignore[attr-defined]
        prop = label.GetTextProperty()
        prop.SetFontSize(14)
        prop.SetColor(1.0, 1.0, 1.0)
        prop.SetBackgroundColor(0.0, 0.0, 0.0)
        prop.SetBackgroundOpacity(0.55)
        label.PickableOff()
        return label

    def pick(self, x: float, y: float, to_display: Callable[[np.ndarray], np.ndarray]) -> int | None:
        """Index (into ``marks``) of the front-most glyph under display position ``(x, y)``, or ``None``."""
        if not self.marks:
            return None
        screen = to_display(self.positions)
        distance = np.hypot(screen[:, 0] - x, screen[:, 1] - y)
        near = np.flatnonzero(distance <= PICK_RADIUS_PX)
        if near.size == 0:
            return None
        return int(near[np.argmin(screen[near, 2])])

    def describe(self, k: int) -> str:
        """Words for mark ``k``: label, kind and the segment it is on."""
        mark = self.marks[k]
        where = self.geometry.labels[int(self.entity[k])]
        return f"{mark.label or '(no label)'} ({mark.kind}) on {where}"
