"""The protocol: commands (frontend to session) and updates (session to frontend)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._wire import wire

if TYPE_CHECKING:
    from ._layout import LayoutSpec
    from ._scene import Scene

#: Version of the message encoding; a peer or file of another version is refused.
#: 2: explicit wire names (`wire`), `DisplayFrame`, time-major history blocks.
PROTOCOL_VERSION = 2


# --------------------------------------------------------------------- commands


@wire("reset")
@dataclass(frozen=True, kw_only=True)
class Reset:
    """Re-initialise the simulation and start fresh history."""


@wire("set_control")
@dataclass(frozen=True, kw_only=True)
class SetControl:
    """Set control ``control_id`` to ``value``."""

    control_id: str
    value: Any


@wire("invoke_action")
@dataclass(frozen=True, kw_only=True)
class InvokeAction:
    """Trigger action ``action_id`` with an optional payload."""

    action_id: str
    payload: dict[str, Any] = field(default_factory=dict)


@wire("key_pressed")
@dataclass(frozen=True, kw_only=True)
class KeyPressed:
    """A key the frontend did not handle itself, in Qt's portable text form."""

    key: str


@wire("entity_clicked")
@dataclass(frozen=True, kw_only=True)
class EntityClicked:
    """The user clicked entity ``entity_id`` in view ``view_id``."""

    entity_id: str
    view_id: str | None = None


@wire("stop_session")
@dataclass(frozen=True, kw_only=True)
class StopSession:
    """Stop the session and its worker."""


SessionCommand = Reset | SetControl | InvokeAction | KeyPressed | EntityClicked | StopSession


# ---------------------------------------------------------------------- updates


@wire("scene_ready")
@dataclass(frozen=True, kw_only=True)
class SceneReady:
    """A complete Scene; replaces whatever the frontend showed."""

    scene: Scene


@wire("display_frame")
@dataclass(frozen=True, kw_only=True)
class DisplayFrame:
    """The latest display state of a field: new values of the same shape, coords kept.

    Successive frames of one field supersede each other, so a consumer that
    falls behind may skip all but the newest.

    Args:
        field_id: The field to show.
        values: New values; exactly the field's shape.
        sim_time: Simulation time the values describe, if any.
        produced_at: ``time.monotonic()`` in the session when the values were
            computed (system-wide on one machine), for display-latency measurement.
    """

    field_id: str
    values: np.ndarray
    sim_time: float | None = None
    produced_at: float | None = None


@wire("field_replace")
@dataclass(frozen=True, kw_only=True)
class FieldReplace:
    """Replace a field's values and optionally coords, e.g. a history that gained a trace.

    For the per-frame display state use `DisplayFrame`, which consumers may skip
    when a newer one follows; a `FieldReplace` is never skipped.

    Args:
        field_id: The field to replace.
        values: New values; same number of dims as the field.
        coords: New coordinates for some dims, if their length changes.
        sim_time: Simulation time the values describe, if any.
        produced_at: ``time.monotonic()`` in the session when the values were
            computed (system-wide on one machine), for display-latency measurement.
        unit: The field's new unit (the values now mean something else, e.g. another
            variable), or ``None`` to keep it.
    """

    field_id: str
    values: np.ndarray
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    sim_time: float | None = None
    produced_at: float | None = None
    unit: str | None = None


@wire("field_append")
@dataclass(frozen=True, kw_only=True)
class FieldAppend:
    """Append a block along one dim of a field, keeping at most ``max_length``.

    Args:
        field_id: The field to grow.
        append_dim: The dim to grow along, e.g. ``"time"``. History fields are
            time-major (``("time", "segment")``), so a block is whole rows.
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


@wire("scene_patch")
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


@wire("panel_patch")
@dataclass(frozen=True, kw_only=True)
class PanelPatch:
    """Change attributes of one panel (e.g. ``{"visible": False}``)."""

    panel_id: str
    changes: dict[str, Any]


@wire("layout_replace")
@dataclass(frozen=True, kw_only=True)
class LayoutReplace:
    """Replace the layout."""

    layout: LayoutSpec


@wire("state_patch")
@dataclass(frozen=True, kw_only=True)
class StatePatch:
    """New current values of some controls: ``{control_id: value}``."""

    values: dict[str, Any]


@wire("status")
@dataclass(frozen=True, kw_only=True)
class Status:
    """A status message for the user (shown in the status bar).

    Args:
        message: The text.
        sim_time: Simulation time the message refers to, if any.
    """

    message: str
    sim_time: float | None = None


@wire("error")
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
    | DisplayFrame
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
    DisplayFrame,
    FieldReplace,
    FieldAppend,
    ScenePatch,
    PanelPatch,
    LayoutReplace,
    StatePatch,
    Status,
    Error,
)
