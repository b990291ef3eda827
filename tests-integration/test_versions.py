"""All distributions carry one version and pin their siblings to exactly it."""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECTS = [ROOT / "pyproject.toml", *sorted((ROOT / "packages").glob("*/pyproject.toml"))]


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text())["project"]


def test_every_distribution_has_the_same_version():
    versions = {_project(p)["name"]: _project(p)["version"] for p in PYPROJECTS}
    assert len(versions) == 7, versions
    assert len(set(versions.values())) == 1, f"versions drifted: {versions}"


@pytest.mark.parametrize("path", PYPROJECTS, ids=lambda p: p.parent.name)
def test_siblings_are_pinned_exactly_to_that_version(path):
    project = _project(path)
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    siblings = [r for r in requirements if r.startswith("compneurovis")]
    for requirement in siblings:
        pinned = r"compneurovis-(core|vtk|qt|neuron|jaxley|jupyter)(\[[a-z,]+\])?==" + re.escape(project["version"])
        assert re.fullmatch(pinned, requirement), (
            f"{path.relative_to(ROOT)}: {requirement!r} is not pinned to =={project['version']}")


def test_runtime_version_matches_metadata():
    from compneurovis.core import __version__

    assert __version__ == version("compneurovis-core") == _project(PYPROJECTS[0])["version"]
