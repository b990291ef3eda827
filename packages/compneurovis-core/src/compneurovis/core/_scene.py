"""`Scene`: everything a frontend needs to draw, and in-place application of updates."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._controls import ActionSpec, ControlSpec
from ._errors import SceneError
from ._field import Field
from ._geometry import Geometry
from ._layout import LayoutSpec, PanelSpec
from ._protocol import (
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
    return dataclasses.replace(item, **changes)


@dataclass(eq=False)
class Scene:
    """Fields, geometries, views, controls, actions, panels, layout and title.

    Construct with lists or ``{id: item}`` dicts; they are stored as dicts.
    ``state`` holds the current value of each control (defaults filled in).

    Raises:
        SceneError: If a view, panel or layout refers to something missing.
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

    def _validate_views(self, field_id: str | None = None) -> None:
        """Each view (those reading ``field_id`` when given) checks itself: `ViewSpec.validate`."""
        for view in self.views.values():
            if not isinstance(view, ViewSpec):
                raise SceneError(f"view {getattr(view, 'id', view)!r} is a {type(view).__name__}, not a ViewSpec")
            if field_id is None or field_id in view.field_ids():
                view.validate(self)

    # ----------------------------------------------------------------- updates

    def apply(self, update: SessionUpdate) -> None:
        """Apply one update in place.

        Raises:
            SceneError: If the update does not fit; the scene is then unchanged.
        """
        if isinstance(update, FieldReplace):
            old = self._existing_field(update.field_id)
            self.fields[old.id] = old.replaced(update.values, update.coords)
        elif isinstance(update, FieldAppend):
            old = self._existing_field(update.field_id)
            self.fields[old.id] = old.appended(
                update.append_dim, update.values, update.coord_values, update.max_length
            )
        elif isinstance(update, SceneReady):
            self._become(update.scene)
        elif isinstance(update, StatePatch):
            values = {cid: self._existing(self.controls, "control", cid).validate(v)
                      for cid, v in update.values.items()}
            self.state.update(values)
        elif isinstance(update, ScenePatch):
            views = {vid: _patched("view", vid, self._existing(self.views, "view", vid), ch)
                     for vid, ch in update.views.items()}
            controls = {cid: _patched("control", cid, self._existing(self.controls, "control", cid), ch)
                        for cid, ch in update.controls.items()}
            self._transaction(lambda: (self.views.update(views), self.controls.update(controls)))
            if update.title is not None:
                self.title = update.title
        elif isinstance(update, PanelPatch):
            panel = _patched("panel", update.panel_id,
                             self._existing(self.panels, "panel", update.panel_id), update.changes)
            self._transaction(lambda: self.panels.__setitem__(panel.id, panel))
        elif isinstance(update, LayoutReplace):
            layout = update.layout
            self._transaction(lambda: setattr(self, "layout", layout))
        elif isinstance(update, Status):
            self.status = update.message
        elif isinstance(update, Error):
            self.status = f"Error: {update.message}"
        else:
            raise SceneError(f"not a session update: {type(update).__name__}")
        # A replaced or appended field must still fit the views that draw it.
        if isinstance(update, FieldReplace | FieldAppend):
            try:
                self._validate_views(old.id)
            except SceneError:
                self.fields[old.id] = old
                raise

    def _existing(self, pool: dict[str, Any], kind: str, item_id: str) -> Any:
        try:
            return pool[item_id]
        except KeyError:
            raise SceneError(f"unknown {kind} id {item_id!r}; known: {sorted(pool)}") from None

    def _existing_field(self, field_id: str) -> Field:
        return self._existing(self.fields, "field", field_id)

    def _transaction(self, change: Any) -> None:
        """Run ``change``; if the scene no longer validates, restore it and re-raise."""
        saved = (dict(self.views), dict(self.controls), dict(self.panels), self.layout)
        change()
        try:
            self.validate()
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
