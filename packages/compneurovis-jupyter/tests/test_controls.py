import ipywidgets as widgets
import pytest

from compneurovis.core import (
    ActionSpec,
    BoolValueSpec,
    ChoiceValueSpec,
    ControlSpec,
    ScalarValueSpec,
    XYValueSpec,
)
from compneurovis.jupyter import ControlsBox, control_widget
from compneurovis.jupyter._controls import XYWidget


def _c(cid, spec, **kw):
    return ControlSpec(id=cid, label=cid.title(), value_spec=spec, **kw)


def test_each_value_spec_maps_to_its_widget_with_its_range():
    slider = control_widget(_c("amp", ScalarValueSpec(default=0.3, min=0.0, max=2.0, unit="nA")), 0.5)
    assert isinstance(slider, widgets.FloatSlider)
    assert (slider.min, slider.max, slider.value) == (0.0, 2.0, 0.5)
    assert slider.description == "Amp (nA)"
    ints = control_widget(_c("n", ScalarValueSpec(default=3, min=1, max=9, integer=True)), 3)
    assert isinstance(ints, widgets.IntSlider) and (ints.min, ints.max, ints.step) == (1, 9, 1)
    log = control_widget(_c("speed", ScalarValueSpec(default=1.0, min=0.1, max=10.0, scale="log")), 2.0)
    assert isinstance(log, widgets.FloatLogSlider) and (log.min, log.max) == pytest.approx((-1.0, 1.0))
    assert log.value == pytest.approx(2.0)
    spin = control_widget(_c("k", ScalarValueSpec(default=1.0, min=0.0, max=5.0), presentation="spinbox"), 1.0)
    assert isinstance(spin, widgets.BoundedFloatText)
    choice = control_widget(_c("mode", ChoiceValueSpec(options=("a", "b"), default="b")), "b")
    assert isinstance(choice, widgets.Dropdown) and list(choice.options) == ["a", "b"] and choice.value == "b"
    check = control_widget(_c("on", BoolValueSpec(default=True)), True)
    assert isinstance(check, widgets.Checkbox) and check.value is True
    xy = control_widget(_c("pos", XYValueSpec(default=(0.1, -0.2))), (0.1, -0.2))
    assert isinstance(xy, XYWidget) and xy.value == pytest.approx((0.1, -0.2))


def test_user_changes_are_reported_once_and_code_changes_not_at_all():
    changes, actions = [], []
    box = ControlsBox([_c("amp", ScalarValueSpec(default=0.3, min=0.0, max=1.0)),
                       _c("pos", XYValueSpec(default=(0.0, 0.0)))],
                      [ActionSpec(id="kick", label="Kick", shortcuts=("K",))], {"amp": 0.4},
                      lambda cid, v: changes.append((cid, v)), actions.append)
    assert box.controls["amp"].value == 0.4  # the state, not the default
    box.controls["amp"].value = 0.7  # as the browser does
    box.controls["pos"].y.value = 0.5
    assert changes == [("amp", 0.7), ("pos", (0.0, 0.5))]
    box.set_value("amp", 0.2)
    assert box.controls["amp"].value == 0.2 and len(changes) == 2
    box.buttons["kick"].click()
    assert actions == ["kick"]
    assert "[K]" in box.buttons["kick"].tooltip
    box.close()
