"""The view registry: which drawing class draws which view spec type.

A view kind is one spec class in the core (a frozen dataclass subclassing
`compneurovis.core.ViewSpec`) and one drawing class here, joined by one line::

    @register_view(HistogramViewSpec)
    class HistogramDrawing(ViewDrawing[HistogramViewSpec]):
        ...

The window looks the drawing class up by the spec's type (napari's
``layer_to_visual`` is the model) and never asks which kind of view it holds.

The drawing protocol, in the order the window calls it:

1. ``__init__(spec, scene, context)``: build the widget (set ``self.widget``)
   and anything it draws with (a VTK renderer, pyqtgraph items). The Scene
   already passed ``spec.validate(scene)``. Do not draw yet.
2. ``update(scene, changed_field_ids)``: take new data from ``scene`` before a
   draw. ``changed_field_ids`` holds the ids (of ``spec.field_ids()``) updated
   since the last draw; it holds all of them before the first draw, and is
   empty when only the selection, the sim time or the spec changed. Updates
   arriving faster than the view's ``max_refresh_hz`` are merged into one call.
3. ``draw()``: show it now (render, set curve data). The window paces draws
   (`RenderScheduler`) and measures their cost.
4. ``configure(spec, scene)``: the spec was patched (`ScenePatch`); apply it in
   place and return ``True``, or return ``False`` (the default) to be rebuilt.
5. ``on_selection(selection)``: the user picked an entity in some view; return
   ``True`` to be redrawn. A drawing that lets the user pick calls
   ``context.picked(view_id, entity_id, label)`` (``None`` for a miss).
6. ``close()``: release what ``__init__`` made (OpenGL contexts); later calls
   must do nothing harmful.

Optional hooks: ``reset_camera()`` (the R key), ``set_adaptive_resolution(on)``
(the View menu's switch for reduced live frames), ``snapshot()`` (OpenGL
content the window's screenshot must paint in), ``marks_first_frame`` (the
view's first draw is the window's "first frame"). An exception from any call
is shown once in the window's error banner and the view stops drawing until an
update of its fields, its spec or the Scene gives it a new start; nothing else
is affected.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
from PyQt6.QtWidgets import QWidget

from compneurovis.core import Scene, SessionUpdate, ViewSpec

from ._selection import Selection

S = TypeVar("S", bound=ViewSpec)


@dataclass(eq=False)
class ViewContext:
    """What the window lends every drawing.

    Attributes:
        offscreen: Render without a display (screenshots, movies).
        selection: The entities the user picked (read it; never change it).
        picked: Report a pick: ``picked(view_id, entity_id or None, label)``.
        paint_cost: Report the seconds a widget's later paint took (``paint_cost(view_id, s)``),
            for widgets Qt paints after `ViewDrawing.draw` returns.
        sim_time: Time of the latest data (simulated ms, or what ``Scene.time_unit`` says), or ``None``.
        apply: Apply updates as if the session sent them (the window's ``apply_updates``): a
            drawing's own tools change its spec with a `ScenePatch`, so recordings keep it.
        adaptive_resolution: 3-D views may draw live frames at a reduced resolution
            (`CompNeuroVisWindow.set_adaptive_resolution`).
    """

    offscreen: bool = False
    selection: Selection | None = None
    picked: Callable[[str, str | None, str], None] = lambda view_id, entity_id, label: None
    paint_cost: Callable[[str, float], None] = lambda view_id, seconds: None
    sim_time: float | None = None
    apply: Callable[[Iterable[SessionUpdate]], None] = lambda updates: None
    adaptive_resolution: bool = True


class ViewDrawing(abc.ABC, Generic[S]):
    """Base of the drawing class of one view kind (see the module docstring for the protocol).

    Args:
        spec: The view.
        scene: The Scene it belongs to (validated).
        context: What the window lends it.
    """

    #: Whether this view's first draw counts as the window's first frame (`CompNeuroVisWindow.firstFrame`).
    marks_first_frame: ClassVar[bool] = False

    def __init__(self, spec: S, scene: Scene, context: ViewContext) -> None:
        self.spec = spec
        self.context = context
        #: The widget the window puts in the view's panel; set it in ``__init__``.
        self.widget: QWidget

    @abc.abstractmethod
    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """Take new data from ``scene`` (the fields in ``changed_field_ids`` changed)."""

    @abc.abstractmethod
    def draw(self) -> None:
        """Show the current data now."""

    def configure(self, spec: S, scene: Scene) -> bool:
        """Apply a patched ``spec`` in place; ``False`` (default) asks the window to rebuild the view."""
        return False

    def on_selection(self, selection: Selection) -> bool:
        """React to a pick in any view; ``True`` asks for a redraw (default: ``False``)."""
        return False

    def reset_camera(self) -> None:
        """Frame the whole content again (the R key); default: nothing to do."""

    def set_adaptive_resolution(self, on: bool) -> None:
        """Allow (or forbid) live frames at a reduced resolution; default: nothing to do."""

    def snapshot(self) -> tuple[QWidget, np.ndarray] | None:
        """A widget and its ``(h, w, 3)`` image that a screenshot of the window must paint in.

        Only for content ``QWidget.grab`` cannot see (OpenGL); default ``None``.
        """
        return None

    def close(self) -> None:
        """Release what ``__init__`` made; default: nothing."""


_REGISTRY: dict[type, type[ViewDrawing[Any]]] = {}


def _ensure_builtins() -> None:
    """Register the built-in drawings first (a later registration of the same spec type replaces them)."""
    from . import _builtin_views  # noqa: F401  # registers them when first imported


def register_view(spec_type: type[S]) -> Callable[[type[ViewDrawing[S]]], type[ViewDrawing[S]]]:
    """Class decorator: ``drawing_class`` draws views of ``spec_type`` (and its subclasses).

    Registering a spec type again replaces its drawing class.

    Raises:
        TypeError: If ``spec_type`` is not a `ViewSpec` subclass or the class not a `ViewDrawing`.
    """
    if not (isinstance(spec_type, type) and issubclass(spec_type, ViewSpec)):
        raise TypeError(f"register_view needs a ViewSpec subclass, got {spec_type!r}")
    _ensure_builtins()

    def register(drawing_class: type[ViewDrawing[S]]) -> type[ViewDrawing[S]]:
        if not (isinstance(drawing_class, type) and issubclass(drawing_class, ViewDrawing)):
            raise TypeError(f"{drawing_class!r} is not a ViewDrawing subclass")
        _REGISTRY[spec_type] = drawing_class
        return drawing_class

    return register


def drawing_class(spec_type: type) -> type[ViewDrawing[Any]] | None:
    """The drawing class registered for ``spec_type`` (or its nearest base), or ``None``."""
    _ensure_builtins()
    for cls in spec_type.__mro__:
        found = _REGISTRY.get(cls)
        if found is not None:
            return found
    return None


def registered_views() -> dict[type, type[ViewDrawing[Any]]]:
    """A copy of the registry: spec type to drawing class."""
    _ensure_builtins()
    return dict(_REGISTRY)
