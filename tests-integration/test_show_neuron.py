"""`compneurovis.neuron.show()`: a real NEURON run in this process, the real Qt/VTK window in its own."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from compneurovis.core import Camera

pytestmark = pytest.mark.requires("neuron", "qt")

SCRIPT = """\
from neuron import h
from compneurovis.neuron import show
h.load_file("stdrun.hoc")
soma = h.Section(name="soma"); soma.L = soma.diam = 20; soma.insert("hh")
dend = h.Section(name="dend"); dend.L = 300; dend.diam = 2; dend.nseg = 11; dend.insert("pas"); dend.connect(soma(1))
stim = h.IClamp(soma(0.5)); stim.delay = 2; stim.dur = 20; stim.amp = 0.3
viewer = show(screenshot={png!r})
print("window pid", viewer._link.process.pid, flush=True)
h.finitialize(-65)
h.continuerun(25)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as f:  # a zombie not yet reaped by init counts as gone
        return f.read().split(")")[-1].split()[0] == "Z"


def test_a_ten_line_neuron_script_plus_one_show_line(tmp_path):
    """No subclass, no __main__ guard: the script runs, the picture is written at exit, no process stays."""
    png = tmp_path / "shot.png"
    script = tmp_path / "model.py"
    script.write_text(SCRIPT.format(png=str(png)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pid = int(done.stdout.split("window pid")[1].split()[0])
    assert _gone(pid)


@pytest.fixture
def model():
    from neuron import h

    h.load_file("stdrun.hoc")
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    dend = h.Section(name="dend")
    dend.L, dend.diam, dend.nseg = 300, 2, 11
    dend.insert("pas")
    dend.connect(soma(1))
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = 2, 40, 1.0
    yield soma, dend
    del stim
    for sec in (dend, soma):
        h.delete_section(sec=sec)


def test_show_follows_the_users_run_and_the_viewer_drives_the_window(model, tmp_path):
    from neuron import h

    from compneurovis.core import ViewerClosed
    from compneurovis.neuron import show

    png = tmp_path / "end.png"
    soma_, dend_ = model
    viewer = show(variable="v", display_dt=0.25, screenshot=png, size=(900, 600), marks=[(dend_(1), "tip")])
    pid = viewer._link.process.pid
    try:
        session = viewer._driver.session
        marks = {m.label: m.kind for m in session.segment_marks()}
        assert "tip" in marks and any(kind == "stimulus" for kind in marks.values()), marks  # the IClamp, found
        m_rec = h.Vector().record(soma_(0.5)._ref_m_hh)
        t_rec = h.Vector().record(h._ref_t)
        h.dt = 0.025
        h.finitialize(-65)
        h.continuerun(10)
        viewer._driver.flush()  # the samples the driver holds until its next send
        times, hist = session._traces.snapshot()
        assert times[0] == 0.0 and abs(times[-1] - 10.0) < 1e-9 and len(times) == 41  # every 0.25 ms
        viewer.variable = "m_hh"
        assert viewer.variable == "m_hh"
        h.continuerun(30)
        viewer._driver.flush()  # the samples the driver holds until its next send
        times, hist = session._traces.snapshot()
        idx = np.searchsorted(np.asarray(t_rec), times - 1e-9)
        np.testing.assert_array_equal(hist[:, 0], np.asarray(m_rec)[idx].astype(np.float32))
        assert np.ptp(hist[:, 0]) > 0.5
        with pytest.raises(ValueError, match=r"unknown variable 'mhh'.*m_hh"):
            viewer.variable = "mhh"
        with pytest.raises(ValueError, match=r"unknown control 'speed'"):
            viewer.set_control("speed", 2)
        viewer.set_control("variable", "v")
        assert viewer.variable == "v"
        # a second finitialize restarts the sampling chain (the FInitializeHandler re-posts it)
        h.finitialize(-65)
        h.continuerun(5)
        viewer._driver.flush()
        times, _ = session._traces.snapshot()
        assert times[0] == 0.0 and abs(times[-1] - 5.0) < 1e-9

        image = viewer.screenshot()
        assert image.shape == (600, 900, 3) and image.dtype == np.uint8
        assert image.std() > 5
        small = viewer.screenshot(size=(450, 300))
        assert small.shape == (300, 450, 3)
        camera = viewer.camera
        assert isinstance(camera, Camera) and camera.preset is None
        moved = {"position": (0.0, -800.0, 0.0), "focal_point": (150.0, 0.0, 0.0), "view_up": (0.0, 0.0, 1.0)}
        viewer.camera = moved
        got = viewer.camera
        np.testing.assert_allclose(got.position, moved["position"])
        np.testing.assert_allclose(got.focal_point, moved["focal_point"])
        np.testing.assert_allclose(got.view_up, moved["view_up"], atol=1e-9)
        moved_image = viewer.screenshot()
        assert not np.array_equal(moved_image, image)  # the view moved
        viewer.camera = "top"  # a preset: looking along -y with -z up
        direction, up = viewer.camera.direction()
        np.testing.assert_allclose(direction, (0.0, -1.0, 0.0), atol=1e-6)
        np.testing.assert_allclose(up, (0.0, 0.0, -1.0), atol=1e-6)
        assert not np.array_equal(viewer.screenshot(), moved_image)
        with pytest.raises(ValueError, match="camera view_up"):
            viewer.camera = {"position": (0, 0, 1), "focal_point": (0, 0, 0), "view_up": (0, 1)}
    finally:
        viewer.close()
    assert png.stat().st_size > 10_000
    assert _gone(pid) and not viewer.is_open
    with pytest.raises(ViewerClosed):
        viewer.screenshot()
    h.continuerun(h.t + 2)  # the run goes on without the window, sampling nothing


def test_the_readme_show_example_runs(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = readme.split("## Your NEURON model, plus one line")[1].split("```python")[1].split("```")[0]
    shot = tmp_path / "readme.png"
    assert "viewer = show()" in code and "viewer.wait()" in code
    script = tmp_path / "readme_show.py"
    script.write_text(code.replace("viewer = show()", f"viewer = show(screenshot={str(shot)!r})"))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert shot.stat().st_size > 10_000
