"""Adding a view, its panel and the fields it reads to an existing Scene."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from ._field import Field
from ._layout import LayoutSpec, PanelSpec
from ._scene import Scene


def add_view(scene: Scene, view: Any, *, fields: Iterable[Field] = (), panel_kind: str = "plot",
             column: int = -1, before: str | None = None, title: str = "") -> Scene:
    """Return a new Scene with ``view`` (and ``fields``) added in a panel of its own.

    The panel (id = the view's id) goes into layout column ``column``, before
    panel ``before`` when that panel is in the column, else at its end.

    Args:
        scene: The Scene to extend; not modified.
        view: The view spec.
        fields: Fields the view needs that the Scene lacks (replacing same ids).
        panel_kind: Kind of the new panel.
        column: Index of the layout column (a new column if the Scene has no layout).
        before: Panel id to insert before, or ``None`` for the end of the column.
        title: Panel title.

    Raises:
        SceneError: If the new view does not fit the Scene.
    """
    panel = PanelSpec(id=view.id, kind=panel_kind, view_ids=(view.id,), title=title)
    layout = scene.layout
    if layout is None:
        columns: list[tuple[str, ...]] = [tuple(scene.panels)]
        weights: tuple[float, ...] = ()
    else:
        columns, weights = list(layout.columns), layout.column_weights
    if not columns:
        columns = [()]
    k = column % len(columns)
    ids = list(columns[k])
    ids.insert(ids.index(before) if before in ids else len(ids), panel.id)
    columns[k] = tuple(ids)
    return dataclasses.replace(scene, fields={**scene.fields, **{f.id: f for f in fields}},
                               views={**scene.views, view.id: view}, panels={**scene.panels, panel.id: panel},
                               layout=LayoutSpec(columns=tuple(columns), column_weights=weights),
                               state=dict(scene.state))  # the rest (title, status, time label...) as it was
