"""`Camera` in `MorphologyViewSpec`: presets, exact views, validation, the wire."""

import math

import numpy as np
import pytest

from compneurovis.core import CAMERA_PRESETS, Camera, MorphologyViewSpec, SceneError, ScenePatch, decode, encode


def test_presets_and_exact_views_build_and_cross_the_wire():
    for name in CAMERA_PRESETS:
        camera = Camera(preset=name)
        direction, up = camera.direction()
        assert math.isclose(sum(d * d for d in direction), 1.0)
        assert np.linalg.norm(np.cross(direction, up)) > 0.5  # up is well across the viewing direction
        assert decode(encode(camera)) == camera
    exact = Camera(position=np.array([10, 0, 100]), focal_point=[10, 0, 0], view_up=(0, 2, 0))
    assert exact.position == (10.0, 0.0, 100.0) and type(exact.position[0]) is float
    assert exact.direction() == ((0.0, 0.0, -1.0), (0.0, 2.0, 0.0))
    assert decode(encode(exact)) == exact


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"preset": "frnt"}, r"preset 'frnt' is not one of \['front', 'isometric', 'side', 'top'\]"),
        ({"preset": "top", "position": (0, 0, 1)}, "a preset or position/focal_point/view_up, not both"),
        ({"position": (0, 0, 1)}, "focal_point must be 3 finite numbers"),
        ({"position": (0, 0, math.nan), "focal_point": (0, 0, 0), "view_up": (0, 1, 0)},
         "position must be 3 finite numbers"),
        ({"position": (1, 2, 3), "focal_point": (1, 2, 3), "view_up": (0, 1, 0)}, "the same point"),
        ({"position": (0, 0, 1), "focal_point": (0, 0, 0), "view_up": (0, 0, 0)}, "zero vector"),
        ({"position": (0, 0, 1), "focal_point": (0, 0, 0), "view_up": (0, 0, -3)}, "parallel"),
    ],
)
def test_bad_cameras_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(SceneError, match=message):
        Camera(**kwargs)


def test_camera_in_a_morphology_view_and_in_patches(scene):
    assert scene.views["morphology"].camera is None
    assert MorphologyViewSpec(id="m", geometry_id="g", color_field_id="f", camera="side").camera == Camera(
        preset="side")
    with pytest.raises(SceneError, match="view 'm': camera: preset 'back'"):
        MorphologyViewSpec(id="m", geometry_id="g", color_field_id="f", camera="back")
    scene.apply(ScenePatch(views={"morphology": {"camera": "top"}}))
    assert scene.views["morphology"].camera == Camera(preset="top")
    exact = Camera(position=(0, 0, 50), focal_point=(0, 0, 0), view_up=(0, 1, 0))
    scene.apply(ScenePatch(views={"morphology": {"camera": exact}}))
    assert decode(encode(scene)).views["morphology"].camera == exact
    for bad in ("back", 3, (0, 0, 1)):
        with pytest.raises(SceneError, match="camera"):
            scene.apply(ScenePatch(views={"morphology": {"camera": bad}}))
        assert scene.views["morphology"].camera == exact  # unchanged


def test_segment_marks_in_a_morphology_view(scene):
    from compneurovis.core import SegmentMark

    ids = scene.geometries[scene.views["morphology"].geometry_id].entity_ids
    syn = SegmentMark(entity_id=ids[2], label="syn", kind="synapse")
    scene.apply(ScenePatch(views={"morphology": {"marks": [(ids[1], "stim"), syn]}}))
    marks = scene.views["morphology"].marks
    assert marks == (SegmentMark(entity_id=ids[1], label="stim"), SegmentMark(entity_id=ids[2], label="syn",
                                                                               kind="synapse"))
    assert decode(encode(scene)).views["morphology"].marks == marks
    for bad, message in [([("nowhere[0]", "x")], r"mark 0 \('x'\) is on 'nowhere\[0\]', which is not a segment"),
                         ([(ids[0], "ok"), 3], "mark 1 is 3, not a SegmentMark"),
                         ([SegmentMark(entity_id=ids[0], label=5)], "mark 0 needs str entity_id, label and kind"),
                         ("abc", "marks must be a sequence of SegmentMark")]:
        with pytest.raises(SceneError, match=message):
            scene.apply(ScenePatch(views={"morphology": {"marks": bad}}))
        assert scene.views["morphology"].marks == marks  # unchanged
