"""The colour-scale tools above a morphology: a colour-map chooser, a limits range slider and "auto".

The widgets are superqt's (`CmapCatalogComboBox`, which accepts any name the
``cmap`` package knows, and `QLabeledDoubleRangeSlider`); a change becomes a
`ScenePatch` of the view's ``color_map`` or ``color_limits``, applied through
the window so recordings and screenshots see it. `ColorTools.sync` shows a spec
that changed elsewhere (a script, a replay) without sending anything back.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QCheckBox, QHBoxLayout, QWidget
from superqt import QLabeledDoubleRangeSlider
from superqt.cmap import CmapCatalogComboBox

from compneurovis.core import MorphologyViewSpec, ScenePatch
from compneurovis.vtk import is_color_map

#: Slider steps across its range.
SLIDER_STEPS = 1000


def slider_range(low: float, high: float) -> tuple[float, float]:
    """The slider's extent for limits ``(low, high)``: one span of room on each side."""
    span = (high - low) or max(abs(high), 1.0)
    return low - span, high + span


class ColorTools(QWidget):
    """Colour map chooser, "auto" toggle and limits slider of one morphology view.

    Args:
        view_id: The view the tools change.
        apply: Applies a `ScenePatch` (the window's ``apply_updates`` with one update).
        current_limits: The limits on screen now (the automatic ones, while "auto" is on).
        parent: Parent widget.
    """

    def __init__(self, view_id: str, apply: Callable[[ScenePatch], None],
                 current_limits: Callable[[], tuple[float, float]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_id = view_id
        self._apply = apply
        self._current_limits = current_limits
        self._syncing = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        #: Colour map by name: pick from the catalogue or type any name ``cmap`` knows (``viridis_r``).
        self.color_map = CmapCatalogComboBox(self)
        self.color_map.setToolTip("Colour map: any name the cmap package knows (add _r to reverse)")
        self.color_map.setMinimumWidth(150)
        self.color_map.currentColormapChanged.connect(lambda _cmap: self._map_chosen())
        #: Automatic limits (following the data) when checked.
        self.auto = QCheckBox("auto", self)
        self.auto.setToolTip("Colour limits follow the data")
        self.auto.toggled.connect(self._auto_toggled)
        #: Low and high colour limits.
        self.limits = QLabeledDoubleRangeSlider(Qt.Orientation.Horizontal, self)
        self.limits.setDecimals(3)
        self.limits.setToolTip("Colour limits (low, high)")
        self.limits.valueChanged.connect(self._limits_moved)
        layout.addWidget(self.color_map)
        layout.addWidget(self.auto)
        layout.addWidget(self.limits, 1)

    # ------------------------------------------------------------- showing

    def sync(self, spec: MorphologyViewSpec) -> None:
        """Show ``spec``'s colour map and limits (sends no patch)."""
        self._syncing = True
        try:
            if self.color_map.currentText() != spec.color_map:
                self.color_map.setCurrentText(spec.color_map)
            self.auto.setChecked(spec.color_limits is None)
            self.limits.setEnabled(spec.color_limits is not None)
            if spec.color_limits is not None:
                self._show_limits(spec.color_limits)
        finally:
            self._syncing = False

    def show_auto_limits(self, limits: tuple[float, float]) -> None:
        """While "auto" is on, show the limits the data chose."""
        if self.auto.isChecked() and tuple(self.limits.value()) != limits:
            self._syncing = True
            try:
                self._show_limits(limits)
            finally:
                self._syncing = False

    def _show_limits(self, limits: tuple[float, float]) -> None:
        low, high = float(limits[0]), float(limits[1])
        lo, hi = self.limits.minimum(), self.limits.maximum()
        if not (lo <= low and high <= hi) or (hi - lo) > 20 * (high - low):
            lo, hi = slider_range(low, high)
            self.limits.setRange(lo, hi)
            self.limits.setSingleStep((hi - lo) / SLIDER_STEPS)
        self.limits.setValue((low, high))

    # ------------------------------------------------------------- choices

    def _map_chosen(self) -> None:
        name = self.color_map.currentText()
        if not self._syncing and is_color_map(name):
            self._apply(ScenePatch(views={self.view_id: {"color_map": name}}))

    def _auto_toggled(self, on: bool) -> None:
        self.limits.setEnabled(not on)
        if self._syncing:
            return
        if on:
            self._apply(ScenePatch(views={self.view_id: {"color_limits": None}}))
        else:
            low, high = self._current_limits()
            self._syncing = True
            try:
                self._show_limits((low, high))
            finally:
                self._syncing = False
            self._apply(ScenePatch(views={self.view_id: {"color_limits": (float(low), float(high))}}))

    def _limits_moved(self, value: tuple[float, float]) -> None:
        if self._syncing or self.auto.isChecked():
            return
        low, high = float(value[0]), float(value[1])
        if high > low:
            self._apply(ScenePatch(views={self.view_id: {"color_limits": (low, high)}}))
