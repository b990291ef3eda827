# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Sessions: one per distribution, lint, integration, docs, bench and the demo.

``nox`` runs everything CI needs; ``nox -s demo`` opens the main demo.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["lint", "core", "vtk", "neuron", "jaxley", "qt", "jupyter", "integration", "lowest", "docs"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PACKAGES = {
    "core": ["compneurovis-core"],
    "neuron": ["compneurovis-core", "compneurovis-neuron[mpi]"],  # [mpi]: the mpiexec -n 2 tests
    "jaxley": ["compneurovis-core", "compneurovis-jaxley"],
    "vtk": ["compneurovis-core", "compneurovis-vtk"],
    "qt": ["compneurovis-core", "compneurovis-vtk", "compneurovis-qt"],
    # with both backends: its tests execute the docs notebooks (a NEURON cell, a Jaxley cell); no Qt
    "jupyter": ["compneurovis-core", "compneurovis-vtk", "compneurovis-jupyter", "compneurovis-neuron",
                "compneurovis-jaxley"],
}
ALL = ["compneurovis-core", "compneurovis-vtk", "compneurovis-qt", "compneurovis-neuron", "compneurovis-jaxley",
       "compneurovis-jupyter"]


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


def _paths(dists: list[str]) -> list[str]:
    return [str(ROOT / "packages" / d) for d in dists]


def _install(session: nox.Session, dists: list[str], *extra: str, editable: bool = False) -> None:
    """Install local distributions (and their PyPI dependencies) into the session venv."""
    session.install("--upgrade", "pip")
    targets = []
    for path in _paths(dists):
        targets += ["-e", path] if editable else [path]
    session.install(*targets, *extra)


def _run_tests(session: nox.Session, package: str, *args: str, env: dict[str, str | None] | None = None) -> None:
    groups = _group("test") + (_group("test-qt") if package == "qt" else []) + (
        _group("test-jupyter") if package == "jupyter" else [])
    _install(session, PACKAGES[package], *groups)
    env = {**(env or {}), **({"CNV_REQUIRE_ALL": "1"} if os.environ.get("CI") else {})}
    session.run("pytest", f"packages/compneurovis-{package}/tests", *args, *session.posargs, env=env)


@nox.session(python="3.11")
def core(session: nox.Session) -> None:
    """compneurovis-core alone (numpy + test tools)."""
    _run_tests(session, "core")


@nox.session(python="3.11")
def vtk(session: nox.Session) -> None:
    """compneurovis-vtk: the Qt-free VTK drawing, offscreen, with no Qt installed."""
    _run_tests(session, "vtk")


@nox.session(python="3.11")
def neuron(session: nox.Session) -> None:
    """compneurovis-neuron with the real NEURON."""
    _run_tests(session, "neuron")


@nox.session(python="3.11")
def jaxley(session: nox.Session) -> None:
    """compneurovis-jaxley with the real Jaxley/JAX on the CPU."""
    _run_tests(session, "jaxley")


#: How the Qt tests reach a screen. ``xvfb``: pytest-xvfb starts Xvfb when it is installed (else the
#: tests use the display there is, or Qt's offscreen platform without one). ``offscreen``: Qt's
#: offscreen platform with no X server at all, as on a machine with only Python and pip; the 3-D
#: panels then draw through offscreen VTK windows.
QT_PLATFORMS = {
    "xvfb": ((), {}),
    # tests of on-screen windows (marked ``on_screen``) run in the xvfb session only
    "offscreen": (("-p", "no:xvfb", "-m", "not on_screen"),
                  {"QT_QPA_PLATFORM": "offscreen", "DISPLAY": None, "WAYLAND_DISPLAY": None}),
}


@nox.session(python="3.11")
@nox.parametrize("platform", list(QT_PLATFORMS))
def qt(session: nox.Session, platform: str) -> None:
    """compneurovis-qt with real Qt widgets and VTK, under Xvfb and on Qt's offscreen platform."""
    args, env = QT_PLATFORMS[platform]
    _run_tests(session, "qt", *args, env=env)


@nox.session(python="3.11")
def jupyter(session: nox.Session) -> None:
    """compneurovis-jupyter: widget units, executed docs notebooks (NEURON, Jaxley, replay), JupyterLab in Chromium."""
    _run_tests(session, "jupyter", "-p", "no:xvfb")


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff, and import-linter contracts for the dependency rule."""
    session.install(*_group("lint"))
    # import-linter reads our sources; the heavy runtime dependencies are not needed.
    for path in [*_paths(ALL), str(ROOT)]:
        session.install("--no-deps", "-e", path)
    session.run("ruff", "check", ".")
    session.run("lint-imports")


# What each integration combination installs (from wheels) and the parts it promises.
MATRIX = {
    "core": (["compneurovis-core"], "core"),
    "core+neuron": (["compneurovis-core", "compneurovis-neuron"], "core,neuron"),
    "core+jaxley": (["compneurovis-core", "compneurovis-jaxley"], "core,jaxley"),
    "core+qt": (["compneurovis-core", "compneurovis-qt"], "core,qt"),
    "extra-neuron": (["compneurovis[neuron]"], "core,qt,neuron,launcher"),
    "extra-jaxley": (["compneurovis[jaxley]"], "core,qt,jaxley,launcher"),
    "extra-all": (["compneurovis[all,mpi]"], "core,qt,neuron,jaxley,jupyter,launcher,mpi"),
    "extra-jupyter": (["compneurovis[neuron,jupyter]"], "core,qt,neuron,jupyter,launcher"),
}
#: Combinations that run only the tests an install can change: no integration test needs the notebook
#: part, so ``extra-jupyter`` would run ``extra-neuron``'s tests again (4 of CI's minutes); ``extra-all``
#: and ``lowest`` run them all with the notebook part installed too.
ONLY = {"extra-jupyter": ["test_installed_parts.py", "test_versions.py", "test_launcher.py"]}
WHEELS = ROOT / "dist"


def _build_wheels(session: nox.Session) -> None:
    """Build a wheel of every distribution once per nox run (reused by later sessions)."""
    stamp = WHEELS / f".built-{os.getpid()}"
    if stamp.exists():
        return
    shutil.rmtree(WHEELS, ignore_errors=True)
    session.install("build")
    for path in [*_paths(ALL), str(ROOT)]:
        session.run("python", "-m", "build", "--wheel", "--outdir", str(WHEELS), path, silent=True)
    stamp.touch()


def _lower_bounds() -> list[str]:
    """``name==lowest`` for numpy and the simulators, from the declared lower bounds."""
    pins = {}
    for pyproject in (ROOT / "packages").glob("*/pyproject.toml"):
        for requirement in nox.project.load_toml(pyproject)["project"]["dependencies"]:
            name, _, low = requirement.partition(">=")
            if name in {"numpy", "neuron", "jaxley", "jax"} and low:
                pins[name] = max(pins.get(name, low), low, key=lambda v: tuple(map(int, v.split("."))))
    return [f"{name}=={low}" for name, low in sorted(pins.items())]


def _integration(session: nox.Session, requirements: list[str], parts: str, *constraints: str,
                 only: list[str] | None = None) -> None:
    _build_wheels(session)
    session.install("--upgrade", "pip")
    session.install("--find-links", str(WHEELS), *requirements, *constraints, *_group("test"),
                    *(_group("test-qt") if "qt" in parts else []))
    env = {"CNV_PARTS": parts}
    # Run from a folder outside the checkout so the installed wheels, not the sources, are imported.
    session.chdir(session.create_tmp())
    args = ["-p", "no:xvfb"] if "qt" not in parts else []
    tests = [str(ROOT / "tests-integration" / name) for name in only] if only else [str(ROOT / "tests-integration")]
    session.run("pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT), *args,
                *tests, *session.posargs, env=env)


@nox.session(python="3.11")
@nox.parametrize("combo", list(MATRIX))
def integration(session: nox.Session, combo: str) -> None:
    """Wheels of every distribution installed (not editable) in one combination, then its tests."""
    requirements, parts = MATRIX[combo]
    _integration(session, requirements, parts, only=ONLY.get(combo))


@nox.session(python="3.11")
def lowest(session: nox.Session) -> None:
    """``compneurovis[all,mpi]`` against the lowest declared numpy and simulator versions."""
    _integration(session, ["compneurovis[all,mpi]"], MATRIX["extra-all"][1], *_lower_bounds())


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmarks of every package, each printed as a ratio against its own baseline."""
    _install(session, ALL, *_group("test"), *_group("test-jupyter"))  # test-jupyter: JupyterLab + Playwright
    session.install(str(ROOT))  # the app distribution, for the recording/render benchmark
    session.install(str(ROOT / "packages" / "compneurovis-neuron") + "[mpi]")  # bench_mpi
    for path in [*sorted((ROOT / "packages").glob("*/benchmarks/bench_*.py")),
                 *sorted((ROOT / "benchmarks").glob("bench_*.py"))]:
        session.run("python", str(path), *session.posargs)


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """The mkdocs site, built strictly: a broken reference or an undocumented public name fails it.

    mkdocstrings reads every package's source statically (``paths`` in
    mkdocs.yml). The packages are installed for the pictures and the movie,
    which the build draws offscreen from the demos (``docs/hooks/pictures.py``).
    """
    # ruff formats the rendered signatures (mkdocstrings needs ruff or black for that).
    _install(session, ["compneurovis-core", "compneurovis-vtk", "compneurovis-qt", "compneurovis-neuron",
                       "compneurovis-jaxley"],
             str(ROOT), *_group("docs"), *[d for d in _group("lint") if d.startswith("ruff")])
    session.run("mkdocs", "build", "--strict", *session.posargs, env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python="3.11")
def demo(session: nox.Session) -> None:
    """The main demo: a live NEURON cell (offscreen screenshot when there is no display)."""
    _install(session, ["compneurovis-core", "compneurovis-vtk", "compneurovis-qt", "compneurovis-neuron"], str(ROOT))
    args = session.posargs or []
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and "--screenshot" not in args:
        args = [*args, "--screenshot", "compneurovis-demo.png", "--after", "2"]
        session.log("no display: rendering offscreen to compneurovis-demo.png")
    session.run("compneurovis", "demo", "neuron-swc", *args)
