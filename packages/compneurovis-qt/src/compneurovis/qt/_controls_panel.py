"""The controls panel: one widget per control (by value spec and hint), and action buttons."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider, QLabeledSlider

from compneurovis.core import (
    ActionSpec,
    BoolValueSpec,
    ChoiceValueSpec,
    ControlSpec,
    InvokeAction,
    ScalarValueSpec,
    SessionCommand,
    SetControl,
    XYValueSpec,
)

from ._xy_pad import XYPad

_LOG_STEPS = 1000


def _presentation(spec: ControlSpec) -> str:
    """The widget to build: the hint when it fits the value spec, else the default."""
    fits = {
        ScalarValueSpec: ("slider", "spinbox"),
        ChoiceValueSpec: ("dropdown",),
        BoolValueSpec: ("checkbox",),
        XYValueSpec: ("xy_pad",),
    }[type(spec.value_spec)]
    return spec.presentation if spec.presentation in fits else fits[0]


def _step(vs: ScalarValueSpec) -> float:
    if vs.step:
        return float(vs.step)
    return 1.0 if vs.integer else (vs.max - vs.min) / 100.0 or 1.0


def _decimals(vs: ScalarValueSpec) -> int:
    step = _step(vs)
    return 0 if vs.integer else max(0, min(6, math.ceil(-math.log10(step)) + 1 if step < 1 else 2))


class _LogSlider(QWidget):
    """A slider with a logarithmic mapping and a value label."""

    valueChanged = pyqtSignal(float)

    def __init__(self, lo: float, hi: float) -> None:
        super().__init__()
        self._lo, self._hi = math.log10(lo), math.log10(hi)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, _LOG_STEPS)
        self.label = QLabel()
        self.label.setMinimumWidth(60)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._moved)

    def value(self) -> float:
        """The current value."""
        return 10 ** (self._lo + self.slider.value() / _LOG_STEPS * (self._hi - self._lo))

    def setValue(self, value: float) -> None:
        """Move to ``value`` (nearest step)."""
        f = (math.log10(max(value, 10**self._lo)) - self._lo) / ((self._hi - self._lo) or 1.0)
        self.slider.setValue(round(f * _LOG_STEPS))
        self.label.setText(f"{self.value():.4g}")

    def _moved(self, _position: int) -> None:
        self.label.setText(f"{self.value():.4g}")
        self.valueChanged.emit(self.value())


class _Control:
    """One control: its widget, how to read and set it without re-emitting."""

    def __init__(self, spec: ControlSpec, value: Any, send: Callable[[SetControl], None]) -> None:
        self.spec = spec
        self._send = send
        self._quiet = False
        self.widget = self._build(value)

    def _build(self, value: Any) -> QWidget:
        vs = self.spec.value_spec
        kind = _presentation(self.spec)
        widget: Any
        if isinstance(vs, ScalarValueSpec) and kind == "slider" and vs.scale == "log" and vs.min > 0:
            widget = _LogSlider(vs.min, vs.max)
            widget.valueChanged.connect(self._changed)
            self._setter = lambda w, v: w.setValue(v)
        elif isinstance(vs, ScalarValueSpec) and kind == "slider":
            if vs.integer:
                widget = QLabeledSlider(Qt.Orientation.Horizontal)
                widget.setRange(int(vs.min), int(vs.max))
                widget.setSingleStep(max(1, round(_step(vs))))
            else:
                widget = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
                widget.setRange(vs.min, vs.max)
                widget.setSingleStep(_step(vs))
                widget.setDecimals(_decimals(vs))
            widget.valueChanged.connect(self._changed)
            self._setter = lambda w, v: w.setValue(v)
        elif isinstance(vs, ScalarValueSpec):
            widget = QSpinBox() if vs.integer else QDoubleSpinBox()
            if not vs.integer:
                widget.setDecimals(_decimals(vs))
            widget.setRange(vs.min, vs.max) if not vs.integer else widget.setRange(int(vs.min), int(vs.max))
            widget.setSingleStep(_step(vs) if not vs.integer else max(1, round(_step(vs))))
            if vs.unit:
                widget.setSuffix(f" {vs.unit}")
            widget.valueChanged.connect(self._changed)
            self._setter = lambda w, v: w.setValue(v)
        elif isinstance(vs, ChoiceValueSpec):
            widget = QComboBox()
            widget.addItems(list(vs.options))
            widget.currentTextChanged.connect(self._changed)
            self._setter = lambda w, v: w.setCurrentText(str(v))
        elif isinstance(vs, BoolValueSpec):
            widget = QCheckBox()
            widget.toggled.connect(self._changed)
            self._setter = lambda w, v: w.setChecked(bool(v))
        else:
            assert isinstance(vs, XYValueSpec)
            widget = XYPad(vs.x_range, vs.y_range, value)
            widget.valueChanged.connect(lambda x, y: self._changed((x, y)))
            self._setter = lambda w, v: w.setValue(tuple(v))
        if self.spec.help:
            widget.setToolTip(self.spec.help)
        self.widget = widget
        self.set_value(value)
        return widget

    def _changed(self, value: Any) -> None:
        if self._quiet:
            return
        vs = self.spec.value_spec
        if isinstance(vs, ScalarValueSpec):
            value = min(max(float(value), vs.min), vs.max)
            value = round(value) if vs.integer else value
        elif isinstance(vs, XYValueSpec):
            value = (float(value[0]), float(value[1]))
        self._send(SetControl(control_id=self.spec.id, value=value))

    def set_value(self, value: Any) -> None:
        """Show ``value`` without sending a `SetControl`."""
        self._quiet = True
        try:
            self._setter(self.widget, value)
        finally:
            self._quiet = False


class ControlsPanel(QWidget):
    """Widgets for some controls and buttons for some actions.

    Args:
        controls: Control specs, in order.
        actions: Action specs, in order.
        state: Current control values.
        send: Where commands go.
        title: Group title.
        parent: Parent widget.
    """

    def __init__(self, controls: list[ControlSpec], actions: list[ActionSpec], state: dict[str, Any],
                 send: Callable[[SessionCommand], None], *, title: str = "Controls",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls: dict[str, _Control] = {}
        self.buttons: dict[str, QPushButton] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        box = QGroupBox(title or "Controls")
        outer.addWidget(box)
        outer.addStretch(1)
        layout = QVBoxLayout(box)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(form)
        for spec in controls:
            control = _Control(spec, state.get(spec.id, spec.default), send)
            self.controls[spec.id] = control
            label = spec.label
            vs = spec.value_spec
            if isinstance(vs, ScalarValueSpec) and vs.unit and _presentation(spec) == "slider":
                label = f"{label} ({vs.unit})"
            form.addRow(label, control.widget)
        grid = QGridLayout()
        layout.addLayout(grid)
        for i, action in enumerate(actions):
            text = action.label + (f"  [{action.shortcuts[0]}]" if action.shortcuts else "")
            button = QPushButton(text)
            tip = action.help + (f" (shortcut: {', '.join(action.shortcuts)})" if action.shortcuts else "")
            button.setToolTip(tip.strip())
            button.clicked.connect(
                lambda _=False, a=action: send(InvokeAction(action_id=a.id, payload=dict(a.payload))))
            self.buttons[action.id] = button
            grid.addWidget(button, i // 2, i % 2)

    def set_state(self, values: dict[str, Any]) -> None:
        """Show new control values without sending `SetControl`."""
        for cid, value in values.items():
            if cid in self.controls:
                self.controls[cid].set_value(value)
