"""The ``compneurovis`` command as a user runs it."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    result = cnv("demo", "neuron-swc", "--screenshot", str(out), "--after", "0.5",
                 env={"DISPLAY": "", "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000
    assert not (tmp_path / "cache" / "compneurovis" / "scenes").exists()  # a screenshot is never of a preview
    from importlib.resources import files

    swc = Path(str(files("compneurovis.core") / "data" / "ca1_n120.swc"))
    view = tmp_path / "view.png"
    result = cnv("view", str(swc), "--screenshot", str(view), "--after", "0.2", env={"DISPLAY": ""})
    assert result.returncode == 0, result.stderr
    assert view.stat().st_size > 10_000


@pytest.mark.requires("qt", "neuron")
def test_malformed_swc_screenshot_fails_fast_with_the_sessions_error_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.swc"
    bad.write_text("1 1 0 0 0 5 -1\n2 3 1 0 0 1 1\n3 3 2 0 zero 1 2\n")
    out = tmp_path / "x.png"
    # the timeout is half the old 120 s wait for a Scene: the session's failure must end it
    result = cnv("view", str(bad), "--screenshot", str(out), env={"DISPLAY": ""}, timeout=60)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    # the file is checked before a session starts; the error names the file and the line
    assert last.startswith("compneurovis: error: ") and "SwcFormatError: " in last and "bad.swc, line 3" in last
    assert "Traceback" not in result.stderr and "wrote" not in result.stdout
    assert not out.exists()


def _read_only_folder(tmp_path):
    """A folder nobody here may write in (root writes in any chmod-ed folder, not in sysfs)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.mark.parametrize("option", ["--record", "--screenshot"])
def test_output_into_a_missing_or_read_only_folder_is_refused_before_anything_starts(option, tmp_path):
    for target, reason in ((tmp_path / "missing" / "out.x", f"folder {tmp_path / 'missing'} does not exist"),
                           (_read_only_folder(tmp_path) / "out.x", "cannot write in")):
        result = cnv("demo", "fitzhugh-nagumo", option, str(target), env={"DISPLAY": ""}, timeout=60)
        assert result.returncode == 2
        assert f"compneurovis demo: error: argument {option}: cannot write {target}: {reason}" in result.stderr
        assert "Traceback" not in result.stderr and not target.exists()


