"""Repository-wide pytest policy, loaded for every package's tests and the integration tests.

A test may skip on a user's machine that lacks an optional library
(``pytest.importorskip``), saying which. In CI (``CNV_REQUIRE_ALL=1``, set by
the nox sessions) every library is installed on purpose, so such a skip would
hide a broken install: it is reported as a failure instead.
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
