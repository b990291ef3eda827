"""A category legend in a VTK renderer: a flat colour swatch and a name per category."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor2D,
    vtkCoordinate,
    vtkPolyDataMapper2D,
    vtkRenderer,
    vtkTextActor,
)

from compneurovis.vtk import TEXT_COLOR

#: Swatch size and spacing, as fractions of the viewport.
SWATCH_WIDTH, ROW_HEIGHT = 0.025, 0.045
#: Upper-left corner of the legend (normalized viewport).
LEFT, TOP = 0.80, 0.90


def hex_rgb(color: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as an ``(r, g, b)`` tuple of 0-255 ints."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _swatch(x: float, y: float) -> vtkPolyData:
    points = vtkPoints()
    for px, py in ((x, y), (x + SWATCH_WIDTH, y), (x + SWATCH_WIDTH, y + 0.8 * ROW_HEIGHT), (x, y + 0.8 * ROW_HEIGHT)):
        points.InsertNextPoint(px, py, 0.0)
    cells = vtkCellArray()
    cells.InsertNextCell(4)
    for k in range(4):
        cells.InsertCellPoint(k)
    poly = vtkPolyData()
    poly.SetPoints(points)
    poly.SetPolys(cells)
    return poly


class CategoryLegend:
    """Swatches and names of the categories, in the upper right of ``renderer``; hidden until `show`.

    Args:
        renderer: The VTK renderer to draw in.
    """

    def __init__(self, renderer: vtkRenderer) -> None:
        self.renderer = renderer
        self.actors: list[vtkActor2D | vtkTextActor] = []
        #: ``(name, (r, g, b))`` per shown category.
        self.entries: list[tuple[str, tuple[int, int, int]]] = []

    def show(self, names: Sequence[str], colors: Sequence[str]) -> None:
        """Show one row per category (replacing the rows shown)."""
        self.hide()
        for k, (name, color) in enumerate(zip(names, colors, strict=True)):
            rgb = hex_rgb(color)
            y = TOP - (k + 1) * ROW_HEIGHT
            mapper = vtkPolyDataMapper2D()
            mapper.SetInputData(_swatch(LEFT, y))
            coordinate = vtkCoordinate()
            coordinate.SetCoordinateSystemToNormalizedViewport()
            mapper.SetTransformCoordinate(coordinate)
            swatch = vtkActor2D()
            swatch.SetMapper(mapper)
            swatch.GetProperty().SetColor(*(np.array(rgb) / 255.0))
            text = vtkTextActor()
            text.SetInput(name)
            prop = text.GetTextProperty()
            prop.SetFontSize(15)
            prop.SetColor(*TEXT_COLOR)
            text.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
            text.SetPosition(LEFT + SWATCH_WIDTH + 0.01, y)
            for actor in (swatch, text):
                self.renderer.AddViewProp(actor)
                self.actors.append(actor)
            self.entries.append((name, rgb))

    def swatch_centers(self) -> list[tuple[float, float]]:
        """Normalized viewport centre of each shown swatch (origin bottom-left)."""
        return [(LEFT + SWATCH_WIDTH / 2, TOP - (k + 1) * ROW_HEIGHT + 0.4 * ROW_HEIGHT)
                for k in range(len(self.entries))]

    def hide(self) -> None:
        """Remove every row."""
        for actor in self.actors:
            self.renderer.RemoveViewProp(actor)
        self.actors, self.entries = [], []
