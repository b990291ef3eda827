import dataclasses

import numpy as np
import pytest

from compneurovis.core import (
    PROTOCOL_VERSION,
    ActionSpec,
    BoolValueSpec,
    ChoiceValueSpec,
    ControlSpec,
    DisplayFrame,
    EntityClicked,
    Error,
    Field,
    FieldAppend,
    FieldReplace,
    GridGeometry,
    HistoryCaptureMode,
    InvokeAction,
    KeyPressed,
    LayoutReplace,
    LayoutSpec,
    PanelPatch,
    Reset,
    ScalarValueSpec,
    SceneError,
    ScenePatch,
    SceneReady,
    SetControl,
    StatePatch,
    Status,
    StopSession,
    SurfaceViewSpec,
    XYValueSpec,
    decode,
    encode,
)


def _equal(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
            a, b, equal_nan=a.dtype.kind == "f")
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a) if f.init)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


MESSAGES = [
    Reset(), SetControl(control_id="amp", value=0.5), SetControl(control_id="xy", value=(0.1, 0.2)),
    InvokeAction(action_id="kick", payload={"n": 3}), KeyPressed(key="Space"),
    EntityClicked(entity_id="cell.soma[0]", view_id="morphology"), StopSession(),
    FieldReplace(field_id="d", values=np.array([1.5, np.nan], np.float32), sim_time=1.25),
    DisplayFrame(field_id="d", values=np.array([1.5, np.nan], np.float32), sim_time=1.25, produced_at=3.5),
    FieldAppend(field_id="h", append_dim="time", values=np.arange(6, dtype=np.float32).reshape(2, 3),
                coord_values=np.array([0.1, 0.2, 0.3]), max_length=100),
    ScenePatch(views={"trace": {"rolling_window": 20.0}}), PanelPatch(panel_id="p", changes={"visible": False}),
    LayoutReplace(layout=LayoutSpec(columns=(("a", "b"), ("c",)), column_weights=(2.0, 1.0))),
    StatePatch(values={"amp": 1.0, "mode": HistoryCaptureMode.FULL}), Status(message="t = 1 ms"),
    Error(message="boom", traceback="Traceback ...", fatal=True),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips_exactly(message):
    assert _equal(decode(encode(message)), message)


def test_scene_round_trips_exactly(scene):
    scene.controls.update({
        "amp": ControlSpec(id="amp", label="Amp", value_spec=ScalarValueSpec(default=0.1, min=0, max=1, unit="nA")),
        "on": ControlSpec(id="on", label="On", value_spec=BoolValueSpec(default=True)),
        "mode": ControlSpec(id="mode", label="Mode", value_spec=ChoiceValueSpec(options=("a", "b"), default="b")),
        "xy": ControlSpec(id="xy", label="XY", value_spec=XYValueSpec(default=(0.0, 0.0)), presentation="xy_pad"),
    })
    scene.actions["kick"] = ActionSpec(id="kick", label="Kick", shortcuts=("K",))
    grid = GridGeometry(id="grid", x=np.linspace(0, 1, 4), y=np.linspace(0, 2, 3))
    scene.geometries["grid"] = grid
    scene.fields["surface"] = Field("surface", np.random.default_rng(0).random((4, 3)), ("x", "y"), unit="mV",
                                    attrs={"note": "random", "n": [1, 2]})
    scene.views["surf"] = SurfaceViewSpec(id="surf", geometry_id="grid", field_id="surface")
    scene.state.update({cid: c.default for cid, c in scene.controls.items()})
    scene.validate()
    back = decode(encode(SceneReady(scene=scene))).scene
    assert _equal(back, scene)
    assert back.geometries["morphology"].label_of("cell.dend[2]") == "dend(0.50)"


def test_foreign_truncated_and_newer_messages_are_refused():
    message = encode(Reset())
    with pytest.raises(SceneError, match="not a CompNeuroVis message"):
        decode(b"GIF89a" + message)
    with pytest.raises(SceneError, match="truncated"):
        decode(encode(FieldReplace(field_id="d", values=np.zeros(100)))[:-8])
    newer = message.replace(f'"protocol":{PROTOCOL_VERSION}'.encode(), b'"protocol":9')
    with pytest.raises(SceneError, match="protocol version 9"):
        decode(newer)


def test_objects_the_protocol_cannot_carry_are_refused():
    with pytest.raises(TypeError, match="dtype object cannot be encoded"):
        encode(FieldReplace(field_id="d", values=np.array([object()])))
    with pytest.raises(TypeError, match="cannot encode a set"):
        encode(StatePatch(values={"s": {1, 2}}))
