import dataclasses

import numpy as np
import pytest

from compneurovis.core import (
    ControlSpec,
    DisplayFrame,
    Error,
    FieldAppend,
    FieldReplace,
    LayoutReplace,
    LayoutSpec,
    MorphologyViewSpec,
    PanelPatch,
    ScalarValueSpec,
    Scene,
    SceneError,
    ScenePatch,
    SceneReady,
    StatePatch,
    Status,
)


def _snapshot(scene: Scene):
    return {name: dict(f.__dict__) if hasattr(f, "__dict__") else f
            for name, f in dataclasses.asdict(scene).items() if name != "fields"}, {
        fid: (f.values.copy(), {d: c.copy() for d, c in f.coords.items()}) for fid, f in scene.fields.items()}


def _assert_same(before, scene):
    after = _snapshot(scene)
    assert before[0].keys() == after[0].keys()
    assert before[0]["views"] == after[0]["views"] and before[0]["title"] == after[0]["title"]
    for fid, (values, coords) in before[1].items():
        np.testing.assert_array_equal(values, after[1][fid][0])
        for dim, c in coords.items():
            np.testing.assert_array_equal(c, after[1][fid][1][dim])


def test_every_update_type_applies_in_place(scene):
    scene.controls["amp"] = ControlSpec(id="amp", label="Amp", value_spec=ScalarValueSpec(default=0, min=0, max=1))
    scene.state["amp"] = 0.0
    scene.apply(DisplayFrame(field_id="segment_display", values=np.arange(5, dtype=np.float32)))
    scene.apply(FieldAppend(field_id="segment_history", append_dim="time", values=np.ones((3, 1)),
                            coord_values=np.array([0.2, 0.3, 0.4]), max_length=4))
    scene.apply(ScenePatch(views={"trace": {"rolling_window": 50.0}}, title="New"))
    scene.apply(PanelPatch(panel_id="controls", changes={"visible": False}))
    scene.apply(StatePatch(values={"amp": 0.5}))
    scene.apply(LayoutReplace(layout=LayoutSpec(columns=(("morphology", "trace"),))))
    scene.apply(Status(message="hello"))
    assert scene.status == "hello"
    scene.apply(Error(message="boom"))
    np.testing.assert_array_equal(scene.fields["segment_display"].values, np.arange(5))
    assert scene.fields["segment_history"].shape == (4, 1)
    np.testing.assert_allclose(scene.fields["segment_history"].coords["time"], [0.1, 0.2, 0.3, 0.4])
    assert scene.views["trace"].rolling_window == 50.0 and scene.title == "New"
    assert scene.panels["controls"].visible is False
    assert scene.state["amp"] == 0.5
    assert scene.layout.columns == (("morphology", "trace"),)
    assert "boom" in scene.status
    other = Scene(title="other")
    scene.apply(SceneReady(scene=other))
    assert scene.title == "other" and not scene.fields


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (FieldAppend(field_id="nope", append_dim="time", values=np.ones((1, 1)), coord_values=[1.0]),
         "unknown field id 'nope'"),
        (FieldAppend(field_id="segment_history", append_dim="space", values=np.ones((1, 1))),
         "no dim 'space'"),
        (FieldAppend(field_id="segment_history", append_dim="time", values=np.ones((1, 2)), coord_values=[1.0]),
         r"shape \(1, 2\), expected \(1, 1\)"),
        (FieldAppend(field_id="segment_history", append_dim="time", values=np.array([["x"]]), coord_values=[1.0]),
         r"field 'segment_history': appended block along 'time' has dtype <U1, expected numbers that fit float32"),
        (FieldAppend(field_id="segment_history", append_dim="time", values=np.ones((1, 1)), coord_values=[1.0],
                     max_length=0), "max_length must be a whole number >= 1"),
        (FieldReplace(field_id="segment_display", values=np.ones(4)), r"expected \(5,\)"),
        (FieldReplace(field_id="segment_display", values=np.array(["a"] * 5)), "replacement has dtype <U1"),
        (DisplayFrame(field_id="segment_display", values=np.array(["a"] * 5)),
         r"field 'segment_display': display frame has dtype <U1, expected numbers that fit float32"),
        (DisplayFrame(field_id="segment_display", values=np.ones(4, np.float32)),
         r"display frame has shape \(4,\), expected \(5,\)"),
        (DisplayFrame(field_id="segment_display", values=np.ones((5, 1), np.float32)),
         r"display frame has shape \(5, 1\), expected \(5,\)"),
        (ScenePatch(views={"morphology": {"color_limits": "x"}}),
         r"view 'morphology': color_limits must be None or finite \(low, high\).*got 'x'"),
        (ScenePatch(views={"morphology": {"color_limits": (1.0, float("nan"))}}), "color_limits must be"),
        (ScenePatch(views={"morphology": {"color_norm": 3}}), "color_norm must be"),
        (ScenePatch(views={"trace": {"rolling_window": "10"}}), "rolling_window must be"),
        (ScenePatch(views={"trace": {"series_dim": None}}), r"view 'trace': field 'segment_history' has dims"),
        (ScenePatch(views={"trace": {"max_refresh_hz": -1}}), "max_refresh_hz must be"),
        (ScenePatch(views="x"), "ScenePatch views must be a dict"),
        (StatePatch(values=["amp"]), "StatePatch values must be a dict"),
        (PanelPatch(panel_id="trace", changes={"view_ids": 5}), "does not fit the scene"),
        (LayoutReplace(layout="columns"), "does not fit the scene"),
        (StatePatch(values={"missing": 1}), "unknown control id 'missing'"),
        (ScenePatch(views={"trace": {"colour": 1}}), "cannot patch"),
        (PanelPatch(panel_id="trace", changes={"view_ids": ("ghost",)}), "missing view"),
        (LayoutReplace(layout=LayoutSpec(columns=(("ghost",),))), "missing panel"),
    ],
)
def test_rejected_update_names_problem_and_changes_nothing(scene, update, message):
    before = _snapshot(scene)
    with pytest.raises(SceneError, match=message):
        scene.apply(update)
    _assert_same(before, scene)


