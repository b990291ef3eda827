"""``compneurovis view FILE`` picks the reader by suffix; a bad file is refused naming file and line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.requires("launcher", "qt", "neuron")
DATA = Path(__file__).resolve().parents[1] / "packages" / "compneurovis-neuron" / "tests" / "data"


def cnv(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "compneurovis", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "DISPLAY": ""}, check=False)


@pytest.mark.parametrize("name", ["small_cell.asc", "small_cell.h5"])
def test_view_opens_neurolucida_and_morphio_files(tmp_path, name):
    out = tmp_path / "view.png"
    result = cnv("view", DATA / name, "--screenshot", out, "--after", "0.2")
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000


def test_view_refuses_a_bad_neurolucida_file_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.asc"
    bad.write_text((DATA / "small_cell.asc").read_text().replace("(  0.0  20.0  0.0  1.8)", "(  0.0  20.0  0.0  1.8"))
    out = tmp_path / "x.png"
    result = cnv("view", bad, "--screenshot", out, timeout=60)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("compneurovis: error: ") and "NeurolucidaFormatError: " in last
    assert f"{bad}, line " in last and "'(' is never closed" in last
    assert "Traceback" not in result.stderr and not out.exists()


def test_view_refuses_an_unknown_suffix(tmp_path):
    other = tmp_path / "cell.obj"
    other.write_text("v 0 0 0\n")
    result = cnv("view", other, "--screenshot", tmp_path / "x.png", timeout=60)
    assert result.returncode == 1 and "no morphology reader for '.obj'" in result.stderr
