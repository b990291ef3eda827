"""The View menu's switch for reduced-resolution live frames in the 3-D views."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu, QWidget

#: Text of the View menu's switch.
LABEL = "Reduce 3-D resolution while live"


def install_resolution_action(menu: QMenu, owner: QWidget, on: bool, switch: Callable[[bool], None]) -> QAction:
    """Add a checkable action to ``menu`` (kept there when the menu rebuilds itself on opening).

    Args:
        menu: The View menu (it may clear itself in ``aboutToShow``).
        owner: Parent of the action (it outlives the menu's own actions).
        on: Initial state.
        switch: Called with the new state when the user toggles it.
    """
    action = QAction(LABEL, owner)
    action.setCheckable(True)
    action.setChecked(on)
    action.setToolTip("While the picture changes fast, draw the 3-D views at a lower resolution that keeps "
                      "up with the frame rate; a still picture is always drawn sharp")
    action.toggled.connect(switch)

    def add() -> None:
        if action not in menu.actions():
            menu.addSeparator()
            menu.addAction(action)

    menu.aboutToShow.connect(add)  # after the menu's own refresh, which clears it
    add()
    return action
