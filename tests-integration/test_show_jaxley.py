"""`compneurovis.jaxley.show()`: a Jaxley cell the user built, drawn by the real Qt/VTK window in its own process."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytestmark = pytest.mark.requires("jaxley", "qt")


def test_show_a_cell_coloured_by_an_array_then_by_a_state(tmp_path):
    import jaxley as jx
    from jaxley.channels import HH

    from compneurovis.core import ViewerClosed
    from compneurovis.jaxley import show

    branch = jx.Branch(jx.Compartment(), ncomp=4)
    cell = jx.Cell([branch, branch, branch], parents=[-1, 0, 0])
    cell.branch(0).insert(HH())
    png = tmp_path / "cell.png"
    distance = np.linspace(0.0, 1.0, 12)
    viewer = show(cell, color=distance, screenshot=png, size=(800, 500))
    pid = viewer._link.process.pid
    try:
        assert viewer.variable == "color"
        first = viewer.screenshot()
        assert first.shape == (500, 800, 3)
        viewer.variable = "HH_m"  # grey where HH is not inserted
        assert viewer.variable == "HH_m"
        second = viewer.screenshot()
        assert np.abs(first.astype(int) - second.astype(int)).sum() > 1000  # the colours changed
        with pytest.raises(ValueError, match="unknown variable 'm'"):
            viewer.variable = "m"
        with pytest.raises(ValueError, match="unknown control 'speed'"):
            viewer.set_control("speed", 1)
    finally:
        viewer.close()
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert viewer._link.process.poll() is not None and pid > 0
    with pytest.raises(ViewerClosed):
        _ = viewer.camera


def test_show_plays_a_run_recorded_in_every_compartment_and_seeks_in_it(tmp_path):
    import jaxley as jx
    from jaxley.channels import HH

    from compneurovis.core import InvokeAction, KeyPressed
    from compneurovis.jaxley import show

    branch = jx.Branch(jx.Compartment(), ncomp=4)
    cell = jx.Cell([branch, branch, branch], parents=[-1, 0, 0])
    cell.insert(HH())
    cell.record("v")
    cell.branch(0).comp(0).stimulate(jx.step_current(0.5, 3.0, 1.0, 0.025, 8.0))
    v = jx.integrate(cell, delta_t=0.025)
    viewer = show(cell, traces=v, screenshot=tmp_path / "run.png", size=(800, 500))
    try:
        assert viewer.variable == "v (recorded)"

        def warm():  # pixels coloured above about -40 mV (yellow to red), where the cell is drawn
            image = viewer.screenshot()[150:400, :480].astype(int)
            return int(((image[..., 0] > 150) & (image[..., 0] > image[..., 2] + 60)).sum())

        assert warm() == 0  # at rest: blue everywhere
        viewer.set_control("time", 2.5)  # the spike spreading from branch 0
        assert warm() > 2000
        viewer.variable = "radius"  # a static quantity; seeking keeps it
        viewer.set_control("time", 0.0)
        viewer.variable = "v (recorded)"  # back to the run, at 0 ms
        assert warm() == 0
        driver = viewer._driver  # the window's Play button and P key arrive here as commands
        driver._handle(InvokeAction(action_id="play"))
        deadline = time.monotonic() + 30
        while driver.playback.index < 80 and time.monotonic() < deadline:  # 2 ms of the run
            time.sleep(0.05)
        driver._handle(KeyPressed(key="P"))
        paused_at = driver.playback.index
        time.sleep(0.3)
        assert 80 <= paused_at == driver.playback.index < len(driver.playback.times) - 1
        with pytest.raises(ValueError, match="unknown control 'weight'"):
            viewer.set_control("weight", 1)
    finally:
        viewer.close()
