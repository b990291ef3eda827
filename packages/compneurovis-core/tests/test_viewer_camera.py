"""`check_camera`: what `Viewer.camera = ...` accepts, and the errors for what it does not."""

import pytest

from compneurovis.core import CAMERA_KEYS, check_camera


def test_a_dict_or_a_tuple_of_three_points():
    as_dict = check_camera({"position": [0, 0, 10], "focal_point": (0, 0, 0), "view_up": (0, 1, 0)})
    as_tuple = check_camera(((0, 0, 10), (0, 0, 0), (0, 1, 0)))
    assert as_dict == as_tuple == {"position": (0.0, 0.0, 10.0), "focal_point": (0.0, 0.0, 0.0),
                                   "view_up": (0.0, 1.0, 0.0)}
    assert tuple(as_dict) == CAMERA_KEYS


@pytest.mark.parametrize(("camera", "message"), [
    ({"position": (0, 0, 1), "view_up": (0, 1, 0)}, r"missing \['focal_point'\]"),
    (((0, 0, 1), (0, 0, 0)), "must be a dict"),
    (((0, 0, 1), (0, 0, 0), (0, 1)), r"camera view_up: expected three finite numbers, got \(0, 1\)"),
    (((0, 0, float("nan")), (0, 0, 0), (0, 1, 0)), "camera position: expected three finite numbers"),
    (((1, 2, 3), (1, 2, 3), (0, 1, 0)), "position and focal_point are the same point"),
    ("front", "must be a dict"),
])
def test_bad_cameras_name_the_problem(camera, message):
    with pytest.raises(ValueError, match=message):
        check_camera(camera)
