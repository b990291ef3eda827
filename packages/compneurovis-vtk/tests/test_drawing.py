"""A morphology drawn offscreen: each segment in its value's colour, and nothing of Qt loaded."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkRenderingCore import vtkCoordinate, vtkWindowToImageFilter

from compneurovis.core import MorphologyGeometry
from compneurovis.vtk import MorphologyRenderer, build_lod_mesh, map_colors, offscreen_render_window


def line_geometry(n: int = 5) -> MorphologyGeometry:
    """``n`` separate segments along x, 12 µm long and 20 µm apart."""
    start = np.array([[i * 20.0, 0.0, 0.0] for i in range(n)])
    return MorphologyGeometry(
        id="morph", entity_ids=[f"seg{i}" for i in range(n)], cell_names=["c"] * n,
        section_names=[f"sec{i}" for i in range(n)], xloc=np.full(n, 0.5), start=start,
        end=start + np.array([12.0, 0.0, 0.0]), radius=np.full(n, 3.0), length=np.full(n, 12.0), parent=[-1] * n)


def pixels(window) -> np.ndarray:
    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.SetInputBufferTypeToRGB()
    grab.ReadFrontBufferOff()
    grab.Update()
    image = grab.GetOutput()
    width, height, _ = image.GetDimensions()
    return vtk_to_numpy(image.GetPointData().GetScalars()).reshape(height, width, -1)[::-1, :, :3]


def test_each_segment_is_drawn_in_the_colour_of_its_value():
    geometry = line_geometry()
    values = np.array([-70.0, -40.0, -10.0, 20.0, np.nan])
    window = offscreen_render_window((500, 200))
    view = MorphologyRenderer(geometry, color_limits=(-70.0, 20.0), unit="mV")
    window.AddRenderer(view.renderer)
    view.set_values(values)
    view.reset_camera()
    window.Render()
    image = pixels(window)
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    expected = map_colors("scalar", values, (-70.0, 20.0)) * 255
    for k, centre in enumerate(geometry.centers):
        coordinate.SetValue(*centre)
        x, y = coordinate.GetComputedDoubleDisplayValue(view.renderer)
        pixel = image[image.shape[0] - 1 - round(y), round(x)].astype(float)
        # lit tubes: the centre line faces the headlight, so its colour is the table's within shading
        assert np.abs(pixel - expected[k]).max() < 45, (k, pixel, expected[k])
        assert view.pick(x, y) == k
    window.Finalize()


def test_the_tube_mesh_keeps_every_piece_and_its_entity():
    geometry = line_geometry(40)
    mesh = build_lod_mesh(geometry.piece_start, geometry.piece_end, geometry.piece_start_radius,
                          geometry.piece_end_radius)
    assert set(np.unique(mesh.triangle_piece)) == set(range(40))
    assert mesh.triangles.max() < len(mesh.points)
    assert mesh.point_piece.shape[0] == mesh.points.shape[0]


def test_drawing_a_morphology_loads_no_qt():
    # the notebook viewer draws with this package in a Jupyter kernel, where Qt must not be imported
    code = (
        "import sys, numpy as np\n"
        "from compneurovis.core import MorphologyGeometry\n"
        "from compneurovis.vtk import MorphologyRenderer, offscreen_render_window, color_table\n"
        "g = MorphologyGeometry(id='m', entity_ids=['a'], cell_names=['c'], section_names=['s'], xloc=[0.5],\n"
        "    start=[(0, 0, 0)], end=[(10, 0, 0)], radius=[2.0], length=[10.0], parent=[-1])\n"
        "w = offscreen_render_window((64, 64)); r = MorphologyRenderer(g); w.AddRenderer(r.renderer)\n"
        "r.set_values(np.zeros(1)); w.Render(); color_table('CET-C1s')\n"
        "qt = ('PyQt6', 'PyQt5', 'PySide6', 'pyqtgraph', 'superqt')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in qt))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
