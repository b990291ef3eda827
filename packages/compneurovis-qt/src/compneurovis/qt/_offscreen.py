"""Offscreen rendering of a Scene to a PNG, without a display or a session."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from compneurovis.core import Scene, SessionUpdate


def render_scene(scene: Scene, path: str | os.PathLike[str], *, size: tuple[int, int] = (1400, 860),
                 updates: Iterable[SessionUpdate] = (), theme: str = "dark") -> Path:
    """Draw ``scene`` (after applying ``updates``) as the window would, and write a PNG.

    Needs no display: Qt uses its offscreen platform when no application
    exists yet, and VTK an EGL or OSMesa render window.

    Args:
        scene: What to draw.
        path: Where to write the PNG.
        size: Image size in pixels.
        updates: Updates applied before drawing.
        theme: ``"dark"`` or ``"light"``.

    Returns:
        The path written.
    """
    from ._app import _application
    from ._window import CompNeuroVisWindow

    app = _application(True, theme)
    window = CompNeuroVisWindow(scene, offscreen=True, theme=theme)
    try:
        window.apply_updates(updates)
        window.resize(*size)
        from PyQt6.QtCore import Qt

        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.show()
        app.processEvents()
        image = window.grab_image()
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            raise OSError(f"could not write {out}")
        return out
    finally:
        window.close()
        window.deleteLater()
