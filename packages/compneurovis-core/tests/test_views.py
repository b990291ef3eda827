"""View specs check themselves against a Scene: `ViewSpec.field_ids` and `ViewSpec.validate`."""

import dataclasses

import numpy as np
import pytest

from compneurovis.core import (
    DEFAULT_MAX_REFRESH_HZ,
    Field,
    FieldReplace,
    GridGeometry,
    LinePlotViewSpec,
    MorphologyViewSpec,
    Scene,
    SceneError,
    ScenePatch,
    SurfaceViewSpec,
    ViewSpec,
)


def test_built_in_views_say_what_they_read(scene):
    assert scene.views["morphology"].field_ids() == ("segment_display",)
    assert scene.views["trace"].field_ids() == ("segment_history",)
    assert SurfaceViewSpec(id="s", geometry_id="g", field_id="z").field_ids() == ("z",)
    assert all(isinstance(v, ViewSpec) for v in scene.views.values())


@pytest.mark.parametrize(
    ("view", "message"),
    [
        (MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="segment_history"),
         r"view 'm': colour field 'segment_history' has dims \('time', 'segment'\) and shape \(2, 1\), "
         r"expected \(5,\)"),
        (MorphologyViewSpec(id="m", geometry_id="nowhere", color_field_id="segment_display"),
         "view 'm' points at missing MorphologyGeometry 'nowhere'"),
        (MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="segment_display",
                            color_limits="x"), "view 'm': color_limits must be None or finite"),
        (MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="segment_display",
                            color_limits=(1.0, float("nan"))), "color_limits"),
        (MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="segment_display",
                            color_norm="log"), "view 'm': color_norm must be"),
        (MorphologyViewSpec(id="m", geometry_id="morphology", color_field_id="segment_display",
                            max_refresh_hz=-1.0), "view 'm': max_refresh_hz"),
        (LinePlotViewSpec(id="p", field_id="segment_display"),
         r"view 'p': field 'segment_display' has dims \('segment',\) and shape \(5,\), expected 2 dim\(s\) "
         r"\(x_dim 'time' and series_dim 'segment'\)"),
        (LinePlotViewSpec(id="p", field_id="segment_history", x_dim="space"),
         r"view 'p': x_dim 'space' is not a dim of field 'segment_history'; its dims are \('time', 'segment'\)"),
        (LinePlotViewSpec(id="p", field_id="segment_history", series_dim="cell"),
         "view 'p': series_dim 'cell' is not a dim"),
        (SurfaceViewSpec(id="s", geometry_id="morphology", field_id="segment_display"),
         "view 's' points at a MorphologyGeometry, not a GridGeometry 'morphology'"),
    ],
)
def test_a_view_that_does_not_fit_names_the_view_the_field_and_the_dims(scene, view, message):
    with pytest.raises(SceneError, match=message):
        Scene(fields=scene.fields, geometries=scene.geometries, views=[view])


def test_surface_field_must_have_the_grid_shape():
    grid = GridGeometry(id="g", x=np.arange(3.0), y=np.arange(4.0))
    z = Field("z", np.zeros((4, 3)), ("x", "y"))
    with pytest.raises(SceneError, match=r"view 's': field 'z' has dims \('x', 'y'\) and shape \(4, 3\), "
                                         r"expected \(3, 4\) \(the shape of grid 'g'\)"):
        Scene(fields=[z], geometries=[grid], views=[SurfaceViewSpec(id="s", geometry_id="g", field_id="z")])


@pytest.mark.parametrize(
    "update",
    [
        FieldReplace(field_id="segment_display", values=np.array(["a"] * 5)),  # strings to colour by
        ScenePatch(views={"morphology": {"color_limits": "x"}}),
        ScenePatch(views={"morphology": {"max_refresh_hz": "fast"}}),
        ScenePatch(views={"trace": {"series_dim": None}}),  # 2-D field, no series: does not fit
    ],
)
def test_updates_a_view_cannot_draw_are_refused_at_apply(scene, update):
    before = (scene.fields["segment_display"].values.copy(), dict(scene.views))
    with pytest.raises(SceneError, match=r"view '(morphology|trace)'|field 'segment_display'"):
        scene.apply(update)
    np.testing.assert_array_equal(scene.fields["segment_display"].values, before[0])
    assert scene.views == before[1]


def test_a_field_update_checks_only_the_views_that_read_it(scene):
    # a view kind of its own: reads one field, counts its checks
    checked: list[str] = []

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Counting(ViewSpec):
        id: str
        field_id: str
        max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ

        def field_ids(self) -> tuple[str, ...]:
            return (self.field_id,)

        def validate(self, scene: Scene) -> None:
            super().validate(scene)
            checked.append(self.field_id)

    scene.views["c"] = Counting(id="c", field_id="segment_history")
    scene.apply(FieldReplace(field_id="segment_display", values=np.ones(5, np.float32)))
    assert checked == []
    scene.apply(FieldReplace(field_id="segment_history", values=np.ones((2, 1), np.float32)))
    assert checked == ["segment_history"]


def test_a_view_spec_must_say_what_it_reads():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Silent(ViewSpec):
        id: str
        max_refresh_hz: float = DEFAULT_MAX_REFRESH_HZ

    with pytest.raises(TypeError, match="field_ids"):
        Silent(id="x")
