"""Panels from a Scene: a widget per `PanelSpec`, and column sizes from the layout weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QSplitter, QWidget

from compneurovis.core import (
    LinePlotViewSpec,
    MorphologyViewSpec,
    PanelSpec,
    Scene,
    SessionCommand,
    SurfaceViewSpec,
)

from ._controls_panel import ControlsPanel
from ._trace_plot import TracePlot
from ._view3d_panel import View3DPanel
from ._vtk_morphology import MorphologyRenderer
from ._vtk_surface import SurfaceRenderer


def make_3d_renderer(scene: Scene, spec: MorphologyViewSpec | SurfaceViewSpec) -> Any:
    """The pure-VTK renderer of a morphology or surface view."""
    if isinstance(spec, MorphologyViewSpec):
        f = scene.fields[spec.color_field_id]
        return MorphologyRenderer(scene.geometries[spec.geometry_id],  # type: ignore[arg-type]
                                  color_map=spec.color_map, color_limits=spec.color_limits,
                                  color_norm=spec.color_norm, unit=f.unit, title=spec.title)
    f = scene.fields[spec.field_id]
    return SurfaceRenderer(scene.geometries[spec.geometry_id],  # type: ignore[arg-type]
                           color_map=spec.color_map, color_limits=spec.color_limits,
                           z_scale=spec.z_scale, unit=f.unit, title=spec.title)


def build_panel(scene: Scene, panel: PanelSpec, *, offscreen: bool, send: Callable[[SessionCommand], None],
                on_pick: Callable[[str, int | None], None]) -> tuple[QWidget, dict[str, Any]]:
    """Build the widget of ``panel`` and return it with the views it hosts.

    Views map to a `TracePlot`, or to ``(View3DPanel, renderer)`` for 3-D views.
    A ``view_3d`` panel shows its first morphology or surface view.
    """
    views: dict[str, Any] = {}
    if panel.kind == "controls":
        widget = ControlsPanel([scene.controls[c] for c in panel.control_ids],
                               [scene.actions[a] for a in panel.action_ids], scene.state, send,
                               title=panel.title)
        return widget, views
    if panel.kind == "line_plot":
        specs = [scene.views[v] for v in panel.view_ids if isinstance(scene.views[v], LinePlotViewSpec)]
        if not specs:
            return QLabel(f"panel {panel.id!r}: no line plot view"), views
        plots = []
        for spec in specs:
            plot = TracePlot(spec)  # type: ignore[arg-type]
            views[spec.id] = plot
            plots.append(plot)
        if len(plots) == 1:
            return plots[0], views
        holder = QSplitter(Qt.Orientation.Vertical)
        for plot in plots:
            holder.addWidget(plot)
        return holder, views
    spec3d = next((scene.views[v] for v in panel.view_ids
                   if isinstance(scene.views[v], MorphologyViewSpec | SurfaceViewSpec)), None)
    holder3d = View3DPanel(offscreen=offscreen)
    if spec3d is None:
        return holder3d, views
    renderer = make_3d_renderer(scene, spec3d)  # type: ignore[arg-type]
    holder3d.on_pick = lambda index, vid=spec3d.id: on_pick(vid, index)
    holder3d.set_view(renderer)
    views[spec3d.id] = (holder3d, renderer)
    return holder3d, views


def apply_column_sizes(body: QSplitter, weights: tuple[float, ...], width: int, height: int) -> None:
    """Column widths from the layout weights; controls panels get their natural height."""
    if body.count() == 0:
        return
    total = sum(weights) or 1.0
    width = max(width, 200)
    body.setSizes([round(width * w / total) for w in weights])
    for i in range(body.count()):
        stack = body.widget(i)
        if not isinstance(stack, QSplitter) or stack.count() < 2:
            continue
        fixed = [stack.widget(j).sizeHint().height() if isinstance(stack.widget(j), ControlsPanel)
                 else None for j in range(stack.count())]
        free = max(max(height - 60, 200) - sum(f for f in fixed if f is not None), 100)
        n_free = sum(1 for f in fixed if f is None) or 1
        stack.setSizes([f if f is not None else free // n_free for f in fixed])
