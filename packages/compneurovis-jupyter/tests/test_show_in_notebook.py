"""NEURON's ``show()`` in a notebook: a widget in the cell's output, drawn from inside the user's own run."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

BUILD = """\
from neuron import h
from compneurovis.neuron import show
h.load_file("stdrun.hoc")
soma = h.Section(name="soma"); soma.L = soma.diam = 20; soma.insert("hh")
dend = h.Section(name="dend"); dend.L = 300; dend.diam = 2; dend.nseg = 11; dend.insert("pas"); dend.connect(soma(1))
stim = h.IClamp(soma(0.5)); stim.delay = 2; stim.dur = 1e9; stim.amp = 0.3
viewer = show(display_dt=0.5)
"""
RUN = """\
import time
t0 = time.monotonic()
h.finitialize(-65)
h.continuerun(10000)
t1 = time.monotonic()
"""
PROBE = """\
import json, numpy as np
link = viewer._link
widget = link.viewer
widget.pump()
display = widget.scene.fields[widget.drawing.spec.color_field_id].values
model = np.array([seg.v for sec in (soma, dend) for seg in sec], dtype=np.float32)
during = [t for t, _ in widget.canvas.frame_log if t0 <= t <= t1]
shot = viewer.screenshot()
print(json.dumps({"link": type(link).__name__, "frames_during_run": len(during), "run_s": t1 - t0,
                  "sim_time": widget.sim_time, "equal": bool(np.array_equal(display, model)),
                  "actions": sorted(widget.scene.actions), "shot": list(shot.shape), "shot_std": float(shot.std())}))
viewer.close()
"""


@pytest.mark.slow
def test_show_in_a_notebook_draws_a_widget_from_inside_the_users_run(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (BUILD, RUN, PROBE)])
    client = NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    widgets = [o for o in nb.cells[0].outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "show() displayed no widget in its cell"
    info = json.loads("".join(o["text"] for o in nb.cells[2].outputs if o["output_type"] == "stream"))
    assert info["link"] == "NotebookLink"
    # pushed from inside h.continuerun (up to ten a second, fewer when a frame is slow), not only after it
    assert info["frames_during_run"] >= 3, info
    assert info["sim_time"] == pytest.approx(10000.0)
    assert info["equal"], "the widget's last values are not NEURON's own"
    assert "pause" not in info["actions"]  # a notebook cannot resume a run its cell holds
    assert info["shot"][2] == 3 and info["shot_std"] > 5


JAXLEY = """\
import jaxley as jx
from jaxley.channels import HH
from compneurovis.jaxley import show
cell = jx.Cell(jx.Branch(jx.Compartment(), ncomp=4), parents=[-1, 0, 0])
cell.insert(HH())
cell.set("radius", 1.5)
cell.branch(1).set("radius", 0.5)
viewer = show(cell, color="HH_gNa")
"""
JAXLEY_PROBE = """\
import json, time, numpy as np
widget = viewer._link.viewer
viewer.variable = "radius"  # from code: applied at once
by_code = widget.scene.fields[widget.drawing.spec.color_field_id].values.tolist()
widget.set_control("variable", "length")  # as the widget's picker does: the driver thread answers
deadline = time.monotonic() + 20
while viewer.variable != "length" and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.2)
widget.pump()
by_widget = widget.scene.fields[widget.drawing.spec.color_field_id].values.tolist()
print(json.dumps({"link": type(viewer._link).__name__, "by_code": by_code, "by_widget": by_widget,
                  "radius": cell.nodes["radius"].tolist(), "length": cell.nodes["length"].tolist()}))
viewer.close()
"""


@pytest.mark.slow
def test_jaxley_show_in_a_notebook_is_a_widget_whose_picker_reaches_the_module(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (JAXLEY, JAXLEY_PROBE)])
    client = NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    assert [o for o in nb.cells[0].outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    info = json.loads("".join(o["text"] for o in nb.cells[1].outputs if o["output_type"] == "stream"))
    assert info["link"] == "NotebookLink"
    assert info["by_code"] == pytest.approx(info["radius"]) and len(set(info["radius"])) == 2
    assert info["by_widget"] == pytest.approx(info["length"])
