"""Select integration tests by the parts installed in this environment.

Each test names the CompNeuroVis parts it needs with ``@pytest.mark.requires(...)``
(or the parts that must be *absent* with ``@pytest.mark.absent(...)``). The nox
matrix sets ``CNV_PARTS`` to what it installed: tests that do not fit are
deselected, never skipped, and a listed part that fails to import fails the run.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

PARTS = ("core", "neuron", "jaxley", "qt", "jupyter", "launcher", "mpi")
#: Parts that are not a compneurovis module: the module that says they are installed.
_MODULES = {"mpi": "mpi4py"}


def installed_parts() -> set[str]:
    """Parts importable here, or those ``CNV_PARTS`` promises."""
    promised = os.environ.get("CNV_PARTS")
    if promised:
        return {p.strip() for p in promised.split(",") if p.strip()}
    return {p for p in PARTS if importlib.util.find_spec(_MODULES.get(p, f"compneurovis.{p}")) is not None}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requires(*parts): run only where these compneurovis parts are installed")
    config.addinivalue_line("markers", "absent(*parts): run only where these compneurovis parts are missing")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    parts = installed_parts()
    keep, drop = [], []
    for item in items:
        needs = {p for m in item.iter_markers("requires") for p in m.args}
        missing = {p for m in item.iter_markers("absent") for p in m.args}
        (keep if needs <= parts and not (missing & parts) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def parts() -> set[str]:
    return installed_parts()
