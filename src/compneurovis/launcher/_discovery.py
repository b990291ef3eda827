"""Find demos and SWC viewers through entry points, so missing parts give install hints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

#: Demos each extra provides: shown as install hints when they are missing.
KNOWN_DEMOS = {
    "neuron-hh": "neuron",
    "neuron-swc": "neuron",
    "neuron-network": "neuron",
    "neuron-mpi-ring": "neuron",
    "jaxley-swc": "jaxley",
    "jaxley-network": "jaxley",
    "jaxley-fit": "jaxley",
}
DEMO_GROUP = "compneurovis.demos"
SWC_GROUP = "compneurovis.swc_viewers"


class LauncherError(Exception):
    """A problem the user can fix, reported as one line."""


class Interrupted(LauncherError):
    """Ctrl+C ended the command cleanly (what it wrote is whole); the message says what was kept. Exit status 130."""


def installed_demos() -> dict[str, EntryPoint]:
    """Demo entry points of every installed CompNeuroVis distribution, by name."""
    return {ep.name: ep for ep in entry_points(group=DEMO_GROUP)}


@dataclass(frozen=True)
class DemoSession:
    """A picklable factory of demo ``name``'s session that imports the demo only when called.

    The window process hands it to the session's worker process, which calls
    it; so only the worker imports the backend (Jaxley brings JAX: about 3 s
    and 250 MiB that the window would otherwise carry for nothing).

    Attributes:
        name: The demo's name.
        value: Its entry point, ``"module:SessionClass"``.
    """

    name: str
    value: str

    def __call__(self) -> Any:
        """Import the demo's session class and make the session."""
        return EntryPoint(name=self.name, value=self.value, group=DEMO_GROUP).load()()


def demo_session(name: str) -> DemoSession:
    """A factory of demo ``name``'s session that leaves importing the backend to the worker.

    Raises:
        LauncherError: If no installed demo has that name (with an install hint where one helps).
    """
    return DemoSession(name, _demo_entry(name).value)


def find_demo(name: str) -> Any:
    """Load the session class of demo ``name``.

    Raises:
        LauncherError: If the demo is unknown or its backend is not installed.
    """
    return _demo_entry(name).load()


def _demo_entry(name: str) -> EntryPoint:
    demos = installed_demos()
    if name in demos:
        return demos[name]
    if name in KNOWN_DEMOS:
        extra = KNOWN_DEMOS[name]
        raise LauncherError(
            f"demo {name!r} needs the {extra} backend, which is not installed: "
            f'pip install "compneurovis[{extra}]"'
        )
    raise LauncherError(f"no demo named {name!r}; installed: {', '.join(sorted(demos)) or 'none'}")


def swc_session_factory(path: Path) -> Callable[[], Any]:
    """Return a picklable factory of a default live session for the SWC file at ``path``.

    Raises:
        LauncherError: If the file is missing or unreadable, or no backend can open SWC files.
    """
    if not path.exists():
        raise LauncherError(f"{path}: no such file")
    if not path.is_file():
        raise LauncherError(f"{path}: not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise LauncherError(f"{path}: cannot read ({exc.strerror})") from None
    if b"\0" in head and path.suffix.lower() != ".h5":  # HDF5 (MorphIO) is binary
        raise LauncherError(f"{path}: not an SWC text file (binary content)")
    viewers = {ep.name: ep for ep in entry_points(group=SWC_GROUP)}
    if "neuron" not in viewers:
        raise LauncherError('opening SWC files needs the NEURON backend: pip install "compneurovis[neuron]"')
    make_factory = viewers["neuron"].load()
    return make_factory(str(path.resolve()))
