"""The teardown checks (root and qt conftests) fail a test that leaves something running.

A child pytest runs tests that each leak one kind of thing, with copies of both conftests.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[2]

LEAKY = '''
import subprocess
import sys
import threading

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QWidget

KEEP = []


def test_leaks_a_window(qapp):
    w = QWidget()
    w.show()
    KEEP.append(w)


def test_leaks_a_running_timer(qapp):
    t = QTimer()
    t.start(10_000)
    KEEP.append(t)


def test_leaks_a_single_shot(qapp):
    QTimer.singleShot(60_000, lambda: None)


def test_leaks_a_thread():
    stop = threading.Event()
    KEEP.append(stop)
    threading.Thread(target=stop.wait, args=(30,), name="leaky-thread").start()


def test_leaks_a_process():
    KEEP.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))


def test_cleans_up(qapp, qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    t = QTimer()
    t.start(10_000)
    t.stop()
    fired = []
    QTimer.singleShot(10, lambda: fired.append(1))
    qtbot.waitUntil(lambda: bool(fired))
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
'''


def test_each_kind_of_leak_fails_its_test(tmp_path):
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "sub").mkdir()
    shutil.copy(HERE / "conftest.py", tmp_path / "sub" / "conftest.py")
    (tmp_path / "sub" / "test_leaky.py").write_text(LEAKY)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CNV_LEAK_GRACE_S"] = "0.5"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xvfb", "-p", "no:cacheprovider", "-q", "-rA",
         "--rootdir", str(tmp_path), str(tmp_path / "sub")],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False)
    out = result.stdout
    assert "6 passed, 5 errors" in out, out[-3000:]
    for test, message in [("test_leaks_a_window", "visible top-level widget QWidget"),
                          ("test_leaks_a_running_timer", "running QTimer (interval 10000 ms"),
                          ("test_leaks_a_single_shot", "pending QTimer.singleShot(60000)"),
                          ("test_leaks_a_thread", "thread 'leaky-thread' still running"),
                          ("test_leaks_a_process", "child process")]:
        assert f"ERROR sub/test_leaky.py::{test}" in out, out[-3000:]
        assert message in out, (message, out[-3000:])
    assert "PASSED sub/test_leaky.py::test_cleans_up" in out
