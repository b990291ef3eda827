"""`Scene`: everything a frontend needs to draw, and in-place application of updates."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._controls import ActionSpec, ControlSpec
from ._errors import SceneError
from ._field import Field, check_dtype
from ._geometry import Geometry
from ._layout import LayoutSpec, PanelSpec
from ._protocol import (
    DisplayFrame,
    Error,
    FieldAppend,
    FieldReplace,
    LayoutReplace,
    PanelPatch,
    ScenePatch,
    SceneReady,
    SessionUpdate,
    StatePatch,
    Status,
)
from ._view_base import ViewSpec
from ._wire import wire

#: Longest ``Scene.time_label`` / ``time_unit`` accepted.
MAX_TIME_LABEL = 40


def _by_id(items: Iterable[Any] | dict[str, Any]) -> dict[str, Any]:
    if isinstance(items, dict):
        return dict(items)
    out: dict[str, Any] = {}
    for item in items:
        if item.id in out:
            raise SceneError(f"duplicate id {item.id!r} among {type(item).__name__}s")
        out[item.id] = item
    return out


def _patched(kind: str, item_id: str, item: Any, changes: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(item) if f.init}
    unknown = sorted(set(changes) - names)
    if unknown or "id" in changes:
        raise SceneError(f"{kind} {item_id!r}: cannot patch {unknown or ['id']}; attributes are {sorted(names)}")
    try:
        return dataclasses.replace(item, **changes)
    except SceneError:
        raise
    except (TypeError, ValueError) as exc:
        raise SceneError(f"{kind} {item_id!r}: patch {sorted(changes)} does not fit: {exc}") from None


#: Attributes of updates that must be str, and that must be None or a finite number.
_STR_ATTRIBUTES = ("field_id", "append_dim", "panel_id", "message")
_NUMBER_ATTRIBUTES = ("sim_time", "produced_at")


def _check_plain_attributes(update: Any) -> None:
    """Check the plain attributes an update may have (ids, messages, times) have the right types."""
    for name in _STR_ATTRIBUTES:
        value = getattr(update, name, "")
        if not isinstance(value, str):
            raise SceneError(f"{type(update).__name__}: {name} must be a str, got {value!r:.80}")
    for name in _NUMBER_ATTRIBUTES:
        value = getattr(update, name, None)
        if value is not None and not (isinstance(value, numbers.Real) and not isinstance(value, bool)):
            raise SceneError(f"{type(update).__name__}: {name} must be None or a number, got {value!r:.80}")
    if isinstance(update, Error) and not (isinstance(update.traceback, str | None) and isinstance(update.fatal, bool)):
        raise SceneError(f"Error: traceback must be a str or None and fatal a bool, got {update.traceback!r:.80}, "
                         f"{update.fatal!r}")


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SceneError(f"{what} must be a dict with str keys, got {type(value).__name__}")
    return value


@wire("scene")
@dataclass(eq=False)
class Scene:
    """Fields, geometries, views, controls, actions, panels, layout and title.

    Construct with lists or ``{id: item}`` dicts; they are stored as dicts.
    ``state`` holds the current value of each control (defaults filled in).
    ``time_label`` and ``time_unit`` name what an update's ``sim_time`` counts
    (simulated milliseconds unless a session says otherwise, e.g. the
    iterations of a fit); frontends print it with `time_text`.

    Raises:
        SceneError: If a view, panel or layout refers to something missing,
            or the time label or unit is not a short str.
    """

    fields: dict[str, Field] = field(default_factory=dict)
    geometries: dict[str, Geometry] = field(default_factory=dict)
    views: dict[str, ViewSpec] = field(default_factory=dict)
    controls: dict[str, ControlSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    panels: dict[str, PanelSpec] = field(default_factory=dict)
    layout: LayoutSpec | None = None
    title: str = "CompNeuroVis"
    state: dict[str, Any] = field(default_factory=dict)
    status: str = ""
    time_label: str = "t"
    time_unit: str = "ms"

    def __post_init__(self) -> None:
        for name in ("fields", "geometries", "views", "controls", "actions", "panels"):
            setattr(self, name, _by_id(getattr(self, name)))
        state = {cid: c.default for cid, c in self.controls.items()}
        state.update(self.state)
        self.state = state
        self.validate()

    # ------------------------------------------------------------------ checks

    def validate(self) -> None:
        """Check that every reference resolves and every field fits its geometry.

        Raises:
            SceneError: Naming the view, panel or field that is wrong.
        """
        self._validate_views()
        for name in ("time_label", "time_unit"):
            value = getattr(self, name)
            if not isinstance(value, str) or len(value) > MAX_TIME_LABEL:
                raise SceneError(f"Scene {name} must be a str of at most {MAX_TIME_LABEL} characters, "
                                 f"got {str(value)[:60]!r}")
        for panel in self.panels.values():
            for kind, ids, pool in (
                ("view", panel.view_ids, self.views),
                ("control", panel.control_ids, self.controls),
                ("action", panel.action_ids, self.actions),
            ):
                missing = [i for i in ids if i not in pool]
                if missing:
                    raise SceneError(f"panel {panel.id!r} refers to missing {kind}(s) {missing}")
        if self.layout is not None:
            missing = [p for p in self.layout.panel_ids() if p not in self.panels]
            if missing:
                raise SceneError(f"layout refers to missing panel(s) {missing}")
        for cid in self.state:
            if cid not in self.controls:
                raise SceneError(f"state has a value for unknown control {cid!r}")

    def time_text(self, value: float, digits: int = 2) -> str:
        """The time ``value`` as the window prints it.

        Examples:
            >>> Scene().time_text(12.5)
            't = 12.50 ms'
            >>> Scene(time_label="iteration", time_unit="").time_text(12.0)
            'iteration 12'
        """
        if self.time_unit:
            return f"{self.time_label} = {value:.{digits}f} {self.time_unit}"
        return f"{self.time_label} {value:g}"

    def _validate_views(self, field_id: str | None = None, *, values_only: bool = False) -> None:
        """Each view (those reading ``field_id`` when given) checks itself: `ViewSpec.validate`.

        With ``values_only`` (``field_id`` got new values of the same structure),
        only the views that check that field's values (`ViewSpec.value_field_ids`).
        """
        for view in self.views.values():
            if not isinstance(view, ViewSpec):
                raise SceneError(f"view {getattr(view, 'id', view)!r} is a {type(view).__name__}, not a ViewSpec")
            if field_id is None or field_id in (view.value_field_ids() if values_only else view.field_ids()):
                view.validate(self)


    # ----------------------------------------------------------------- updates

    def apply(self, update: SessionUpdate) -> None:
        """Apply one update in place.

        Raises:
            SceneError: If the update does not fit; the scene is then unchanged.
        """
        handler = _APPLY.get(type(update))
        if handler is None:
            raise SceneError(f"not a session update: {type(update).__name__}")
        _check_plain_attributes(update)
        try:
            handler(self, update)
        except SceneError:
            raise
        except (TypeError, ValueError, AttributeError, IndexError) as exc:  # a malformed attribute
            what = getattr(update, "field_id", None) or getattr(update, "panel_id", None)
            raise SceneError(f"{type(update).__name__}{f' for {what!r}' if what else ''} does not fit: "
                             f"{type(exc).__name__}: {exc}") from None

    def _set_field(self, new: Field, *, values_only: bool = False) -> None:
        """Store ``new``; if a view that draws it no longer fits, restore the old field and re-raise.

        ``values_only``: ``new`` has the old field's dims, coords and shape, and a
        dtype its dtype accepts (see `_validate_views`).
        """
        old = self.fields[new.id]
        self.fields[new.id] = new
        try:
            self._validate_views(new.id, values_only=values_only)
        except SceneError:
            self.fields[new.id] = old
            raise

    def _existing(self, pool: dict[str, Any], kind: str, item_id: str) -> Any:
        try:
            return pool[item_id]
        except (KeyError, TypeError):
            raise SceneError(f"unknown {kind} id {item_id!r}; known: {sorted(pool)}") from None

    def _existing_field(self, field_id: str) -> Field:
        return self._existing(self.fields, "field", field_id)

    def _transaction(self, change: Any) -> None:
        """Run ``change``; if the scene no longer validates, restore it and re-raise."""
        saved = (dict(self.views), dict(self.controls), dict(self.panels), self.layout)
        change()
        try:
            try:
                self.validate()
            except (TypeError, AttributeError) as exc:  # e.g. a patched panel whose view_ids is a number
                raise SceneError(f"the change does not fit the scene: {exc}") from None
        except SceneError:
            self.views, self.controls, self.panels, self.layout = (
                saved[0], saved[1], saved[2], saved[3])
            raise

    def _become(self, other: Scene) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(other, f.name))

    def apply_all(self, updates: Iterable[SessionUpdate]) -> None:
        """Apply several updates in order (each atomically)."""
        for update in updates:
            self.apply(update)


# ------------------------------------------------------------- update handlers

#: Update type -> how a Scene applies it: the one dispatch of updates on the frontend side.
_APPLY: dict[type, Callable[[Scene, Any], None]] = {}


def _applies(kind: type) -> Callable[[Callable[[Scene, Any], None]], Callable[[Scene, Any], None]]:
    def register(handler: Callable[[Scene, Any], None]) -> Callable[[Scene, Any], None]:
        _APPLY[kind] = handler
        return handler
    return register


@_applies(DisplayFrame)
def _display_frame(scene: Scene, update: DisplayFrame) -> None:
    old = scene._existing_field(update.field_id)
    values = np.asarray(update.values)
    check_dtype(old.id, old.values.dtype, values.dtype, "display frame")
    if values.shape != old.shape:
        raise SceneError(f"field {old.id!r}: display frame has shape {values.shape}, expected {old.shape}")
    scene._set_field(Field(old.id, values, old.dims, old.coords, old.unit, old.attrs), values_only=True)


@_applies(FieldReplace)
def _field_replace(scene: Scene, update: FieldReplace) -> None:
    old = scene._existing_field(update.field_id)
    new = old.replaced(update.values, _mapping(update.coords, f"field {old.id!r}: coords"))
    if update.unit is not None:
        if not isinstance(update.unit, str):
            raise SceneError(f"field {old.id!r}: unit must be a str, got {update.unit!r}")
        new = Field(new.id, new.values, new.dims, new.coords, update.unit, new.attrs)
    scene._set_field(new)


@_applies(FieldAppend)
def _field_append(scene: Scene, update: FieldAppend) -> None:
    max_length = update.max_length
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, numbers.Integral)
                                   or max_length < 1):
        raise SceneError(f"field {update.field_id!r}: max_length must be a whole number >= 1 or None, "
                         f"got {max_length!r}")
    old = scene._existing_field(update.field_id)
    scene._set_field(old.appended(update.append_dim, update.values, update.coord_values, max_length))


@_applies(SceneReady)
def _scene_ready(scene: Scene, update: SceneReady) -> None:
    if not isinstance(update.scene, Scene):
        raise SceneError(f"SceneReady carries a {type(update.scene).__name__}, not a Scene")
    scene._become(update.scene)


@_applies(StatePatch)
def _state_patch(scene: Scene, update: StatePatch) -> None:
    values = {cid: scene._existing(scene.controls, "control", cid).validate(v)
              for cid, v in _mapping(update.values, "StatePatch values").items()}
    scene.state.update(values)


@_applies(ScenePatch)
def _scene_patch(scene: Scene, update: ScenePatch) -> None:
    views = {vid: _patched("view", vid, scene._existing(scene.views, "view", vid), _mapping(ch, f"view {vid!r} patch"))
             for vid, ch in _mapping(update.views, "ScenePatch views").items()}
    controls = {cid: _patched("control", cid, scene._existing(scene.controls, "control", cid),
                              _mapping(ch, f"control {cid!r} patch"))
                for cid, ch in _mapping(update.controls, "ScenePatch controls").items()}
    if update.title is not None and not isinstance(update.title, str):
        raise SceneError(f"title must be a str, got {update.title!r}")
    scene._transaction(lambda: (scene.views.update(views), scene.controls.update(controls)))
    if update.title is not None:
        scene.title = update.title


@_applies(PanelPatch)
def _panel_patch(scene: Scene, update: PanelPatch) -> None:
    panel = _patched("panel", update.panel_id, scene._existing(scene.panels, "panel", update.panel_id),
                     _mapping(update.changes, f"panel {update.panel_id!r} changes"))
    scene._transaction(lambda: scene.panels.__setitem__(panel.id, panel))


@_applies(LayoutReplace)
def _layout_replace(scene: Scene, update: LayoutReplace) -> None:
    scene._transaction(lambda: setattr(scene, "layout", update.layout))


@_applies(Status)
def _status(scene: Scene, update: Status) -> None:
    scene.status = str(update.message)


@_applies(Error)
def _error(scene: Scene, update: Error) -> None:
    scene.status = f"Error: {update.message}"
