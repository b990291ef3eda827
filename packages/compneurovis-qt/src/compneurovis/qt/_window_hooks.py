"""`WindowHooks`: the narrow part of the window that the File menu and the window recording use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PyQt6.QtWidgets import QWidget

from compneurovis.core import Scene, SessionCommand


@dataclass(frozen=True, eq=False)
class WindowHooks:
    """Callables into the window, so that its helpers need not import it.

    Attributes:
        scene: The Scene shown now (``None`` before the first).
        clicked: Entity ids the user picked, oldest first.
        send: Sends a command to the session.
        report_error: Shows a message in the error banner.
        show_message: Shows a passing message in the status bar.
        parent: Parent widget of dialogs.
    """

    scene: Callable[[], Scene | None]
    clicked: Callable[[], list[str]]
    send: Callable[[SessionCommand], None]
    report_error: Callable[[str], None]
    show_message: Callable[[str], None]
    parent: QWidget
