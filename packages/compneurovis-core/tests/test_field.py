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


def test_appending_rows_keeps_earlier_fields_and_matches_concatenation():
    rng = np.random.default_rng(1)
    f = Field("h", np.zeros((0, 3), np.float32), ("time", "segment"), {"time": np.zeros(0)})
    expected_values, expected_times = np.zeros((0, 3), np.float32), np.zeros(0)
    history = []
    for k in range(300):
        n = int(rng.integers(1, 9))
        block = rng.normal(size=(n, 3)).astype(np.float32)
        times = k + np.arange(n) / 10
        f = f.appended("time", block, times, max_length=50)
        expected_values = np.concatenate([expected_values, block])[-50:]
        expected_times = np.concatenate([expected_times, times])[-50:]
        np.testing.assert_array_equal(f.values, expected_values)
        np.testing.assert_array_equal(f.coords["time"], expected_times)
        history.append((f, expected_values.copy()))
    for old, values in history:  # no later append wrote into the rows an earlier field shows
        np.testing.assert_array_equal(old.values, values)
    assert not f.values.flags.writeable


def test_appending_to_a_superseded_field_does_not_touch_its_successor():
    f = Field("h", np.zeros((1, 2)), ("time", "segment"))
    a = f.appended("time", np.ones((1, 2)))
    b = a.appended("time", np.full((1, 2), 2.0))
    c = a.appended("time", np.full((1, 2), 3.0))  # e.g. after a refused update rolled back to ``a``
    np.testing.assert_array_equal(b.values[:, 0], [0, 1, 2])
    np.testing.assert_array_equal(c.values[:, 0], [0, 1, 3])


def test_append_refuses_values_the_field_cannot_hold():
    f = Field("n", np.zeros((1, 2), np.int32), ("time", "segment"))
    with pytest.raises(SceneError, match=r"field 'n': appended block along 'time' has dtype float64, expected "
                                         r"numbers that fit int32"):
        f.appended("time", np.full((1, 2), np.nan))
    with pytest.raises(SceneError, match="dtype object"):
        Field("o", np.array([{}, 1]), ("x",))
