"""Controls (values with a current state) and actions (intents)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ._errors import SceneError
from ._wire import wire


@wire("scalar_value_spec")
@dataclass(frozen=True, kw_only=True)
class ScalarValueSpec:
    """A number between ``min`` and ``max``.

    Args:
        default: Initial value.
        min: Lowest allowed value.
        max: Highest allowed value.
        step: Widget step size; ``None`` picks about 100 steps over the range.
        integer: Whether only integers are allowed.
        unit: Unit shown beside the value.
        scale: ``"linear"`` or ``"log"`` slider mapping.
    """

    default: float
    min: float
    max: float
    step: float | None = None
    integer: bool = False
    unit: str | None = None
    scale: str = "linear"

    def __post_init__(self) -> None:
        if not self.min <= self.default <= self.max:
            raise SceneError(
                f"scalar spec: default {self.default} outside [{self.min}, {self.max}]"
            )

    def validate(self, control_id: str, value: Any) -> float | int:
        """Return ``value`` as a number, or raise naming the control and bounds."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SceneError(f"control {control_id!r}: expected a number, got {value!r}")
        if not math.isfinite(value) or not self.min <= value <= self.max:
            raise SceneError(
                f"control {control_id!r}: value {value!r} outside [{self.min}, {self.max}]"
            )
        if self.integer:
            if int(value) != value:
                raise SceneError(f"control {control_id!r}: expected an integer, got {value!r}")
            return int(value)
        return float(value)


@wire("choice_value_spec")
@dataclass(frozen=True, kw_only=True)
class ChoiceValueSpec:
    """One of a fixed set of strings.

    Args:
        options: The allowed values, in display order.
        default: Initial value; one of ``options``.
    """

    options: tuple[str, ...]
    default: str

    def __post_init__(self) -> None:
        if self.default not in self.options:
            raise SceneError(f"choice spec: default {self.default!r} not in {self.options}")

    def validate(self, control_id: str, value: Any) -> str:
        """Return ``value`` if it is one of the options, else raise."""
        if value not in self.options:
            raise SceneError(
                f"control {control_id!r}: {value!r} is not one of {list(self.options)}"
            )
        return str(value)


@wire("bool_value_spec")
@dataclass(frozen=True, kw_only=True)
class BoolValueSpec:
    """An on/off value.

    Args:
        default: Initial value.
    """

    default: bool = False

    def validate(self, control_id: str, value: Any) -> bool:
        """Return ``value`` if it is a bool, else raise."""
        if not isinstance(value, bool):
            raise SceneError(f"control {control_id!r}: expected true/false, got {value!r}")
        return value


@wire("xy_value_spec")
@dataclass(frozen=True, kw_only=True)
class XYValueSpec:
    """A point in a rectangle, e.g. for a 2-D pad.

    Args:
        default: Initial ``(x, y)``.
        x_range: ``(min, max)`` of x.
        y_range: ``(min, max)`` of y.
    """

    default: tuple[float, float]
    x_range: tuple[float, float] = (-1.0, 1.0)
    y_range: tuple[float, float] = (-1.0, 1.0)

    def validate(self, control_id: str, value: Any) -> tuple[float, float]:
        """Return ``value`` as an ``(x, y)`` tuple inside the ranges, else raise."""
        try:
            x, y = (float(v) for v in value)
        except (TypeError, ValueError):
            raise SceneError(f"control {control_id!r}: expected an (x, y) pair, got {value!r}") from None
        for name, v, (lo, hi) in (("x", x, self.x_range), ("y", y, self.y_range)):
            if not lo <= v <= hi:
                raise SceneError(f"control {control_id!r}: {name}={v} outside [{lo}, {hi}]")
        return (x, y)


ValueSpec = ScalarValueSpec | ChoiceValueSpec | BoolValueSpec | XYValueSpec

#: Presentation hints a frontend understands; ``"auto"`` picks by value spec.
PRESENTATIONS = ("auto", "slider", "spinbox", "checkbox", "dropdown", "xy_pad")


@wire("control_spec")
@dataclass(frozen=True, kw_only=True)
class ControlSpec:
    """A user-adjustable value with a current state.

    Args:
        id: Id of the control inside its Scene.
        label: Text shown beside the widget.
        value_spec: Type, bounds and default of the value.
        presentation: Widget hint, one of `PRESENTATIONS`.
        help: Tooltip text.
    """

    id: str
    label: str
    value_spec: ValueSpec
    presentation: str = "auto"
    help: str = ""

    def __post_init__(self) -> None:
        if self.presentation not in PRESENTATIONS:
            raise SceneError(
                f"control {self.id!r}: presentation {self.presentation!r} not one of {PRESENTATIONS}"
            )

    @property
    def default(self) -> Any:
        """The value spec's default."""
        return self.value_spec.default

    def validate(self, value: Any) -> Any:
        """Return ``value`` normalised, or raise `SceneError` naming the control."""
        return self.value_spec.validate(self.id, value)


@wire("action_spec")
@dataclass(frozen=True, kw_only=True)
class ActionSpec:
    """A named intent the user can trigger, by button or keyboard shortcut.

    Args:
        id: Id of the action inside its Scene.
        label: Button text.
        shortcuts: Key names in Qt's portable text form, e.g. ``("Space",)``.
        payload: Default payload sent with the action.
        help: Tooltip text.
    """

    id: str
    label: str
    shortcuts: tuple[str, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)
    help: str = ""
