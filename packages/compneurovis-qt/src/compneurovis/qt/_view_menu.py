"""The View menu: switch each morphology between its live colour field and its categories."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu, QMenuBar

from compneurovis.core import MorphologyViewSpec, Scene, ScenePatch, SessionUpdate


def color_by_patch(scene: Scene, view_id: str, by_category: bool) -> ScenePatch:
    """The `ScenePatch` that colours morphology ``view_id`` by its category field (or its colour field).

    Raises:
        ValueError: If the view is not a morphology with a category field.
    """
    spec = scene.views.get(view_id)
    if not isinstance(spec, MorphologyViewSpec) or spec.category_field_id is None:
        raise ValueError(f"view {view_id!r} is not a morphology view with a category field")
    return ScenePatch(views={view_id: {"color_by": "category" if by_category else "field"}})


def install_view_menu(menu_bar: QMenuBar, scene: Callable[[], Scene | None],
                      apply: Callable[[Iterable[SessionUpdate]], None]) -> QMenu:
    """Add a View menu listing, each time it opens, a "colour by categories" toggle per morphology view.

    A toggle applies a `ScenePatch` of the view's ``color_by`` through
    ``apply`` (the window's `apply_updates`), so the window's recording keeps it.
    """
    menu = menu_bar.addMenu("&View")

    def refresh() -> None:
        menu.clear()
        current = scene()
        specs = [] if current is None else [v for v in current.views.values()
                                             if isinstance(v, MorphologyViewSpec) and v.category_field_id]
        if not specs:
            menu.addAction("(no categories to colour by)").setEnabled(False)
        for spec in specs:
            action = QAction(f"Colour {spec.title or spec.id} by {spec.category_field_id}", menu)
            action.setCheckable(True)
            action.setChecked(spec.color_by == "category")
            action.toggled.connect(lambda on, vid=spec.id: apply([color_by_patch(scene(), vid, on)]))  # type: ignore[arg-type]
            menu.addAction(action)

    menu.aboutToShow.connect(refresh)
    refresh()
    return menu
