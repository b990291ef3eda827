"""Find demos and SWC viewers through entry points, so missing parts give install hints."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import Any

from compneurovis.core import PREVIEW_PREFIX, Scene, SceneError, SceneReady, decode, encode

log = logging.getLogger("compneurovis.launcher")

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
#: The status line of a demo's preview (its last start's first Scene).
PREVIEW_STATUS = f"{PREVIEW_PREFIX}this is the first frame of the last start; the model is being built"
#: Larger first Scenes are not kept as previews.
MAX_PREVIEW_BYTES = 64 * 2**20
#: Distributions whose versions key a preview.
PREVIEW_DISTRIBUTIONS = ("compneurovis", "compneurovis-core", "compneurovis-neuron", "compneurovis-jaxley",
                         "neuron", "jaxley", "jax", "numpy")
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

    With ``preview``, the worker first sends the demo's first Scene from its
    last start (`startup_scene`, kept by `remember_scene` in the user's cache
    folder, ``$XDG_CACHE_HOME/compneurovis/scenes``), so the window shows the
    cell while the backend loads and the model builds; the session's own
    Scene replaces it. A preview is kept per demo and per installed version
    of CompNeuroVis, NEURON, Jaxley, JAX and Python; one that cannot be read
    is removed.

    Attributes:
        name: The demo's name.
        value: Its entry point, ``"module:SessionClass"``.
        preview: Show the last start's first Scene while the session starts.
    """

    name: str
    value: str
    preview: bool = True

    def __call__(self) -> Any:
        """Import the demo's session class and make the session."""
        return EntryPoint(name=self.name, value=self.value, group=DEMO_GROUP).load()()

    def startup_scene(self) -> Scene | None:
        """The first Scene of this demo's last start, marked as a preview; else the demo's own preview, if any.

        A demo class may offer a quick picture for a start with no preview kept
        (the first start, or after an upgrade): a classmethod ``preview_scene()``
        returning a Scene or ``None`` (the Jaxley SWC demo draws its SWC points
        while Jaxley builds the cell). Nothing without ``preview``.
        """
        path = self._preview_path()
        if path is None:
            return None
        if not path.is_file():
            return self._own_preview()
        try:
            updates = decode(path.read_bytes())
            scene = updates[0].scene if len(updates) == 1 and isinstance(updates[0], SceneReady) else None
            if scene is None:
                raise SceneError("not one SceneReady")
        except (OSError, SceneError) as exc:
            log.warning("ignoring the preview %s (%s)", path, exc)
            path.unlink(missing_ok=True)
            return self._own_preview()
        scene.status = PREVIEW_STATUS
        return scene

    def _own_preview(self) -> Scene | None:
        try:
            own = getattr(EntryPoint(name=self.name, value=self.value, group=DEMO_GROUP).load(), "preview_scene", None)
            scene = own() if callable(own) else None
        except Exception as exc:  # noqa: BLE001 - the session itself reports what is wrong, better
            log.warning("no preview of demo %s (%s: %s)", self.name, type(exc).__name__, exc)
            return None
        if scene is not None:
            scene.status = f"{PREVIEW_PREFIX}{scene.status or 'the model is being built'}"
        return scene

    def remember_scene(self, scene: Scene) -> None:
        """Keep ``scene`` (the session's first) as the next start's preview; nothing if it cannot be written."""
        path = self._preview_path()
        if path is None:
            return
        data = encode([SceneReady(scene=scene)])
        if len(data) > MAX_PREVIEW_BYTES:
            return
        tmp: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                tmp = Path(f.name)
                f.write(data)
            os.replace(tmp, path)  # two starts at once: each writes whole files, the last one stays
        except OSError as exc:
            log.info("could not keep the preview %s (%s)", path, exc)
            if tmp is not None:
                tmp.unlink(missing_ok=True)

    def _preview_path(self) -> Path | None:
        if not self.preview:
            return None
        key = hashlib.sha256(repr((self.name, self.value, sys.version, _versions())).encode()).hexdigest()[:24]
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cache / "compneurovis" / "scenes" / f"{self.name}-{key}.cnv"


@functools.cache
def _versions() -> tuple[str, ...]:
    """Installed versions of what builds a demo's Scene (``-`` for those absent)."""
    found = []
    for dist in PREVIEW_DISTRIBUTIONS:
        try:
            found.append(version(dist))
        except PackageNotFoundError:
            found.append("-")
    return tuple(found)


def demo_session(name: str, *, preview: bool = True) -> DemoSession:
    """A factory of demo ``name``'s session that leaves importing the backend to the worker.

    Args:
        name: The demo.
        preview: Show the first Scene of the demo's last start while it starts (see `DemoSession`).

    Raises:
        LauncherError: If no installed demo has that name (with an install hint where one helps).
    """
    return DemoSession(name, _demo_entry(name).value, preview)


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
