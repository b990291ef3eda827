import numpy as np
import pytest

from compneurovis.core import Field, SceneError


def test_field_validates_dims_and_coords():
    with pytest.raises(SceneError, match=r"2 dims .* 1 axes"):
        Field("f", np.zeros(3), ("a", "b"))
    with pytest.raises(SceneError, match="coordinate 'a' has 2 entries, expected 3"):
        Field("f", np.zeros(3), ("a",), {"a": [1, 2]})
    with pytest.raises(SceneError, match="not one of its dims"):
        Field("f", np.zeros(3), ("a",), {"b": [1, 2, 3]})


def test_append_grows_along_named_dim_and_is_bounded():
    f = Field("h", np.zeros((2, 0), np.float32), ("segment", "time"),
              {"segment": np.array(["a", "b"]), "time": np.zeros(0)})
    for k in range(10):
        block = np.full((2, 3), k, np.float32)
        f = f.appended("time", block, np.arange(3) + 3 * k, max_length=7)
    assert f.shape == (2, 7)
    np.testing.assert_array_equal(f.coords["time"], np.arange(23, 30))
    np.testing.assert_array_equal(f.values[0], [7, 8, 8, 8, 9, 9, 9])


def test_append_errors_name_field_dim_and_shapes():
    f = Field("h", np.zeros((2, 4)), ("segment", "time"), {"time": np.arange(4.0)})
    with pytest.raises(SceneError, match="field 'h' has no dim 'x'"):
        f.appended("x", np.zeros((2, 1)), [1.0])
    with pytest.raises(SceneError, match=r"shape \(3, 1\), expected \(2, 1\)"):
        f.appended("time", np.zeros((3, 1)), [1.0])
    with pytest.raises(SceneError, match="needs coordinate values"):
        f.appended("time", np.zeros((2, 1)))
