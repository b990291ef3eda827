"""Pure-VTK surface renderer: a `GridGeometry` field as a height map coloured by value."""

from __future__ import annotations

import sys

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkFiltersCore import vtkPolyDataNormals
from vtkmodules.vtkRenderingAnnotation import vtkCubeAxesActor
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer, vtkTextActor

from compneurovis.core import GridGeometry
from compneurovis.vtk import (
    TEXT_COLOR,
    ColorScale,
    label_ticks,
    make_lookup_table,
    make_scalar_bar,
    style_renderer,
    triangles_polydata,
)


def _grid_triangles(nx: int, ny: int) -> np.ndarray:
    idx = np.arange(nx * ny).reshape(nx, ny)
    a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]
    return np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)])


class SurfaceRenderer:
    """Draws a 2-D field on a grid as a 3-D surface ``z = value * z_scale``.

    Args:
        grid: Where the samples are.
        color_map: Colour map name.
        color_limits: Fixed ``(low, high)`` or ``None`` for automatic limits.
        z_scale: Multiplier from value to height.
        unit: Unit shown on the colour bar.
        title: Title drawn in the upper-left corner.
    """

    def __init__(self, grid: GridGeometry, *, color_map: str = "scalar",
                 color_limits: tuple[float, float] | None = None, z_scale: float = 1.0,
                 unit: str | None = None, title: str = "") -> None:
        self.grid = grid
        self.z_scale = z_scale
        self.renderer = vtkRenderer()
        style_renderer(self.renderer)
        self.scale = ColorScale(color_limits, "auto")
        self.color_map = color_map
        nx, ny = grid.shape
        gx, gy = np.meshgrid(grid.x, grid.y, indexing="ij")
        self._points = np.zeros((nx * ny, 3), dtype=np.float32)
        self._points[:, 0], self._points[:, 1] = gx.ravel(), gy.ravel()
        self.polydata, self._keep = triangles_polydata(self._points, _grid_triangles(nx, ny))
        self._points = self._keep[0]
        self._scalars = np.zeros(nx * ny, dtype=np.float32)
        array = numpy_to_vtk(self._scalars, deep=0)
        array.SetName("value")
        self.polydata.GetPointData().SetScalars(array)
        self._normals = vtkPolyDataNormals()
        self._normals.SetInputData(self.polydata)
        self._normals.SplittingOff()
        self.lut = make_lookup_table(color_map)
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(self._normals.GetOutputPort())
        mapper.SetLookupTable(self.lut)
        mapper.UseLookupTableScalarRangeOn()
        self.actor = vtkActor()
        self.actor.SetMapper(mapper)
        prop = self.actor.GetProperty()
        prop.SetAmbient(0.3)
        prop.SetDiffuse(0.75)
        prop.SetSpecular(0.15)
        self.renderer.AddActor(self.actor)
        bar = make_scalar_bar(self.lut, unit)
        self.renderer.AddViewProp(bar)
        # vtkCubeAxesActor formats its labels through std::regex, which aborts when
        # NEURON's libraries were loaded first in this process: then draw no axes.
        self.axes: vtkCubeAxesActor | None = None
        if "neuron" not in sys.modules:
            self.axes = self._make_axes(grid)
            self.renderer.AddViewProp(self.axes)
        self.title_actor = vtkTextActor()
        self.title_actor.SetInput(title)
        self.title_actor.GetTextProperty().SetFontSize(18)
        self.title_actor.GetTextProperty().SetColor(*TEXT_COLOR)
        self.title_actor.GetTextProperty().SetVerticalJustificationToTop()
        self.title_actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        self.title_actor.SetPosition(0.012, 0.975)
        self.renderer.AddViewProp(self.title_actor)
        self.limits = (0.0, 1.0)

    def set_title(self, title: str) -> None:
        """Text in the upper-left corner."""
        self.title_actor.SetInput(title)

    def set_values(self, values: np.ndarray) -> tuple[float, float]:
        """Show ``values`` (shape ``grid.shape``) as heights and colours."""
        flat = np.asarray(values, dtype=np.float32).reshape(-1)
        self._scalars[:] = flat
        self._points[:, 2] = np.nan_to_num(flat) * self.z_scale
        self.polydata.GetPointData().GetScalars().Modified()
        self.polydata.GetPoints().Modified()
        self.polydata.Modified()
        limits = self.scale.update(flat)
        if limits != self.limits:
            self.limits = limits
            self.lut.SetRange(*limits)
            label_ticks(self.lut)
        if self.axes is not None:
            self.axes.SetBounds(self.polydata.GetBounds())
        return limits

    def _make_axes(self, grid: GridGeometry) -> vtkCubeAxesActor:
        """x/y axes with titles around the surface."""
        axes = vtkCubeAxesActor()
        axes.SetXTitle(grid.x_label)
        axes.SetYTitle(grid.y_label)
        for i in range(3):
            axes.GetTitleTextProperty(i).SetColor(*TEXT_COLOR)
            axes.GetLabelTextProperty(i).SetColor(*TEXT_COLOR)
            axes.GetTitleTextProperty(i).SetFontSize(14)
            axes.GetLabelTextProperty(i).SetFontSize(12)
        axes.XAxisMinorTickVisibilityOff()
        axes.YAxisMinorTickVisibilityOff()
        axes.ZAxisMinorTickVisibilityOff()
        axes.ZAxisVisibilityOff()  # the colour bar carries the value scale
        axes.ZAxisLabelVisibilityOff()
        axes.ZAxisTickVisibilityOff()
        axes.SetZTitle(" ")
        axes.SetFlyModeToOuterEdges()
        axes.SetLabelOffset(12)
        axes.SetTitleOffset([14.0, 14.0])
        axes.SetCamera(self.renderer.GetActiveCamera())
        return axes

    def reset_camera(self) -> None:
        """Look at the surface from an oblique angle."""
        camera = self.renderer.GetActiveCamera()
        camera.SetPosition(0.0, -1.0, 1.1)
        camera.SetFocalPoint(0.0, 0.0, 0.0)
        camera.SetViewUp(0.0, 0.0, 1.0)
        self.renderer.ResetCamera(self.polydata.GetBounds())
        camera.Zoom(1.05)
        self.renderer.ResetCameraClippingRange()

    def pick(self, x: float, y: float) -> int | None:
        """Surfaces have no entities to pick."""
        return None
