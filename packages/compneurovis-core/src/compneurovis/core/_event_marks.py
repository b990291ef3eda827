"""Recorded events (control changes, actions, resets) as marks on a replay's time axis."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ._controls import ActionSpec
from ._protocol import ScenePatch, SessionUpdate
from ._scene import Scene
from ._views import AxisMark, LinePlotViewSpec

#: Actions that never become marks: the recorder's own on/off toggle.
UNMARKED_ACTIONS = frozenset({"record"})


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_format_value(v) for v in value) + ")"
    return str(value)


def _action_of_key(key: str, actions: Mapping[str, ActionSpec]) -> str | None:
    return next((a.id for a in actions.values() if key in a.shortcuts), None)


def event_mark(event: Mapping[str, Any], actions: Mapping[str, ActionSpec] | None = None) -> AxisMark | None:
    """The mark for one recorded event (a row of `Recording.events`), or ``None`` if it gets none.

    Control changes become ``"<control> = <value>"`` (kind ``"control"``), actions
    their id (kind ``"action"``), a `Reset` or the ``reset`` action ``"reset"``
    (kind ``"reset"``), and a key press the label of the action its key is a
    shortcut of in ``actions``. Status, errors, state echoes, clicks, unclaimed
    keys and the actions in `UNMARKED_ACTIONS` get no mark.

    Args:
        event: ``{"wall_time", "sim_time", "kind", "detail"}`` as `read_recording` gives it.
        actions: The Scene's actions, to resolve key presses to actions.

    Returns:
        An `AxisMark` at the event's ``sim_time`` (NaN if it has none), or ``None``.
    """
    kind, detail = event.get("kind"), event.get("detail") or {}
    x = float(event.get("sim_time", math.nan))
    action = None
    if kind == "SetControl":
        return AxisMark(x=x, label=f"{detail.get('control_id')} = {_format_value(detail.get('value'))}",
                        kind="control")
    if kind == "Reset":
        action = "reset"
    elif kind == "InvokeAction":
        action = detail.get("action_id")
    elif kind == "KeyPressed" and actions:
        action = _action_of_key(str(detail.get("key", "")), actions)
    if not action or action in UNMARKED_ACTIONS:
        return None
    return AxisMark(x=x, label=str(action), kind="reset" if action == "reset" else "action")


def _times(frames: Sequence[Sequence[SessionUpdate]]) -> tuple[list[float], list[float]]:
    """Per frame: the sim time of its first timed update, and the latest sim time so far (NaN if none)."""
    first, last, carry = [], [], math.nan
    for frame in frames:
        times = [float(t) for t in (getattr(u, "sim_time", None) for u in frame) if t is not None]
        first.append(times[0] if times else math.nan)
        carry = times[-1] if times else carry
        last.append(carry)
    return first, last


def _initial_x(scene: Scene, view_ids: Sequence[str]) -> float | None:
    for vid in view_ids:
        spec = scene.views[vid]
        f = scene.fields[spec.field_id]  # type: ignore[union-attr]
        coords = f.coords.get(spec.x_dim)  # type: ignore[union-attr]
        if coords is not None and len(coords):
            return float(coords[-1])
    return None


def marked_frames(scene: Scene, frames: Sequence[Sequence[SessionUpdate]], events: Sequence[Mapping[str, Any]],
                  *, view_ids: Sequence[str] | None = None) -> list[list[SessionUpdate]]:
    """Replay frames with `ScenePatch` updates that show ``events`` as marks on the time axis.

    Each event is placed after the frame whose updates reach its ``sim_time``
    (events are in time order, so a sim time seen again after a reset is told
    apart), and its mark appears from that frame on, so seeking shows the
    marks up to the frame shown. A reset's mark sits at the start of the run it
    begins. When the sim time drops (a reset), the marks of the run before are
    taken away, since the plot's history starts again too.

    Args:
        scene: The Scene the frames apply to (for its line plots and actions).
        frames: One list of updates per frame, e.g. `Recording.frames()`; not modified.
        events: Recorded events, oldest first (`Recording.events`).
        view_ids: Line plots to mark (default: every `LinePlotViewSpec` with
            ``x_dim == "time"``).

    Returns:
        New frame lists: the same updates, each followed by a `ScenePatch` of the
        views' ``marks`` where the marks shown change.
    """
    out = [list(f) for f in frames]
    if view_ids is None:
        view_ids = [vid for vid, v in scene.views.items() if isinstance(v, LinePlotViewSpec) and v.x_dim == "time"]
    if not view_ids or not out:
        return out
    first, last = _times(out)
    initial_x = _initial_x(scene, view_ids)
    placed: list[tuple[int, AxisMark]] = []  # (frame from which it shows, mark)
    position = 0
    reset_after: int | None = None  # frame after which the latest reset happened, until time moves on
    for event in events:
        mark = event_mark(event, scene.actions)
        if mark is None:
            continue
        if math.isfinite(mark.x):
            after = next((j for j in range(position, len(out)) if last[j] == mark.x),
                         next((j for j in range(position, len(out)) if last[j] >= mark.x), position))
            if after != reset_after:
                reset_after = None
            position = after
        elif initial_x is not None:  # before the first timed update
            after, mark = -1, AxisMark(x=initial_x, label=mark.label, kind=mark.kind)
        else:
            continue
        restart = after + 1 < len(out) and math.isfinite(first[after + 1])
        if mark.kind == "reset":
            reset_after = after
        if restart and (mark.kind == "reset" or reset_after == after):  # the reset, or sent right after it
            placed.append((after + 1, AxisMark(x=first[after + 1], label=mark.label, kind=mark.kind)))
        else:
            placed.append((max(after, 0), mark))
    base = {vid: tuple(scene.views[vid].marks) for vid in view_ids}  # type: ignore[union-attr]
    by_frame: dict[int, list[AxisMark]] = {}
    for k, mark in placed:
        by_frame.setdefault(k, []).append(mark)
    shown: list[AxisMark] = []
    for k, frame in enumerate(out):
        new = shown
        if k > 0 and first[k] < last[k - 1]:  # the sim time went back: a new run
            new = []
        new = new + by_frame.get(k, [])
        if new != shown:
            frame.append(ScenePatch(views={vid: {"marks": base[vid] + tuple(new)} for vid in view_ids}))
        shown = new
    return out
