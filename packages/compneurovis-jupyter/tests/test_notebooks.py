"""Every notebook in docs/notebooks runs top to bottom; its pictures show each segment in its value's colour."""

import base64
import io
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

from compneurovis.vtk import map_colors

NOTEBOOKS = sorted((Path(__file__).resolve().parents[3] / "docs" / "notebooks").glob("*.ipynb"))

#: Run in the notebook's kernel after the last cell: where the last picture's segments are and their values.
PROBE = """
import json as _json
_d = viewer.drawing
_xy = _d.to_image(_d.geometry.centers)
_on_top = [i for i in range(_d.geometry.n_entities) if _d.pick(*_xy[i]) == i]
print(_json.dumps({"cmap": _d.view.color_map, "limits": list(viewer.snapshot_limits),
                   "values": viewer.snapshot_values.tolist(), "xy": _xy.tolist(), "on_top": _on_top}))
viewer.close()
"""


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_pictures_show_the_values(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        probe = nbformat.v4.new_code_cell(PROBE)
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    info = json.loads("".join(o["text"] for o in probe.outputs if o["output_type"] == "stream"))
    outputs = [o for c in nb.cells[:-1] for o in c.get("outputs", [])]
    pngs = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    assert pngs, f"{path.name}: no output carries a PNG"
    for png in pngs:
        image = np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB"))
        assert image.std() > 5, f"{path.name}: a blank picture"
    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(pngs[-1]))).convert("RGB")).astype(float)
    nbformat.write(nb, tmp_path / path.name)  # the executed notebook, as an artefact
    expected = map_colors(info["cmap"], np.asarray(info["values"]), tuple(info["limits"])) * 255
    assert len(info["on_top"]) >= 3
    wrong = []
    for i in info["on_top"]:
        x, y = info["xy"][i]
        pixel = image[round(y), round(x)]
        if np.abs(expected[i] - pixel).max() >= 60:
            wrong.append((i, pixel.tolist(), expected[i].round().tolist()))
    assert len(wrong) <= 0.1 * len(info["on_top"]), wrong
