"""JupyterLab and Notebook 7 on loopback, driven by headless Chromium: frames arrive and change, a click
traces, a slider steers.

Chromium is Debian's (``/usr/bin/chromium``, or ``CNV_CHROMIUM``), driven by Playwright with that
executable: no browser download. Screenshots go to ``$CNV_ARTIFACTS`` (else the test's tmp folder).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("CNV_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter_path() -> str:
    """Data folders holding JupyterLab's assets and anywidget's extension (the venv's, then its base Python's)."""
    paths = {Path(sys.prefix) / "share" / "jupyter", Path(sys.base_prefix) / "share" / "jupyter",
             Path(sysconfig.get_paths()["data"]) / "share" / "jupyter"}
    return os.pathsep.join(str(p) for p in sorted(paths) if p.is_dir())


@pytest.fixture(params=["lab", "notebook"])
def lab(request, tmp_path):
    """JupyterLab, then Notebook 7, serving the live notebook."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CNV_REQUIRE_ALL"):
            pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with jupyterlab(tmp_path / "lab", HERE / "notebooks" / "live.ipynb", app=request.param) as info:
        yield info


@contextlib.contextmanager
def jupyterlab(root: Path, notebook: Path, app: str = "lab"):
    """JupyterLab (``app="lab"``) or Notebook 7 (``"notebook"``) on a free loopback port with a random token,
    serving a copy of ``notebook``; stopped on exit."""
    (root / "work").mkdir(parents=True)
    shutil.copy(notebook, root / "work" / notebook.name)
    settings = root / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
           "IPYTHONDIR": str(root / "ipython"), "JUPYTER_PATH": _jupyter_path(), "PYTHONPATH": str(HERE)}
    app_dir = next(Path(p) / "lab" for p in env["JUPYTER_PATH"].split(os.pathsep)
                   if (Path(p) / "lab" / "static").is_dir())
    log = open(root / "server.log", "w")  # closed in finally
    common = ["--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
              f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={root / 'work'}"]
    if app == "lab":
        args = ["-m", "jupyterlab", *common, f"--LabApp.app_dir={app_dir}",
                f"--LabApp.user_settings_dir={root / 'settings'}", f"--LabApp.workspaces_dir={root / 'workspaces'}",
                "--LabApp.expose_app_in_browser=True"]
        path = f"lab/tree/{notebook.name}"
    else:
        args = ["-m", "notebook", *common, f"--JupyterNotebookApp.user_settings_dir={root / 'settings'}",
                f"--JupyterNotebookApp.workspaces_dir={root / 'workspaces'}",
                "--JupyterNotebookApp.expose_app_in_browser=True"]
        path = f"notebooks/{notebook.name}"
    server = subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=log,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Jupyter ({app}) did not start: "
                                       + (root / "server.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        yield {"url": f"http://127.0.0.1:{port}/{path}?token={token}", "runtime": root / "runtime", "app": app}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
        log.close()


def _kernel(runtime: Path, kernel_id: str):
    """A second client on the notebook's kernel, to read ``viewer`` back."""
    from jupyter_client import BlockingKernelClient

    path = runtime / f"kernel-{kernel_id}.json"
    assert path.is_file(), f"no connection file for the notebook's kernel {kernel_id}: {sorted(runtime.iterdir())}"
    client = BlockingKernelClient(connection_file=str(path))
    client.load_connection_file()
    client.start_channels()
    return client


def _ask(client, expression: str):
    out = []
    reply = client.execute_interactive(f"import json as _j; print(_j.dumps({expression}))", timeout=120,
                                       output_hook=lambda m: out.append(m["content"].get("text", "")))
    assert reply["content"]["status"] == "ok", reply["content"]
    return json.loads("".join(out))


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)
    return value


@pytest.mark.slow
def test_jupyter_shows_live_frames_traces_a_click_and_follows_a_slider(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    artefacts = Path(os.environ.get("CNV_ARTIFACTS", tmp_path))
    artefacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        client = None
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab["url"])
            page.wait_for_function("""() => {
                const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                return k && k.connectionStatus === 'connected' && k.status === 'idle';
            }""", timeout=90_000)
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            img = page.locator("img.renderview-view")
            img.wait_for(timeout=90_000)
            page.wait_for_function("() => { const i = document.querySelector('img.renderview-view');"
                                   " return i && i.naturalWidth > 100; }", timeout=90_000)
            page.evaluate("""() => { window._cnvFrames = 0; const i = document.querySelector('img.renderview-view');
                new MutationObserver(() => window._cnvFrames++).observe(i, {attributes: true,
                attributeFilter: ['src']}); }""")
            img.screenshot(path=str(artefacts / f"browser-{lab['app']}-first.png"))
            kernel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")
            client = _kernel(lab["runtime"], kernel_id)
            _wait(lambda: _ask(client, "viewer.scene is not None"), 60, "the Scene")
            # a click on a segment adds its trace
            target = _ask(client, """(lambda d: next([i, *map(float, xy)] for i, xy in
                enumerate(d.to_image(d.geometry.centers)) if i % 5 == 3 and d.pick(*xy) == i))(viewer.drawing)""")
            index, x, y = target
            box = img.bounding_box()
            page.mouse.click(box["x"] + x * box["width"] / 640, box["y"] + y * box["height"] / 400)
            entity = _ask(client, f"viewer.drawing.geometry.entity_ids[{index}]")
            _wait(lambda: entity in _ask(client, "viewer.traced"), 45, "the click to reach the viewer")
            _wait(lambda: entity in _ask(client, "[str(c) for c in viewer.scene.fields[viewer.trace.spec.field_id]"
                                                 ".coords[viewer.trace.spec.series_dim]]"), 30, "the trace")
            page.screenshot(path=str(artefacts / f"browser-{lab['app']}-traced.png"))
            # moving the slider steers the simulation
            resting = img.screenshot()
            before = _ask(client, "viewer.scene.state['stimulus']")
            first_unit = "float(viewer.scene.fields[viewer.drawing.spec.color_field_id].values[0])"
            at_rest = _ask(client, first_unit)  # the stimulus enters the trunk's first unit
            handle = page.locator(".widget-slider .noUi-handle").first
            knob = handle.bounding_box()
            x, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
            page.mouse.move(x, y)  # drag the knob a third of the way (Notebook 7 keeps arrow keys for itself)
            page.mouse.down()
            page.mouse.move(x + 30, y, steps=5)
            page.mouse.up()
            value = _wait(lambda: _ask(client, "viewer.scene.state['stimulus']") or None, 45, "the slider")
            assert value > before
            # a positive current depolarises the unit it enters, to a new steady state or into spiking; the
            # values are compared with those before the move (a snapshot taken after it may already be settled)
            _wait(lambda: _ask(client, first_unit) > at_rest + 1e-3, 30, "the simulation to respond")
            page.screenshot(path=str(artefacts / f"browser-{lab['app']}-slider.png"))
            # frames keep arriving, and the picture leaves the resting one (a cable held
            # depolarised by a strong stimulus may settle, so no two live frames must differ)
            page.evaluate("() => { window._cnvFrames = 0; }")
            page.wait_for_function("() => window._cnvFrames >= 5", timeout=20_000)  # ~10/s; slower under load
            _wait(lambda: img.screenshot() != resting, 30, "the picture to change")
            _ask(client, "viewer.close() or True")
        finally:
            if client is not None:
                client.stop_channels()
            browser.close()


@pytest.mark.slow
def test_neuron_show_in_jupyterlab_sends_frames_while_its_cell_runs(tmp_path):
    """``show()`` then ``h.continuerun(12000)`` in the next cell: the picture changes while the kernel is busy."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        if os.environ.get("CNV_REQUIRE_ALL"):
            pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    artefacts = Path(os.environ.get("CNV_ARTIFACTS", tmp_path))
    artefacts.mkdir(parents=True, exist_ok=True)
    kernel = "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
    with jupyterlab(tmp_path / "lab", HERE / "notebooks" / "show_neuron.ipynb") as lab, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab["url"])
            page.wait_for_function(f"""() => {{ try {{ const k = {kernel};
                return k.connectionStatus === 'connected' && k.status === 'idle';
                }} catch (e) {{ return false; }} }}""", timeout=90_000)
            page.evaluate(f"""() => {{
                window._cnvBusyFrames = 0; window._cnvSources = new Set();
                new MutationObserver(() => {{
                    const i = document.querySelector('img.renderview-view');
                    if (i && !i._cnvWatched) {{
                        i._cnvWatched = true;
                        new MutationObserver(() => {{ if ({kernel}.status === 'busy') {{
                            window._cnvBusyFrames++; window._cnvSources.add(i.src); }} }})
                            .observe(i, {{attributes: true, attributeFilter: ['src']}});
                    }}
                }}).observe(document.body, {{childList: true, subtree: true}});
                window.jupyterapp.commands.execute('notebook:run-all-cells'); }}""")
            page.wait_for_function("() => window._cnvBusyFrames >= 5", timeout=90_000)
            page.locator("img.renderview-view").screenshot(path=str(artefacts / "browser-show-running.png"))
            assert page.evaluate("() => window._cnvSources.size") >= 3  # different pictures, not one resent
            page.wait_for_function(f"() => {kernel}.status === 'idle'", timeout=120_000)
        finally:
            browser.close()
