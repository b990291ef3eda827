"""The ``compneurovis`` command as a user runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.requires("launcher")


def cnv(*args, env=None, timeout=300):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "compneurovis", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, check=False)


def test_demo_lists_installed_demos_and_hints_at_the_rest(parts):
    result = cnv("demo")
    assert result.returncode == 0, result.stderr
    assert "fitzhugh-nagumo" in result.stdout
    for backend, demo in (("neuron", "neuron-swc"), ("jaxley", "jaxley-swc")):
        line = next((ln for ln in result.stdout.splitlines() if demo in ln), "")
        if backend in parts:
            assert "not installed" not in line
        else:
            assert f'pip install "compneurovis[{backend}]"' in line


@pytest.mark.absent("neuron")
def test_demo_of_a_missing_backend_is_a_one_line_hint():
    result = cnv("demo", "neuron-swc", "--screenshot", "x.png")
    assert result.returncode == 1
    assert result.stderr.strip() == ('compneurovis: error: demo \'neuron-swc\' needs the neuron backend, '
                                     'which is not installed: pip install "compneurovis[neuron]"')


def test_user_errors_are_one_line_without_traceback(tmp_path):
    missing = cnv("view", str(tmp_path / "nope.swc"))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "nope.swc: no such file" in missing.stderr and "Traceback" not in missing.stderr
    unknown = cnv("demo", "no-such-demo")
    assert unknown.returncode == 1 and "no demo named 'no-such-demo'" in unknown.stderr
    binary = tmp_path / "cell.swc"
    binary.write_bytes(b"\x00\x01\x02")
    assert "not an SWC text file" in cnv("view", str(binary)).stderr


def test_debug_shows_the_traceback(tmp_path):
    result = cnv("--debug", "view", str(tmp_path / "nope.swc"))
    assert result.returncode == 1 and "Traceback" in result.stderr


@pytest.mark.requires("qt")
def test_no_display_says_how_to_run_headless():
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
    result = cnv("demo", "fitzhugh-nagumo", env=env)
    assert result.returncode == 1
    assert "no display available: add --screenshot out.png" in result.stderr


@pytest.mark.requires("qt")
def test_core_demo_screenshot_headless(tmp_path):
    out = tmp_path / "fhn.png"
    result = cnv("demo", "fitzhugh-nagumo", "--screenshot", str(out), "--after", "0.5", "--size", "640x480",
                 env={"DISPLAY": ""})
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.requires("qt", "neuron")
def test_neuron_demo_and_swc_view_headless(tmp_path):
    out = tmp_path / "demo.png"
    result = cnv("demo", "neuron-swc", "--screenshot", str(out), "--after", "0.5", env={"DISPLAY": ""})
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000
    from importlib.resources import files

    swc = Path(str(files("compneurovis.core") / "data" / "ca1_n120.swc"))
    view = tmp_path / "view.png"
    result = cnv("view", str(swc), "--screenshot", str(view), "--after", "0.2", env={"DISPLAY": ""})
    assert result.returncode == 0, result.stderr
    assert view.stat().st_size > 10_000


@pytest.mark.requires("neuron")
def test_malformed_swc_is_a_one_line_error_naming_the_line(tmp_path):
    bad = tmp_path / "bad.swc"
    bad.write_text("1 1 0 0 0 5 -1\n2 3 1 0 0 1 1\n3 3 2 0 zero 1 2\n")
    result = cnv("view", str(bad), "--screenshot", str(tmp_path / "x.png"), env={"DISPLAY": ""})
    assert result.returncode == 1
    assert "bad.swc" in result.stderr and "line 3" in result.stderr
    assert "Traceback" not in result.stderr
