"""VTK helpers shared by the 3-D views: polydata from numpy, offscreen windows, framing, theme."""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray
from vtkmodules.vtkCommonCore import vtkLookupTable, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkRenderWindow

# Register the OpenGL implementations of the rendering classes.
import vtkmodules.vtkRenderingOpenGL2  # isort: skip
import vtkmodules.vtkRenderingFreeType  # isort: skip
import vtkmodules.vtkInteractionStyle  # noqa: F401  # isort: skip

#: Background of the dark theme (RGB in [0, 1]).
BACKGROUND = (0.09, 0.094, 0.11)
#: Text and colour-bar labels of the dark theme (RGB in [0, 1]).
TEXT_COLOR = (0.92, 0.93, 0.95)
#: Outline of the selected segment (RGB in [0, 1]).
HIGHLIGHT_COLOR = (1.0, 0.95, 0.35)


def triangles_polydata(points: np.ndarray, triangles: np.ndarray,
                       normals: np.ndarray | None = None) -> tuple[vtkPolyData, list[np.ndarray]]:
    """Return a `vtkPolyData` of triangles and the numpy buffers it shares memory with.

    Keep the returned buffers alive as long as the polydata.
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    conn = np.ascontiguousarray(triangles, dtype=np.int64).reshape(-1)
    offsets = np.arange(0, conn.size + 1, 3, dtype=np.int64)
    vtk_points = vtkPoints()
    vtk_points.SetData(numpy_to_vtk(points, deep=0))
    cells = vtkCellArray()
    cells.SetData(numpy_to_vtkIdTypeArray(offsets, deep=1), numpy_to_vtkIdTypeArray(conn, deep=1))
    poly = vtkPolyData()
    poly.SetPoints(vtk_points)
    poly.SetPolys(cells)
    keep = [points]
    if normals is not None:
        normals = np.ascontiguousarray(normals, dtype=np.float32)
        array = numpy_to_vtk(normals, deep=0)
        array.SetName("Normals")
        poly.GetPointData().SetNormals(array)
        keep.append(normals)
    return poly, keep


def lines_polydata(points: np.ndarray) -> tuple[vtkPolyData, list[np.ndarray]]:
    """A `vtkPolyData` of line segments ``points[2i] -> points[2i + 1]`` (one cell each)."""
    points = np.ascontiguousarray(points, dtype=np.float32)
    m = points.shape[0] // 2
    vtk_points = vtkPoints()
    vtk_points.SetData(numpy_to_vtk(points, deep=0))
    cells = vtkCellArray()
    cells.SetData(numpy_to_vtkIdTypeArray(np.arange(0, 2 * m + 1, 2, dtype=np.int64), deep=1),
                  numpy_to_vtkIdTypeArray(np.arange(2 * m, dtype=np.int64), deep=1))
    poly = vtkPolyData()
    poly.SetPoints(vtk_points)
    poly.SetLines(cells)
    return poly, [points]


def offscreen_render_window(size: tuple[int, int]) -> vtkRenderWindow:
    """An offscreen render window that needs no display: EGL, else OSMesa, else the default."""
    from vtkmodules import vtkRenderingOpenGL2 as gl

    window: vtkRenderWindow | None = None
    for name in ("vtkEGLRenderWindow", "vtkOSOpenGLRenderWindow"):
        cls = getattr(gl, name, None)
        if cls is None:
            continue
        try:
            candidate = cls()
            candidate.SetOffScreenRendering(1)
            candidate.SetSize(*size)
            probe = vtkRenderer()
            candidate.AddRenderer(probe)
            candidate.Render()
            candidate.RemoveRenderer(probe)
            window = candidate
            break
        except Exception:  # noqa: BLE001 - try the next implementation
            continue
    if window is None:
        window = vtkRenderWindow()
        window.SetOffScreenRendering(1)
        window.SetSize(*size)
    window.SetMultiSamples(0)
    return window


def label_ticks(lut: vtkLookupTable, count: int = 5) -> None:
    """Annotate ``count`` evenly spaced values of the LUT's range as colour-bar tick labels."""
    low, high = lut.GetRange()
    lut.ResetAnnotations()
    for value in np.linspace(low, high, count):
        lut.SetAnnotation(float(value), f"{value:.3g}")


def make_scalar_bar(lut: vtkLookupTable, unit: str | None) -> vtkScalarBarActor:
    """A legible vertical colour bar at the right edge, titled with the unit."""
    bar = vtkScalarBarActor()
    bar.SetLookupTable(lut)
    bar.SetTitle(unit or "")
    # Tick labels are LUT annotations formatted here, not VTK's printf-style labels:
    # VTK formats those through std::regex, which aborts (std::bad_alloc) when
    # NEURON's libraries are loaded first in the same process.
    bar.SetNumberOfLabels(0)
    bar.DrawAnnotationsOn()
    bar.DrawTickLabelsOff()
    bar.SetBarRatio(0.3)
    bar.SetMaximumWidthInPixels(90)
    bar.SetPosition(0.90, 0.08)
    bar.SetWidth(0.09)
    bar.SetHeight(0.78)
    bar.UnconstrainedFontSizeOn()
    bar.SetVerticalTitleSeparation(8)
    label_ticks(lut)
    for text in (bar.GetTitleTextProperty(), bar.GetLabelTextProperty(), bar.GetAnnotationTextProperty()):
        text.SetColor(*TEXT_COLOR)
        text.SetFontSize(15)
        text.ShadowOff()
        text.ItalicOff()
        text.BoldOff()
    bar.GetTitleTextProperty().BoldOn()
    return bar


def style_renderer(renderer: vtkRenderer) -> None:
    """Dark background and a camera headlight.

    A solid background: a gradient costs a full-screen pass, about 5 ms a
    frame on a software renderer.
    """
    renderer.SetBackground(*BACKGROUND)
    renderer.LightFollowCameraOn()


def frame_bounds(renderer: vtkRenderer, lo: np.ndarray, hi: np.ndarray, *, margin: float = 1.08,
                 usable_width: float = 0.84, direction: tuple[float, float, float] = (0.0, 0.0, -1.0),
                 view_up: tuple[float, float, float] = (0.0, 1.0, 0.0)) -> None:
    """Point the camera along ``direction`` (default -z, y up) at the box ``lo..hi`` and fit it to the viewport.

    Morphologies are usually reconstructed in the xy plane; a flat one is seen
    face-on, filling the left ``usable_width`` of the view (the colour bar
    takes the rest) with a small margin. Another ``direction`` (a camera
    preset) fits the box's extent across that direction the same way.
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    forward = np.asarray(direction, dtype=float)
    forward = forward / np.linalg.norm(forward)
    right = np.cross(forward, np.asarray(view_up, dtype=float))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    extent = np.maximum(np.ptp(corners @ np.stack([right, up, forward]).T, axis=0), 1e-6)
    center = 0.5 * (lo + hi)
    camera = renderer.GetActiveCamera()
    width, height = renderer.GetSize()
    aspect = (width / height) if width and height else 4.0 / 3.0
    view_angle = np.radians(camera.GetViewAngle())
    half_h = 0.5 * max(extent[1], extent[0] / (aspect * usable_width)) * margin
    distance = half_h / np.tan(view_angle / 2.0) + 0.5 * extent[2]
    shift = half_h * aspect * (1.0 - usable_width)
    center = center + shift * right
    camera.SetFocalPoint(*center)
    camera.SetPosition(*(center - max(distance, 1e-3) * forward))
    camera.SetViewUp(*up)
    renderer.ResetCameraClippingRange()
