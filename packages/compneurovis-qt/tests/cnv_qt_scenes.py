"""Scenes and geometries shared by the compneurovis-qt tests (a unique module name:
every package's tests directory is on sys.path when they run together)."""

from __future__ import annotations

import numpy as np

from compneurovis.core import (
    ActionSpec,
    BoolValueSpec,
    ChoiceValueSpec,
    ControlSpec,
    Field,
    LayoutSpec,
    LinePlotViewSpec,
    MorphologyGeometry,
    MorphologyViewSpec,
    PanelSpec,
    ScalarValueSpec,
    Scene,
    XYValueSpec,
)


def line_geometry(n: int = 5, spacing: float = 20.0, radius: float = 3.0) -> MorphologyGeometry:
    """``n`` separate segments along x, each 12 µm long."""
    start = np.array([[i * spacing, 0.0, 0.0] for i in range(n)])
    end = start + np.array([12.0, 0.0, 0.0])
    return MorphologyGeometry(
        id="morph", entity_ids=[f"seg{i}" for i in range(n)], cell_names=["c"] * n,
        section_names=[f"sec{i}" for i in range(n)], xloc=np.full(n, 0.5), start=start, end=end,
        radius=np.full(n, radius), length=np.full(n, 12.0), parent=[-1] * n,
        labels=[f"sec{i}(0.5)" for i in range(n)],
    )


def make_scene(values: np.ndarray | None = None, *, n: int = 5) -> Scene:
    geometry = line_geometry(n)
    values = np.linspace(-60.0, 20.0, n) if values is None else values
    display = Field("display", np.asarray(values, dtype=np.float32), ("segment",),
                    {"segment": np.array(geometry.entity_ids)}, unit="mV")
    history = Field("history", np.zeros((1, 3), dtype=np.float32), ("segment", "time"),
                    {"segment": np.array(["seg0"]), "time": np.array([0.0, 0.1, 0.2])}, unit="mV")
    controls = [
        ControlSpec(id="gain", label="Gain", value_spec=ScalarValueSpec(default=1.0, min=0.0, max=2.0, step=0.1)),
        ControlSpec(id="count", label="Count", value_spec=ScalarValueSpec(default=3, min=1, max=9, integer=True),
                    presentation="spinbox"),
        ControlSpec(id="mode", label="Mode", value_spec=ChoiceValueSpec(options=("a", "b"), default="a")),
        ControlSpec(id="on", label="On", value_spec=BoolValueSpec(default=True)),
        ControlSpec(id="pos", label="Position", value_spec=XYValueSpec(default=(0.0, 0.0))),
        ControlSpec(id="rate", label="Rate", value_spec=ScalarValueSpec(default=1.0, min=0.01, max=100.0,
                                                                         scale="log")),
    ]
    actions = [ActionSpec(id="kick", label="Kick", shortcuts=("K",)),
               ActionSpec(id="reset", label="Reset", shortcuts=("Space",))]
    return Scene(
        fields=[display, history], geometries=[geometry],
        views=[MorphologyViewSpec(id="m", geometry_id="morph", color_field_id="display",
                                  color_limits=(-60.0, 20.0), title="Test cell"),
               LinePlotViewSpec(id="t", field_id="history", geometry_id="morph", y_unit="mV")],
        controls=controls, actions=actions,
        panels=[PanelSpec(id="p3d", kind="view_3d", view_ids=("m",)),
                PanelSpec(id="ptrace", kind="line_plot", view_ids=("t",)),
                PanelSpec(id="pctl", kind="controls", control_ids=tuple(c.id for c in controls),
                          action_ids=("kick", "reset"))],
        layout=LayoutSpec(columns=(("p3d",), ("ptrace", "pctl")), column_weights=(3.0, 2.0)),
        title="Test scene",
    )


def project(renderer, points: np.ndarray) -> np.ndarray:
    """Display coordinates (VTK pixels, origin bottom-left) of world ``points`` under ``renderer``'s camera."""
    from vtkmodules.vtkRenderingCore import vtkCoordinate

    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    out = []
    for point in np.asarray(points, dtype=float).reshape(-1, 3):
        coordinate.SetValue(*point)
        out.append(coordinate.GetComputedDoubleDisplayValue(renderer))
    return np.array(out)


def pixel_at(image: np.ndarray, xy) -> np.ndarray:
    """The RGB pixel (as floats) of a top-row-first ``image`` at VTK display position ``xy``."""
    h = image.shape[0]
    return image[h - 1 - round(xy[1]), round(xy[0])].astype(float)
