"""The NEURON CA1 cell (2,536 segments) live in a notebook in headless Chromium, against bare NEURON.

Starts JupyterLab on loopback, opens a notebook that shows ``CA1Session`` at
800x600 in Debian's Chromium (Playwright), and prints JSON with each number
beside its target:

- frames/s displayed: ``src`` changes of the widget's ``<img>`` in the page over ``--stats`` s;
- simulation speed: simulated ms per wall second reaching the viewer (``viewer.sim_time``)
  over bare ``h.fadvance()`` on the same model in this process;
- slider latency: from the control change reaching the kernel to the first frame sent whose
  values were produced after it, plus jupyter_rfb's measured delivery time to the browser; p95 over
  ``--moves`` slider moves (arrow key on the slider in the page).

    python packages/compneurovis-jupyter/benchmarks/bench_notebook.py [--stats 10] [--moves 12]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

TARGETS = {"fps": 10.0, "sim_ratio": 0.5, "latency_p95_ms": 250.0}
TESTS = Path(__file__).resolve().parent.parent / "tests"


def _browser_helpers():
    spec = importlib.util.spec_from_file_location("cnv_jupyter_browser", TESTS / "test_browser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bare_neuron(sim_ms: float = 300.0) -> float:
    """Simulated ms per wall second of bare ``h.fadvance()`` on the CA1 demo's model."""
    from neuron import h

    from compneurovis.neuron.examples.swc import CA1Session

    session = CA1Session()
    session.initialize()
    t0, start = h.t, time.perf_counter()
    while h.t < t0 + sim_ms:
        h.fadvance()
    rate = (h.t - t0) / (time.perf_counter() - start)
    session.shutdown()
    return rate


def live(stats_s: float, moves: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    helpers = _browser_helpers()
    with tempfile.TemporaryDirectory() as tmp:
        notebook = Path(tmp) / "ca1.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(
            "from compneurovis.neuron.examples.swc import CA1Session\nfrom compneurovis.jupyter import show\n"
            "viewer = show(CA1Session, width=800, height=600)\nviewer")]
        nbformat.write(nb, notebook)
        with helpers.jupyterlab(Path(tmp) / "lab", notebook) as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=helpers.CHROMIUM)
            client = None
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                page.goto(lab["url"])
                page.wait_for_function("""() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                    return k && k.connectionStatus === 'connected' && k.status === 'idle'; }""", timeout=120_000)
                page.wait_for_timeout(2000)
                kernel_id = page.evaluate(
                    "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")
                client = helpers._kernel(lab["runtime"], kernel_id)
                ask = helpers._ask
                page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
                helpers._wait(lambda: ask(client, "'viewer' in globals() and viewer.scene is not None"), 180,
                              "the CA1 Scene")
                page.wait_for_function("() => { const i = document.querySelector('img.renderview-view');"
                                       " return i && i.naturalWidth > 100; }", timeout=180_000)
                page.wait_for_timeout(3000)  # past start-up
                page.evaluate("""() => { window._cnvFrames = 0; const i = document.querySelector('img.renderview-view');
                    new MutationObserver(() => window._cnvFrames++).observe(i, {attributes: true,
                    attributeFilter: ['src']}); }""")
                sim0 = ask(client, "[__import__('time').monotonic(), viewer.sim_time]")
                page.wait_for_timeout(stats_s * 1000)
                sim1 = ask(client, "[__import__('time').monotonic(), viewer.sim_time]")
                frames = page.evaluate("() => window._cnvFrames")
                ask(client, "viewer.canvas.reset_stats() or True")
                handle = page.locator(".widget-slider .noUi-handle").first
                handle.click()
                for _ in range(moves):
                    page.keyboard.press("ArrowRight")
                    page.wait_for_timeout(800)
                lat = ask(client, """(lambda c, s: [[next((t for t, p in c.frame_log if t >= sent and p is not None
                    and p >= sent), None), sent] for sent, _, _ in s])(viewer.canvas, viewer.control_sent)""")
                delivery = ask(client, "viewer.canvas.get_stats()['delivery']")
                page.screenshot(path=str(Path(tempfile.gettempdir()) / "cnv-bench-notebook.png"))
                ask(client, "viewer.close() or True")
            except Exception:
                print((Path(tmp) / "lab" / "server.log").read_text()[-4000:], file=sys.stderr)
                raise
            finally:
                if client is not None:
                    client.stop_channels()
                browser.close()
    latencies = [(shown - sent) * 1000 + max(delivery, 0.0) * 1000 for shown, sent in lat if shown is not None]
    return {"fps": frames / stats_s, "sim_rate": (sim1[1] - sim0[1]) / (sim1[0] - sim0[0]),
            "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies else float("nan"),
            "latency_p95_ms": float(np.percentile(latencies, 95)) if latencies else float("nan"),
            "moves_measured": len(latencies), "delivery_ms": delivery * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stats", type=float, default=10.0)
    parser.add_argument("--moves", type=int, default=12)
    args, _ = parser.parse_known_args()
    bare = bare_neuron()
    result = live(args.stats, args.moves)
    result["bare_sim_rate"] = bare
    result["sim_ratio"] = result["sim_rate"] / bare
    report = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
    report["targets"] = TARGETS
    print(json.dumps({"bench_notebook": report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