@pytest.mark.requires("qt")
def test_ctrl_c_while_waiting_for_a_screenshot_ends_cleanly(tmp_path):
    import signal
    import time

    import psutil

    out = tmp_path / "x.png"
    process = subprocess.Popen([sys.executable, "-m", "compneurovis", "demo", "fitzhugh-nagumo", "--screenshot",
                                str(out), "--after", "600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "DISPLAY": ""}, start_new_session=True)
    lines: list[str] = []
    waiting = threading.Event()

    def read_stderr() -> None:
        for line in process.stderr:
            lines.append(line)
            if line.startswith("compneurovis: drawing offscreen; the screenshot comes 600 s"):
                waiting.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        # the window says when its wait for the picture begins (on a loaded machine, long after the worker started)
        assert waiting.wait(120), "".join(lines)
        workers = [p for p in psutil.Process(process.pid).children() if "resource_tracker" not in p.cmdline()[-1]]
        assert workers, "no worker started"
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl+C: the whole process group
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(10)
        process.stdout.close()
        process.stderr.close()
    stderr = "".join(lines)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "compneurovis: interrupted" and "Traceback" not in stderr
    assert not out.exists()
    assert psutil.wait_procs(workers, timeout=5)[1] == []


@pytest.mark.requires("jaxley")
def test_a_demo_reaches_the_window_as_a_factory_that_leaves_importing_the_backend_to_the_worker():
    check = (
        "import pickle, sys\n"
        "from compneurovis.launcher import LauncherError, demo_session\n"
        "factory = pickle.loads(pickle.dumps(demo_session('jaxley-swc')))  # as it travels to the worker\n"
        "assert 'jax' not in sys.modules and 'jaxley' not in sys.modules, 'the window process imported JAX'\n"
        "session = factory()\n"
        "assert type(session).__name__ == 'SwcCellSession' and 'jaxley' in sys.modules\n"
        "try:\n"
        "    demo_session('no-such-demo')\n"
        "except LauncherError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("no demo named 'no-such-demo'; installed: ")


def _scenes(factory, count, timeout=120.0):
    """The first ``count`` Scenes a worker running ``factory`` sends."""
    import time

    from compneurovis.core import SceneReady, WorkerTransport

    scenes, deadline = [], time.monotonic() + timeout
    with WorkerTransport(factory).start() as transport:
        while len(scenes) < count and time.monotonic() < deadline:
            scenes += [u.scene for u in transport.poll(0.05) if isinstance(u, SceneReady)]
    assert len(scenes) >= count, f"{len(scenes)} Scenes in {timeout:g} s"
    return scenes[:count]


@pytest.mark.requires("neuron")
def test_a_demo_shows_its_last_starts_first_scene_while_it_starts(tmp_path, monkeypatch):
    import numpy as np

    from compneurovis.launcher import PREVIEW_STATUS, demo_session

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the worker inherits it
    factory = demo_session("neuron-hh")
    assert factory.startup_scene() is None  # never started here
    (first,) = _scenes(factory, 1)
    kept = list((tmp_path / "compneurovis" / "scenes").glob("neuron-hh-*.cnv"))
    assert len(kept) == 1 and first.status != PREVIEW_STATUS
    preview, own = _scenes(factory, 2)
    assert preview.status == PREVIEW_STATUS and own.status != PREVIEW_STATUS
    assert list(preview.geometries) == list(own.geometries)
    for key, geometry in own.geometries.items():
        assert preview.geometries[key].entity_ids == geometry.entity_ids
        np.testing.assert_array_equal(preview.geometries[key].start, geometry.start)
    assert list(preview.views) == list(own.views) and list(preview.controls) == list(own.controls)
    # a damaged preview is dropped and removed; the start goes on without one
    kept[0].write_bytes(b"not a scene")
    assert factory.startup_scene() is None and not kept[0].exists()
    # without previews (what `demo --screenshot` uses) nothing is read or written
    (only,) = _scenes(demo_session("neuron-hh", preview=False), 1)
    assert only.status != PREVIEW_STATUS and not kept[0].exists()


@pytest.mark.requires("jaxley")
def test_a_first_start_of_the_jaxley_swc_demo_shows_the_swc_points_before_jaxley_builds_the_cell(tmp_path,
                                                                                                 monkeypatch):
    import numpy as np

    from compneurovis.launcher import PREVIEW_PREFIX, demo_session, is_preview

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # no preview kept, and an empty JAX cache in the worker
    preview, cell, own = _scenes(demo_session("jaxley-swc"), 3, timeout=240.0)
    assert is_preview(preview) and preview.status.startswith(PREVIEW_PREFIX) and "SWC" in preview.status
    # then the session's own preview: Jaxley's compartments, grey, before their states are initialised
    assert is_preview(cell) and cell.geometries["morphology"].entity_ids == own.geometries["morphology"].entity_ids
    assert not is_preview(own)
    # the same cell in the same place: the SWC points span exactly what Jaxley's compartments span
    np.testing.assert_allclose(np.vstack(preview.geometries["morphology"].bounds()),
                               np.vstack(own.geometries["morphology"].bounds()))
    assert preview.title == own.title
    # a screenshot (no previews) never gets it
    assert demo_session("jaxley-swc", preview=False).startup_scene() is None


@given(data=st.one_of(st.binary(max_size=512),
                      st.builds(lambda cut, flip: _status_bytes(cut, flip), st.integers(0, 400), st.integers(0, 400))))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_in_a_preview_file_are_a_scene_or_dropped(tmp_path, data):
    from compneurovis.core import Scene
    from compneurovis.launcher import PREVIEW_STATUS, DemoSession

    factory = DemoSession("fitzhugh-nagumo", "compneurovis.core.examples:Nothing")  # never called here
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path)
    try:
        path = factory._preview_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        scene = factory.startup_scene()  # never raises
    finally:
        if before is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = before
    if scene is None:
        assert not path.exists()  # an unreadable preview is removed
    else:
        assert isinstance(scene, Scene) and scene.status == PREVIEW_STATUS


def _status_bytes(cut, flip):
    """A real protocol message that is not a SceneReady, truncated at ``cut`` with byte ``flip`` changed."""
    from compneurovis.core import Status, encode

    raw = bytearray(encode([Status(message="not a scene")]))
    if raw:
        raw[flip % len(raw)] ^= 0x5A
    return bytes(raw[:cut]) if cut < len(raw) else bytes(raw)
