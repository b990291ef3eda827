"""``compneurovis view FILE`` on SWC files that used to crash NEURON or leave the window waiting."""

import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.requires("launcher", "neuron")

TREE = "1 1 0 0 0 6 -1\n2 3 10 0 0 1 1\n3 3 20 0 0 0.8 2\n4 3 0 15 0 1 1\n"


def cnv(*args, timeout=300):
    env = {**os.environ, "DISPLAY": ""}
    return subprocess.run([sys.executable, "-m", "compneurovis", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


@pytest.mark.parametrize(("name", "text", "says"), [
    ("cycle.swc", "1 1 0 0 0 6 -1\n2 3 10 0 0 1 3\n3 3 20 0 0 1 2\n",
     "line 2: malformed SWC: parent ids form a cycle (sample -> its parent): 2 -> 3 -> 2"),
    ("self.swc", "1 1 0 0 0 6 -1\n2 3 10 0 0 1 2\n", "line 2: malformed SWC: sample 2 is its own parent"),
    ("flat.swc", "1 1 0 0 0 6 -1\n2 3 10 0 0 0 1\n", "line 2: malformed SWC: field 'radius' must be positive"),
    ("far.swc", "1 1 0 0 0 6 -1\n2 3 1e300 0 0 1 1\n", "line 2: malformed SWC: field 'x'"),
])
def test_a_file_neuron_cannot_take_fails_at_once_naming_file_and_line(tmp_path, name, text, says):
    path = tmp_path / name
    path.write_text(text)
    shot = tmp_path / "x.png"
    began = time.monotonic()
    result = cnv("view", str(path), "--screenshot", str(shot))
    assert result.returncode == 1
    assert f"{path}, {says}" in result.stderr and "Traceback" not in result.stderr
    assert not shot.exists() and "wrote" not in result.stdout
    assert time.monotonic() - began < 60  # the window never waited for a Scene


@pytest.mark.requires("qt")
def test_a_file_listing_children_first_opens(tmp_path):
    """Children before parents and ids beyond 64 bits crashed Import3d; the file is now reordered and renumbered."""
    rows = [line.split() for line in TREE.splitlines()]
    big = 2**70
    text = "".join(" ".join([str(big + int(r[0])), *r[1:6], str(big + int(r[6])) if r[6] != "-1" else "-1"]) + "\n"
                   for r in reversed(rows))
    path = tmp_path / "reversed.swc"
    path.write_text("#" + "x" * 40000 + "\n" + text)
    shot = tmp_path / "view.png"
    result = cnv("view", str(path), "--screenshot", str(shot), "--after", "0.2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 1000
