"""Repository-wide pytest policy, loaded for every package's tests and the integration tests.

A test may skip on a user's machine that lacks an optional library
(``pytest.importorskip``), saying which. In CI (``CNV_REQUIRE_ALL=1``, set by
the nox sessions) every library is installed on purpose, so such a skip would
hide a broken install: it is reported as a failure instead.

No test may leave a child process or a non-daemon thread running: a teardown
check fails the test that did (the Qt tests also check windows and timers, in
their own conftest).
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Turn an import skip into a failure when ``CNV_REQUIRE_ALL=1``."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CNV_REQUIRE_ALL") == "1" and "could not import" in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"CNV_REQUIRE_ALL=1 but a test dependency is missing: {report.longrepr}"


# ------------------------------------------------------------------ leak checks
#: A thread or child process still alive this long after its test is a leak (``CNV_LEAK_GRACE_S`` overrides).
LEAK_GRACE_S = float(os.environ.get("CNV_LEAK_GRACE_S", "3.0"))


def _live_children() -> dict[int, str]:
    """Child processes (recursive) that are running: not zombies, not multiprocessing's resource tracker.

    The resource tracker is started once per parent process and lives as long as it, by design.
    """
    import psutil

    out = {}
    for child in psutil.Process().children(recursive=True):
        try:
            cmdline = " ".join(child.cmdline())
            if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in cmdline:
                out[child.pid] = cmdline[:200]
        except psutil.Error:
            continue
    return out


def _live_threads() -> dict[int, str]:
    import threading

    return {t.ident or 0: t.name for t in threading.enumerate() if t.is_alive() and not t.daemon}


@pytest.fixture(autouse=True)
def no_leaked_threads_or_processes():
    """Fail a test that leaves a child process or a non-daemon thread running after it ends.

    Both get ``LEAK_GRACE_S`` to finish. A leaked process is killed afterwards so that one leak
    does not fail every later test.
    """
    import time

    import psutil

    threads_before = set(_live_threads())
    children_before = set(_live_children())
    yield
    deadline = time.monotonic() + LEAK_GRACE_S
    while True:
        threads = {k: v for k, v in _live_threads().items() if k not in threads_before}
        children = {k: v for k, v in _live_children().items() if k not in children_before}
        if (not threads and not children) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for pid in children:
        try:
            process = psutil.Process(pid)
            process.kill()
            process.wait(timeout=5)
        except psutil.Error:
            pass
    problems = [f"thread {name!r} still running" for name in threads.values()]
    problems += [f"child process {pid} still running: {cmd}" for pid, cmd in children.items()]
    assert not problems, "the test left behind: " + "; ".join(problems)
