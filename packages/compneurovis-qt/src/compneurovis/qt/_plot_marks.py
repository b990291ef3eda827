"""A line plot's `AxisMark`s drawn as labelled vertical lines (pyqtgraph InfiniteLine)."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg

from compneurovis.core import AxisMark

#: Line colour per mark kind (others: `DEFAULT_MARK_COLOR`).
MARK_COLORS = {"control": "#ffb000", "action": "#40e0d0", "reset": "#ff5d73"}
DEFAULT_MARK_COLOR = "#aeb4be"
#: Heights (fraction of the y range, from the bottom) that successive labels cycle through, so near marks stay readable.
LABEL_POSITIONS = (0.95, 0.85, 0.75, 0.65)


class MarkLines:
    """The vertical lines of one plot's marks, kept in data coordinates so they scroll with the x axis.

    Each label is a separate `pg.TextItem` at the line's x, near the top of the
    y range (`place_labels` follows the range), to the left of its line so
    the newest mark, at the right edge, stays readable. Lines and labels are
    reused and hidden rather than deleted, and nothing refers back to the line
    from its label, so no reference cycle outlives the widget.

    Args:
        plot: The pyqtgraph plot item to draw on.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.marks: tuple[AxisMark, ...] = ()
        #: The lines showing `marks`, in order.
        self.lines: list[pg.InfiniteLine] = []
        #: The label of each line in `lines`.
        self.labels: list[pg.TextItem] = []
        self._pool: list[tuple[pg.InfiniteLine, pg.TextItem]] = []

    def set_marks(self, marks: Sequence[AxisMark]) -> None:
        """Show exactly ``marks`` (nothing changes when they are the marks shown)."""
        marks = tuple(marks)
        if marks == self.marks:
            return
        while len(self._pool) < len(marks):
            line = pg.InfiniteLine(angle=90, movable=False)
            line.setZValue(-5)  # behind the curves
            label = pg.TextItem(anchor=(1.0, 0.0), fill=pg.mkBrush(23, 24, 28, 200))
            self.plot.addItem(line, ignoreBounds=True)
            self.plot.addItem(label, ignoreBounds=True)
            self._pool.append((line, label))
        for (line, label), mark in zip(self._pool, marks, strict=False):
            color = MARK_COLORS.get(mark.kind, DEFAULT_MARK_COLOR)
            line.setPen(pg.mkPen(color, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine))
            line.setValue(float(mark.x))
            line.setToolTip(mark.label)
            label.setText(mark.label, color=color)
            for item in (line, label):
                item.setVisible(True)
            label.setVisible(bool(mark.label))
        for line, label in self._pool[len(marks):]:
            line.setVisible(False)
            label.setVisible(False)
        self.lines = [line for line, _ in self._pool[:len(marks)]]
        self.labels = [label for _, label in self._pool[:len(marks)]]
        self.marks = marks
        (_, _), (lo, hi) = self.plot.viewRange()
        self.place_labels(lo, hi)

    def place_labels(self, y_lo: float, y_hi: float) -> None:
        """Put each label at its line's x, staggered near the top of ``[y_lo, y_hi]``."""
        for k, (label, mark) in enumerate(zip(self.labels, self.marks, strict=True)):
            label.setPos(float(mark.x), y_lo + LABEL_POSITIONS[k % len(LABEL_POSITIONS)] * (y_hi - y_lo))

    def label_texts(self) -> list[str]:
        """The label text of each line, in mark order."""
        return [label.toPlainText() for label in self.labels]
