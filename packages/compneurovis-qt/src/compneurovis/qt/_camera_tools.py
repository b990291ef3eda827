"""The camera tools above a morphology: presets, reset, and saved views to go back to.

A preset or a restored view becomes a `ScenePatch` of the view's ``camera``
(so recordings, screenshots and movies show the same view); choosing the
camera the spec already has re-frames it without a patch (undoing the mouse).
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from compneurovis.core import CAMERA_PRESETS, Camera, MorphologyViewSpec, ScenePatch


class CameraTools(QWidget):
    """Preset buttons, "reset", "save view" and a menu of the saved views of one morphology view.

    Args:
        view_id: The view the tools change.
        apply: Applies a `ScenePatch` (through the window).
        spec_camera: The spec's camera now.
        current: The camera on screen now (after the mouse moved it).
        reframe: Re-applies the spec's camera (undoing the mouse).
        parent: Parent widget.
    """

    def __init__(self, view_id: str, apply: Callable[[ScenePatch], None], spec_camera: Callable[[], Camera | None],
                 current: Callable[[], Camera], reframe: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_id = view_id
        self._apply = apply
        self._spec_camera = spec_camera
        self._current = current
        self._reframe = reframe
        #: Saved views, oldest first: ``(name, exact camera)``.
        self.saved: list[tuple[str, Camera]] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        #: One button per preset (``"front"``, ``"side"``, ``"top"``, ``"isometric"``).
        self.preset_buttons: dict[str, QToolButton] = {}
        for name in CAMERA_PRESETS:
            button = self._button(name.capitalize() if name != "isometric" else "Iso",
                                  f"Look from the {name} and frame the whole cell",
                                  lambda _=False, n=name: self.set_camera(Camera(preset=n)))
            button.setCheckable(True)
            self.preset_buttons[name] = button
            layout.addWidget(button)
        #: Back to the default view: the whole cell from the front (R re-frames the current camera).
        self.reset_button = self._button("Reset", "Frame the whole cell from the front", lambda: self.set_camera(None))
        #: Remember the view on screen now.
        self.save_button = self._button("Save view", "Remember the view on screen now", lambda: self.save_view())
        #: The saved views (its menu restores one).
        self.views_button = QToolButton(self)
        self.views_button.setText("Views")
        self.views_button.setToolTip("Go back to a saved view")
        self.views_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.views_menu = QMenu(self.views_button)
        self.views_button.setMenu(self.views_menu)
        self.views_button.setEnabled(False)
        for widget in (self.reset_button, self.save_button, self.views_button):
            layout.addWidget(widget)

    def _button(self, text: str, tip: str, slot: Callable[..., None]) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def sync(self, spec: MorphologyViewSpec) -> None:
        """Mark the preset the spec uses (none for an exact view)."""
        self._mark(spec.camera)

    def _mark(self, camera: Camera | None) -> None:
        preset = "front" if camera is None else camera.preset
        for name, button in self.preset_buttons.items():
            button.setChecked(name == preset)

    def set_camera(self, camera: Camera | None) -> None:
        """Look through ``camera`` (``None``: the default front view) via a `ScenePatch`."""
        if camera == self._spec_camera():
            self._reframe()
        else:
            self._apply(ScenePatch(views={self.view_id: {"camera": camera}}))
        self._mark(self._spec_camera())

    def save_view(self, name: str | None = None) -> Camera:
        """Remember the view on screen now under ``name`` (default ``"View N"``) and return it."""
        camera = self._current()
        name = name or f"View {len(self.saved) + 1}"
        self.saved.append((name, camera))
        self.views_menu.addAction(name, lambda c=camera: self.set_camera(c))
        self.views_button.setEnabled(True)
        return camera

    def restore_view(self, name: str) -> None:
        """Go back to the saved view ``name``.

        Raises:
            KeyError: If no view of that name was saved.
        """
        saved = dict(self.saved)
        if name not in saved:
            raise KeyError(f"no saved view {name!r}; saved: {list(saved)}")
        self.set_camera(saved[name])
