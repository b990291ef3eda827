"""The protocol: commands (frontend to session) and updates (session to frontend)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._layout import LayoutSpec
    from ._scene import Scene

#: Version of the message encoding; a peer or file of another version is refused.
PROTOCOL_VERSION = 1


# --------------------------------------------------------------------- commands


@dataclass(frozen=True, kw_only=True)
class Reset:
    """Re-initialise the simulation and start fresh history."""


@dataclass(frozen=True, kw_only=True)
class SetControl:
    """Set control ``control_id`` to ``value``."""

    control_id: str
    value: Any


@dataclass(frozen=True, kw_only=True)
class InvokeAction:
    """Trigger action ``action_id`` with an optional payload."""

    action_id: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class KeyPressed:
    """A key the frontend did not handle itself, in Qt's portable text form."""

    key: str


@dataclass(frozen=True, kw_only=True)
class EntityClicked:
    """The user clicked entity ``entity_id`` in view ``view_id``."""

    entity_id: str
    view_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class StopSession:
    """Stop the session and its worker."""


SessionCommand = Reset | SetControl | InvokeAction | KeyPressed | EntityClicked | StopSession


# ---------------------------------------------------------------------- updates


@dataclass(frozen=True, kw_only=True)
class SceneReady:
    """A complete Scene; replaces whatever the frontend showed."""

    scene: Scene


@dataclass(frozen=True, kw_only=True)
class FieldReplace:
    """Replace a field's values (and optionally coords): the latest display state.

    Args:
        field_id: The field to replace.
        values: New values; same number of dims as the field.
        coords: New coordinates for some dims, if their length changes.
        sim_time: Simulation time the values describe, if any.
        produced_at: ``time.monotonic()`` in the session when the values were
            computed (system-wide on one machine), for display-latency measurement.
    """

    field_id: str
    values: np.ndarray
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    sim_time: float | None = None
    produced_at: float | None = None


@dataclass(frozen=True, kw_only=True)
class FieldAppend:
    """Append a block along one dim of a field, keeping at most ``max_length``.

    Args:
        field_id: The field to grow.
        append_dim: The dim to grow along, e.g. ``"time"``.
        values: The block; the field's shape except along ``append_dim``.
        coord_values: Coordinates of the new entries along ``append_dim``.
        max_length: Keep at most this many entries (oldest dropped), or ``None``.
        sim_time: Simulation time of the newest entry, if any.
        produced_at: ``time.monotonic()`` in the session when the newest entry was computed.
    """

    field_id: str
    append_dim: str
    values: np.ndarray
    coord_values: np.ndarray | None = None
    max_length: int | None = None
    sim_time: float | None = None
    produced_at: float | None = None


@dataclass(frozen=True, kw_only=True)
class ScenePatch:
    """Change attributes of existing views or controls, or the title.

    Args:
        views: ``{view_id: {attribute: new value}}``.
        controls: ``{control_id: {attribute: new value}}``.
        title: New window title, or ``None`` to keep it.
    """

    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    controls: dict[str, dict[str, Any]] = field(default_factory=dict)
    title: str | None = None


@dataclass(frozen=True, kw_only=True)
class PanelPatch:
    """Change attributes of one panel (e.g. ``{"visible": False}``)."""

    panel_id: str
    changes: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class LayoutReplace:
    """Replace the layout."""

    layout: LayoutSpec


@dataclass(frozen=True, kw_only=True)
class StatePatch:
    """New current values of some controls: ``{control_id: value}``."""

    values: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Status:
    """A status message for the user (shown in the status bar).

    Args:
        message: The text.
        sim_time: Simulation time the message refers to, if any.
    """

    message: str
    sim_time: float | None = None


@dataclass(frozen=True, kw_only=True)
class Error:
    """Something went wrong in the session.

    Args:
        message: One-line description.
        traceback: Formatted traceback, if the error came from an exception.
        fatal: Whether the session stopped because of it.
    """

    message: str
    traceback: str | None = None
    fatal: bool = False


SessionUpdate = (
    SceneReady
    | FieldReplace
    | FieldAppend
    | ScenePatch
    | PanelPatch
    | LayoutReplace
    | StatePatch
    | Status
    | Error
)

COMMAND_TYPES: tuple[type, ...] = (Reset, SetControl, InvokeAction, KeyPressed, EntityClicked, StopSession)
UPDATE_TYPES: tuple[type, ...] = (
    SceneReady,
    FieldReplace,
    FieldAppend,
    ScenePatch,
    PanelPatch,
    LayoutReplace,
    StatePatch,
    Status,
    Error,
)
