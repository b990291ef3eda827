"""Show the histogram view beside a morphology: ``python histogram_demo.py`` (run it from this folder)."""

from __future__ import annotations

import histogram_drawing  # noqa: F401 - registers the drawing (in the window's process)
import numpy as np
from histogram_view import HistogramViewSpec

from compneurovis.core import (
    Field,
    LayoutSpec,
    MorphologyGeometry,
    MorphologyViewSpec,
    PanelSpec,
    Scene,
)


def make_scene(values: np.ndarray | None = None, n: int = 40) -> Scene:
    """A row of ``n`` segments coloured by ``values``, with their histogram on the right."""
    start = np.array([[12.0 * i, 0.0, 0.0] for i in range(n)])
    geometry = MorphologyGeometry(
        id="cell", entity_ids=[f"seg{i}" for i in range(n)], cell_names=["cell"] * n,
        section_names=["dend"] * n, xloc=(np.arange(n) + 0.5) / n, start=start,
        end=start + np.array([10.0, 0.0, 0.0]), radius=np.full(n, 2.0), length=np.full(n, 10.0),
        parent=[-1, *range(n - 1)], labels=[f"dend({(i + 0.5) / n:.3f})" for i in range(n)],
    )
    values = np.linspace(-70.0, 30.0, n) if values is None else np.asarray(values)
    voltage = Field("voltage", values.astype(np.float32), ("segment",),
                    {"segment": np.array(geometry.entity_ids)}, unit="mV")
    return Scene(
        fields=[voltage], geometries=[geometry],
        views=[MorphologyViewSpec(id="cell", geometry_id="cell", color_field_id="voltage"),
               HistogramViewSpec(id="histogram", field_id="voltage", bins=10, title="Voltage histogram")],
        panels=[PanelSpec(id="cell", kind="view_3d", view_ids=("cell",)),
                PanelSpec(id="histogram", kind="line_plot", view_ids=("histogram",))],
        layout=LayoutSpec(columns=(("cell",), ("histogram",))),
        title="Histogram view",
    )


if __name__ == "__main__":
    from compneurovis.qt import run_app

    run_app(make_scene())
