"""A view kind of your own, part 2 of 2: its drawing in the Qt window.

`HistogramDrawing` says *how* to draw a `HistogramViewSpec`, with pyqtgraph.
The decorator is the one registration line: from now on every window draws
each `HistogramViewSpec` of its Scene with this class.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from histogram_view import HistogramViewSpec

from compneurovis.core import Scene
from compneurovis.qt import ViewContext, ViewDrawing, register_view

#: Colour of the bars.
BAR_COLOR = "#e8a33d"


@register_view(HistogramViewSpec)
class HistogramDrawing(ViewDrawing[HistogramViewSpec]):
    """Bars of a pyqtgraph plot: counts of the field's values per bin."""

    def __init__(self, spec: HistogramViewSpec, scene: Scene, context: ViewContext) -> None:
        super().__init__(spec, scene, context)
        self.widget = pg.PlotWidget(title=spec.title)  # the window puts this in the view's panel
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=BAR_COLOR, pen=None)
        self.widget.addItem(self.bars)
        unit = scene.fields[spec.field_id].unit
        self.widget.setLabel("bottom", f"{spec.field_id} ({unit})" if unit else spec.field_id)
        self.widget.setLabel("left", "entities")
        self.counts = np.zeros(spec.bins, dtype=np.int64)
        self.edges = np.linspace(0.0, 1.0, spec.bins + 1)

    def update(self, scene: Scene, changed_field_ids: frozenset[str]) -> None:
        """Count the values again when the field changed (the numpy work, before drawing)."""
        if self.spec.field_id not in changed_field_ids:
            return  # only the selection or the time changed: nothing to recount
        values = np.asarray(scene.fields[self.spec.field_id].values, dtype=np.float64)
        finite = values[np.isfinite(values)]
        if finite.size:
            self.counts, self.edges = np.histogram(finite, bins=self.spec.bins)
        else:
            self.counts = np.zeros(self.spec.bins, dtype=np.int64)

    def draw(self) -> None:
        """Show the counts as bars."""
        self.bars.setOpts(x0=self.edges[:-1], x1=self.edges[1:], height=self.counts)

    def configure(self, spec: HistogramViewSpec, scene: Scene) -> bool:
        """A new title is applied in place; other changes (bins, field) rebuild the view."""
        if (spec.field_id, spec.bins) != (self.spec.field_id, self.spec.bins):
            return False
        self.spec = spec
        self.widget.setTitle(spec.title)
        return True
