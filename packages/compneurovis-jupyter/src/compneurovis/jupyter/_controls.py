"""ipywidgets for a Scene's `ControlSpec`s and `ActionSpec`s.

One builder per value spec type (looked up by type, not an ``isinstance``
ladder); a `ControlsBox` keeps the widgets by control id, reports user
changes once, and takes values set from code without echoing them back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from compneurovis.core import (
    ActionSpec,
    BoolValueSpec,
    ChoiceValueSpec,
    ControlSpec,
    ScalarValueSpec,
    XYValueSpec,
)

_STYLE = {"description_width": "initial"}


def _step(spec: ScalarValueSpec) -> float:
    if spec.step is not None:
        return float(spec.step)
    if spec.integer:
        return max(1.0, float(round((spec.max - spec.min) / 100.0)))
    return (spec.max - spec.min) / 100.0 or 1.0


def _scalar(control: ControlSpec, value: Any) -> widgets.ValueWidget:
    spec = control.value_spec
    assert isinstance(spec, ScalarValueSpec)
    label = control.label + (f" ({spec.unit})" if spec.unit else "")
    common: dict[str, Any] = {"description": label, "style": _STYLE, "continuous_update": True,
                              "tooltip": control.help or None}
    if control.presentation == "spinbox":
        cls = widgets.BoundedIntText if spec.integer else widgets.BoundedFloatText
        common.pop("continuous_update")
        return cls(value=value, min=spec.min, max=spec.max, step=_step(spec), **common)
    if spec.scale == "log" and spec.min > 0 and not spec.integer:
        return widgets.FloatLogSlider(value=value, base=10, min=math.log10(spec.min), max=math.log10(spec.max),
                                      step=(math.log10(spec.max) - math.log10(spec.min)) / 100.0, **common)
    if spec.integer:
        return widgets.IntSlider(value=int(value), min=int(spec.min), max=int(spec.max), step=int(_step(spec)),
                                 **common)
    return widgets.FloatSlider(value=float(value), min=spec.min, max=spec.max, step=_step(spec),
                               readout_format=".4g", **common)


def _choice(control: ControlSpec, value: Any) -> widgets.ValueWidget:
    spec = control.value_spec
    assert isinstance(spec, ChoiceValueSpec)
    return widgets.Dropdown(options=list(spec.options), value=value, description=control.label, style=_STYLE,
                            tooltip=control.help or None)


def _bool(control: ControlSpec, value: Any) -> widgets.ValueWidget:
    return widgets.Checkbox(value=bool(value), description=control.label, indent=False,
                            tooltip=control.help or None)


class XYWidget(widgets.HBox):
    """Two sliders for an `XYValueSpec`; ``value`` is the ``(x, y)`` tuple."""

    def __init__(self, control: ControlSpec, value: Any) -> None:
        spec = control.value_spec
        assert isinstance(spec, XYValueSpec)
        self.x = widgets.FloatSlider(value=value[0], min=spec.x_range[0], max=spec.x_range[1],
                                     step=(spec.x_range[1] - spec.x_range[0]) / 100.0,
                                     description=f"{control.label} x", style=_STYLE)
        self.y = widgets.FloatSlider(value=value[1], min=spec.y_range[0], max=spec.y_range[1],
                                     step=(spec.y_range[1] - spec.y_range[0]) / 100.0, description="y")
        super().__init__([self.x, self.y])

    @property
    def value(self) -> tuple[float, float]:
        """The ``(x, y)`` pair."""
        return (float(self.x.value), float(self.y.value))

    @value.setter
    def value(self, xy: tuple[float, float]) -> None:
        self.x.value, self.y.value = float(xy[0]), float(xy[1])

    def observe_value(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback`` on a change of either slider."""
        self.x.observe(callback, names="value")
        self.y.observe(callback, names="value")


#: Widget builder per value spec type.
BUILDERS: dict[type, Callable[[ControlSpec, Any], Any]] = {
    ScalarValueSpec: _scalar,
    ChoiceValueSpec: _choice,
    BoolValueSpec: _bool,
    XYValueSpec: XYWidget,
}


def control_widget(control: ControlSpec, value: Any) -> Any:
    """The ipywidget for ``control`` showing ``value``.

    Raises:
        TypeError: For a value spec type no builder knows.
    """
    builder = BUILDERS.get(type(control.value_spec))
    if builder is None:
        raise TypeError(f"control {control.id!r}: no notebook widget for {type(control.value_spec).__name__}")
    return builder(control, value)


class ControlsBox(widgets.VBox):
    """The controls and action buttons of a Scene.

    Args:
        controls: Control specs, in display order.
        actions: Action specs, in display order.
        state: Current control values by id.
        on_change: Called with ``(control_id, value)`` when the user changes a control.
        on_action: Called with the action id when the user presses its button.
    """

    def __init__(self, controls: list[ControlSpec], actions: list[ActionSpec], state: dict[str, Any],
                 on_change: Callable[[str, Any], None], on_action: Callable[[str], None]) -> None:
        self.controls: dict[str, Any] = {}
        self.buttons: dict[str, widgets.Button] = {}
        self._quiet = False
        self._on_change = on_change
        for control in controls:
            widget = control_widget(control, state.get(control.id, control.default))
            self.controls[control.id] = widget
            self._watch(control.id, widget)
        for action in actions:
            keys = f" [{', '.join(action.shortcuts)}]" if action.shortcuts else ""
            button = widgets.Button(description=action.label, tooltip=(action.help or action.label) + keys)
            button.on_click(lambda _b, aid=action.id: on_action(aid))
            self.buttons[action.id] = button
        rows: list[Any] = list(self.controls.values())
        if self.buttons:
            rows.append(widgets.HBox(list(self.buttons.values()), layout=widgets.Layout(flex_flow="row wrap")))
        super().__init__(rows, layout=widgets.Layout(min_width="280px"))

    def _watch(self, control_id: str, widget: Any) -> None:
        def changed(_change: Any) -> None:
            if not self._quiet:
                self._on_change(control_id, widget.value)

        if isinstance(widget, XYWidget):
            widget.observe_value(changed)
        else:
            widget.observe(changed, names="value")

    def set_value(self, control_id: str, value: Any) -> None:
        """Show ``value`` without reporting it as a user change."""
        self._quiet = True
        try:
            self.controls[control_id].value = value
        finally:
            self._quiet = False
