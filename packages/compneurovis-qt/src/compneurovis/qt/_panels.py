"""Layout building: a widget per `PanelSpec`, the columns of the layout, and their sizes.

A controls panel is a `ControlsPanel`; any other panel stacks the drawings of
its views, each made by the drawing class registered for the view's spec type
(`register_view`). Nothing here asks which kind of view it builds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QSplitter, QWidget

from compneurovis.core import PanelSpec, Scene, SessionCommand

from ._controls_panel import ControlsPanel
from ._view_registry import ViewContext, ViewDrawing, drawing_class

log = logging.getLogger("compneurovis.qt")


def make_drawing(scene: Scene, view_id: str, context: ViewContext) -> ViewDrawing | None:
    """The drawing of view ``view_id`` by its registered class (``None`` if none is registered)."""
    spec = scene.views[view_id]
    cls = drawing_class(type(spec))
    if cls is None:
        log.warning("view %r: no drawing class registered for %s", view_id, type(spec).__name__)
        return None
    return cls(spec, scene, context)


def build_panel(scene: Scene, panel: PanelSpec, context: ViewContext,
                send: Callable[[SessionCommand], None]) -> tuple[QWidget, dict[str, ViewDrawing]]:
    """Build the widget of ``panel`` and return it with the drawings of the views it hosts.

    One view's widget is the panel; several are stacked top to bottom. A view
    whose spec type has no registered drawing class shows a note instead.
    """
    if panel.kind == "controls":
        widget = ControlsPanel([scene.controls[c] for c in panel.control_ids],
                               [scene.actions[a] for a in panel.action_ids], scene.state, send,
                               title=panel.title)
        return widget, {}
    drawings: dict[str, ViewDrawing] = {}
    widgets: list[QWidget] = []
    for vid in panel.view_ids:
        drawing = make_drawing(scene, vid, context)
        if drawing is None:
            widgets.append(QLabel(f"view {vid!r}: no drawing registered for {type(scene.views[vid]).__name__}"))
            continue
        drawings[vid] = drawing
        widgets.append(drawing.widget)
    if not widgets:
        return QLabel(f"panel {panel.id!r}: no views"), drawings
    if len(widgets) == 1:
        return widgets[0], drawings
    holder = QSplitter(Qt.Orientation.Vertical)
    for widget in widgets:
        holder.addWidget(widget)
    return holder, drawings


def layout_columns(scene: Scene) -> tuple[tuple[tuple[str, ...], ...], tuple[float, ...]]:
    """Panel ids per column and column weights: the Scene's layout, or 3-D panels left and the rest right."""
    layout = scene.layout
    if layout is not None:
        return layout.columns, layout.column_weights
    first = tuple(p for p in scene.panels if scene.panels[p].kind == "view_3d")
    rest = tuple(p for p in scene.panels if p not in first)
    columns = tuple(c for c in (first, rest) if c)
    return columns, (3.0, 2.0)[:len(columns)]


def build_body(scene: Scene, build: Callable[[PanelSpec], QWidget]
               ) -> tuple[QSplitter, dict[str, QWidget], tuple[float, ...]]:
    """The splitter of columns of the Scene's layout.

    Args:
        scene: The Scene.
        build: Makes the widget of one visible panel.

    Returns:
        The body splitter, the widget of each panel shown, and the column weights.
    """
    columns, weights = layout_columns(scene)
    panels: dict[str, QWidget] = {}
    body = QSplitter(Qt.Orientation.Horizontal)
    body.setChildrenCollapsible(False)
    for column in columns:
        stack = QSplitter(Qt.Orientation.Vertical)
        stack.setChildrenCollapsible(False)
        stretches = []
        for pid in column:
            panel = scene.panels.get(pid)
            if panel is None or not panel.visible:
                continue
            if panel.kind == "controls" and not panel.control_ids and not panel.action_ids:
                continue  # nothing to show
            widget = build(panel)
            panels[pid] = widget
            stack.addWidget(widget)
            stretches.append(1 if panel.kind == "controls" else 3)
        for i, s in enumerate(stretches):
            stack.setStretchFactor(i, s)
        if stretches:
            body.addWidget(stack)
        else:
            stack.deleteLater()
    weights = tuple(weights[:body.count()]) + (1.0,) * max(0, body.count() - len(weights))
    for i, w in enumerate(weights):
        body.setStretchFactor(i, max(1, round(w * 10)))
    return body, panels, weights


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
