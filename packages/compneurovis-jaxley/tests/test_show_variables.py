"""What `compneurovis.jaxley.show()` reads from a module, on real Jaxley (no window)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def cell():
    import jaxley as jx
    from jaxley.channels import HH

    comp = jx.Compartment()
    branch = jx.Branch(comp, ncomp=3)
    cell = jx.Cell([branch, branch, branch], parents=[-1, 0, 0])
    cell.branch(0).insert(HH())
    cell.branch(0).comp(0).record("v")
    cell.branch(2).comp(1).record("v")
    cell.branch(0).comp(0).stimulate(jx.step_current(1.0, 2.0, 0.5, 0.025, 6.0))
    return cell


def test_every_state_and_parameter_is_listed(cell):
    from compneurovis.jaxley import module_variables

    names = module_variables(cell)
    assert list(names)[:5] == ["v", "capacitance", "axial_resistivity", "radius", "length"]
    for expected in ("HH_gNa", "HH_gK", "HH_eNa", "HH_m", "HH_h", "HH_n"):
        assert expected in names
    assert names["v"] == "mV" and names["HH_eNa"] == "mV" and names["HH_gNa"] == "" and names["radius"] == "um"


def test_values_are_the_modules_own_nan_where_a_channel_is_absent(cell):
    from compneurovis.jaxley._variables import values_of as _values_of

    m = _values_of(cell, "HH_m")
    assert m.dtype == np.float32 and m.shape == (9,)
    np.testing.assert_array_equal(m[:3], cell.nodes["HH_m"].to_numpy()[:3].astype(np.float32))
    assert np.all(np.isnan(m[3:]))
    np.testing.assert_array_equal(_values_of(cell, "radius"), cell.nodes["radius"].to_numpy().astype(np.float32))


def test_traces_from_integrate_land_on_their_compartments(cell):
    import jaxley as jx

    from compneurovis.jaxley._show import _v_recordings
    from compneurovis.jaxley._show_playback import RunPlayback

    v = jx.integrate(cell, delta_t=0.025)
    times, data, rows = _v_recordings(cell, v, 0.025, 9)
    assert rows == [0, 7] and data.shape == (2, v.shape[1]) and data.dtype == np.float32
    np.testing.assert_array_equal(data[1], np.asarray(v[1], dtype=np.float32))
    assert times[1] == pytest.approx(0.025)
    assert RunPlayback.from_traces(data, rows, times, np.arange(9).astype(str)) is None  # not every compartment
    with pytest.raises(ValueError, match=r"expected jx.integrate's \(2, n_times\) array .* got shape \(3, 5\)"):
        _v_recordings(cell, np.zeros((3, 5)), 0.025, 9)


def test_a_run_recorded_everywhere_plays_frame_by_frame_equal_to_integrate():
    import jaxley as jx
    from jaxley.channels import HH

    from compneurovis.core import DisplayFrame, FieldReplace, StatePatch
    from compneurovis.jaxley._show import _v_recordings
    from compneurovis.jaxley._show_playback import RunPlayback

    branch = jx.Branch(jx.Compartment(), ncomp=3)
    cell = jx.Cell([branch, branch], parents=[-1, 0])
    cell.insert(HH())
    cell.branch(1).comp(2).record("v")  # recorded first: the playback puts rows back in compartment order
    cell.branch(0).record("v")
    cell.branch(1).comp(0).record("v")
    cell.branch(1).comp(1).record("v")
    cell.branch(0).comp(0).stimulate(jx.step_current(0.5, 3.0, 0.5, 0.025, 5.0))
    v = np.asarray(jx.integrate(cell, delta_t=0.025), dtype=np.float32)
    times, data, rows = _v_recordings(cell, v, 0.025, 6)
    ids = np.array([f"c{k}" for k in range(6)])
    playback = RunPlayback.from_traces(data, rows, times, ids)
    assert playback is not None and rows == [5, 0, 1, 2, 3, 4]
    k = 120  # 3 ms: mid-spike
    frame = next(u for u in playback.seek(3.0) if isinstance(u, DisplayFrame))
    assert frame.sim_time == pytest.approx(3.0) and playback.index == k
    np.testing.assert_array_equal(frame.values[5], v[0, k])
    np.testing.assert_array_equal(frame.values[:3], v[1:4, k])
    playback.toggle()
    ticked = playback.tick(0.1)  # a tenth of a second at the default speed: a hundredth of the run
    state = next(u for u in ticked if isinstance(u, StatePatch))
    assert state.values["time"] == pytest.approx(3.0 + playback.end / 100, abs=0.025)
    replace = playback.add_trace("c5")[0]
    assert isinstance(replace, FieldReplace) and list(replace.coords["segment"]) == ["c0", "c5"]
    np.testing.assert_array_equal(replace.values[:, 1], v[0])
    assert playback.add_trace("c5") == [] and playback.add_trace("nowhere") == []
    playback.tick(100.0)  # past the end: it stops there
    assert not playback.playing and playback.index == len(times) - 1


def test_bad_color_is_a_clear_error_before_any_window(cell):
    from compneurovis.jaxley import show

    with pytest.raises(ValueError, match=r"unknown variable 'HH_x'; available: v, .*HH_m"):
        show(cell, "HH_x")
    with pytest.raises(ValueError, match=r"one value per compartment, shape \(9,\), got \(4,\)"):
        show(cell, np.zeros(4))
