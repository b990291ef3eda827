"""`Selection`: the entities the user picked in the window's views (Qt-free)."""

from __future__ import annotations


class Selection:
    """Entities picked in any view, oldest first, and the latest pick.

    Trace views draw the picked entities' curves first (most recent first);
    the File menu exports their traces.
    """

    def __init__(self) -> None:
        #: Picked entity ids, oldest first (a repeated pick moves to the end).
        self.clicked: list[str] = []
        #: The view of the latest pick, or ``None``.
        self.view_id: str | None = None
        #: The latest picked entity, or ``None`` after a miss.
        self.entity_id: str | None = None
        #: Status-bar text of the latest pick (``""`` after a miss).
        self.text = ""

    def pick(self, view_id: str, entity_id: str | None, label: str = "") -> None:
        """Record a pick of ``entity_id`` (``None``: a click that hit nothing) in ``view_id``."""
        self.view_id = view_id
        self.entity_id = entity_id
        if entity_id is None:
            self.text = ""
            return
        self.text = f"Selected: {label or entity_id}"
        if entity_id in self.clicked:
            self.clicked.remove(entity_id)
        self.clicked.append(entity_id)

    def recent_first(self) -> list[str]:
        """Picked entity ids, most recent first."""
        return self.clicked[::-1]