def test_control_value_outside_spec_is_rejected(scene):
    scene.controls["amp"] = ControlSpec(id="amp", label="Amp", value_spec=ScalarValueSpec(default=0, min=0, max=1))
    with pytest.raises(SceneError, match=r"control 'amp': value 2 outside \[0, 1\]"):
        scene.apply(StatePatch(values={"amp": 2}))


def test_scene_with_view_on_missing_field_is_rejected(geometry):
    view = MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="ghost")
    with pytest.raises(SceneError, match="view 'm' points at missing field 'ghost'"):
        Scene(geometries=[geometry], views=[view])


def test_field_replace_may_change_the_unit_and_travels_through_the_codec():
    import numpy as np

    from compneurovis.core import Field, FieldReplace, Scene, SceneError, decode, encode

    scene = Scene(fields=[Field("d", np.zeros(3, dtype=np.float32), ("segment",), unit="mV")])
    update = decode(encode(FieldReplace(field_id="d", values=np.ones(3, dtype=np.float32), unit="mM")))
    assert update.unit == "mM"
    scene.apply(update)
    assert scene.fields["d"].unit == "mM" and scene.fields["d"].values.tolist() == [1, 1, 1]
    scene.apply(FieldReplace(field_id="d", values=np.zeros(3, dtype=np.float32)))  # None keeps it
    assert scene.fields["d"].unit == "mM"
    with pytest.raises(SceneError, match="field 'd': unit must be a str, got 3"):
        scene.apply(FieldReplace(field_id="d", values=np.zeros(3, dtype=np.float32), unit=3))
    assert scene.fields["d"].values.tolist() == [0, 0, 0]


def test_a_scene_names_what_its_time_counts_and_keeps_it_across_the_wire():
    from compneurovis.core import decode, encode

    assert Scene().time_text(12.345) == "t = 12.35 ms"  # simulated ms unless a session says otherwise
    assert Scene().time_text(12.345, digits=1) == "t = 12.3 ms"
    fit = decode(encode(Scene(time_label="iteration", time_unit="")))
    assert (fit.time_label, fit.time_unit) == ("iteration", "")
    assert fit.time_text(7.0) == "iteration 7"
    assert Scene(time_label="generation", time_unit="gen").time_text(3) == "generation = 3.00 gen"


@pytest.mark.parametrize("name, value, shown", [("time_label", 3, "3"), ("time_unit", "x" * 41, "x" * 41)])
def test_a_time_label_that_is_not_a_short_str_is_refused_by_name(name, value, shown):
    with pytest.raises(SceneError, match=f"Scene {name} must be a str of at most 40 characters, got '{shown}'"):
        Scene(**{name: value})
